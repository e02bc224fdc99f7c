// Package aksfake is a loopback TLS fake of the Microsoft Entra ID token endpoints
// (as MSAL/azidentity call them with instance discovery disabled) and of the ARM
// listClusterUserCredential operation, for tests of package aks.
package aksfake

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"github.com/helmdeploy/helm-deploy-action/internal/cloud/tlsfake"
	"net/http"
	"sync"
	"testing"
	"time"
)

// Endpoint names for Calls.
const (
	EndpointDiscovery = "openid-configuration"
	EndpointToken     = "token"
	EndpointARM       = "listClusterUserCredential"
	EndpointOther     = "other" // any path the fake does not serve (answered 404)
)

// Defaults.
const (
	DefaultServerID    = "6dae42f8-4368-4678-94ff-3960e28e3630"
	FederationAudience = "api://AzureADTokenExchange"
)

// Errors a VerifyIDToken callback may wrap to get the matching AADSTS answer.
var (
	ErrIDTokenExpired  = errors.New("aksfake: ID token expired")           // AADSTS700024
	ErrIDTokenAudience = errors.New("aksfake: ID token audience mismatch") // AADSTS700212
)

// App is a registered application (or managed identity) of the fake tenant.
type App struct {
	Subjects    []string          // federated credential subjects (exact match); empty = no federated credential
	Secret      string            // client secret; empty = none
	Certificate *x509.Certificate // client certificate; nil = none
}

// Cluster is an AKS cluster known to the fake ARM.
type Cluster struct {
	Subscription, ResourceGroup, Name string
	Server                            string   // empty = https://<name>-dns.hcp.westeurope.azmk8s.io:443
	CAPEM                             []byte   // empty = the fake's own certificate
	Users                             []string // client IDs with the Cluster User Role; nil = any caller
}

// Options configure the fake. The zero value accepts any tenant, any client and
// any non-empty federated assertion.
type Options struct {
	Tenant        string         // the only tenant accepted; "" = any
	Clients       map[string]App // registered client IDs; nil = any client ID (federated with any subject)
	ServerID      string         // AKS server app ID Lookup accepts; "" = DefaultServerID
	TokenLifetime time.Duration  // access token lifetime; 0 = 1h
	Clusters      []Cluster

	// VerifyIDToken checks a GitHub ID token presented as client_assertion (nil = any
	// non-empty token, subject "unknown").
	VerifyIDToken func(token, audience string) (subject string, err error)
	// MintToken makes the AKS-scope access tokens (nil = random opaque). ARM tokens are always opaque.
	MintToken func(subject string, expiry time.Time) string
	TLSCert   *tls.Certificate // nil = httptest's
	Now       func() time.Time // nil = time.Now
}

// TokenInfo describes an access token the fake issued.
type TokenInfo struct {
	ClientID, Tenant string
	Resource         string // scope without "/.default"
	Method           string // "federated", "secret" or "certificate"
	FederatedSubject string // sub of the GitHub token (federated only)
	Expiry           time.Time
}

// Fake is a running fake.
type Fake struct {
	URL           string // https://127.0.0.1:port
	AuthorityHost string // URL + "/": give to aks.Options.AuthorityHost
	ARMEndpoint   string // URL: give to aks.Options.ARMEndpoint

	o      Options
	srv    *tlsfake.Server
	mu     sync.Mutex
	calls  map[string]int
	tokens map[string]TokenInfo
	tokErr *EntraError
	armErr *ARMError
}

// New starts a fake; call Close when done.
func New(o Options) (*Fake, error) {
	if o.ServerID == "" {
		o.ServerID = DefaultServerID
	}
	if o.TokenLifetime <= 0 {
		o.TokenLifetime = time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	f := &Fake{o: o, calls: map[string]int{}, tokens: map[string]TokenInfo{}}
	srv, err := tlsfake.Start(http.HandlerFunc(f.serve), o.TLSCert)
	if err != nil {
		return nil, err
	}
	f.srv, f.URL = srv, srv.URL()
	f.AuthorityHost = f.URL + "/"
	f.ARMEndpoint = f.URL
	return f, nil
}

// Start starts a fake closed by t.Cleanup.
func Start(t testing.TB, o Options) *Fake { return tlsfake.ForTest(t, New, o) }

// Close stops the server.
func (f *Fake) Close() { f.srv.Close() }

// Client returns an *http.Client trusting the fake's certificate.
func (f *Fake) Client() *http.Client { return f.srv.Client() }

// CertPEM returns the serving certificate as PEM.
func (f *Fake) CertPEM() []byte { return f.srv.CertPEM() }

// Calls returns how many requests an endpoint (Endpoint* constants) received.
func (f *Fake) Calls(endpoint string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[endpoint]
}

// SetTokenError makes every token request fail with e (nil restores normal answers).
func (f *Fake) SetTokenError(e *EntraError) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokErr = e
}

// SetARMError makes every listClusterUserCredential request fail with e (nil restores).
func (f *Fake) SetARMError(e *ARMError) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.armErr = e
}

// Lookup returns the client ID a valid (unexpired, by Options.Now) access token was
// issued to, if it was issued for the AKS server application (Options.ServerID).
func (f *Fake) Lookup(token string) (subject string, ok bool) {
	ti, ok := f.LookupToken(token)
	if !ok || ti.Resource != f.o.ServerID || !f.o.Now().Before(ti.Expiry) {
		return "", false
	}
	return ti.ClientID, true
}

// LookupToken returns what the fake knows about any token it issued, expired or not.
func (f *Fake) LookupToken(token string) (TokenInfo, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ti, ok := f.tokens[token]
	return ti, ok
}

// Issued returns how many access tokens the fake has issued.
func (f *Fake) Issued() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.tokens)
}

func (f *Fake) count(endpoint string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[endpoint]++
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return "aksfake." + base64.RawURLEncoding.EncodeToString(b)
}
