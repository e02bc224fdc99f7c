// Package gkefake is a loopback TLS fake of the Google endpoints the gke
// provider calls: STS (POST /v1/token), IAM Credentials
// (POST /v1/projects/-/serviceAccounts/{email}:generateAccessToken), the
// OAuth2 token endpoint for key and user files (POST /token) and the
// Container API (GET /v1/projects/{p}/locations/{l}/clusters/{c}).
package gkefake

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"github.com/helmdeploy/helm-deploy-action/internal/cloud/tlsfake"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// DefaultProvider is the workload identity provider the fake serves when
// Options.WorkloadIdentityProvider is empty.
const DefaultProvider = "projects/123456789012/locations/global/workloadIdentityPools/github/providers/github"

// Endpoint names one fake endpoint, for Calls and SetFault.
type Endpoint string

// The fake's endpoints.
const (
	STS       Endpoint = "sts"
	IAM       Endpoint = "iam"
	OAuth     Endpoint = "oauth"
	Container Endpoint = "container"
)

// Fault is an error the fake answers with instead of its normal reply.
type Fault string

// Injectable faults. STS: Expired and WrongAudience give invalid_grant,
// AccessDenied unauthorized_client (attribute condition), NotFound
// invalid_target. IAM and Container: AccessDenied 403, NotFound 404.
// OAuth: Expired and AccessDenied give invalid_grant.
const (
	NoFault       Fault = ""
	Expired       Fault = "expired"
	WrongAudience Fault = "wrong-audience"
	AccessDenied  Fault = "access-denied"
	NotFound      Fault = "not-found"
)

// Cluster is what the Container API answers for one cluster.
type Cluster struct {
	Endpoint    string   // IP[:port] without scheme; "" = DNS endpoint only
	DNSEndpoint string   // controlPlaneEndpointsConfig.dnsEndpointConfig.endpoint
	CAPEM       []byte   // masterAuth.clusterCaCertificate (base64-encoded by the fake)
	Viewers     []string // subjects (see Lookup) allowed to get it; nil = any token the fake issued
}

// ClusterName is the key of Options.Clusters.
func ClusterName(project, location, cluster string) string {
	return "projects/" + project + "/locations/" + location + "/clusters/" + cluster
}

// Options configure the fake.
type Options struct {
	// WorkloadIdentityProvider the STS `audience` must name (with the
	// //iam.googleapis.com/ prefix); default DefaultProvider.
	WorkloadIdentityProvider string
	// OIDCAudience is passed to VerifyIDToken; default
	// https://iam.googleapis.com/<WorkloadIdentityProvider>.
	OIDCAudience string
	// VerifyIDToken checks the subject token; nil = accept any non-empty
	// token with subject "unknown". Its error becomes invalid_grant.
	VerifyIDToken func(token, audience string) (subject string, err error)
	// MintToken makes access tokens; nil = random opaque "ya29.fake..." tokens.
	MintToken func(subject string, expiry time.Time) string
	// TokenLifetime of every token the fake issues; 0 = 1 h (IAM: the
	// requested lifetime).
	TokenLifetime time.Duration
	// ServiceAccounts maps a service account email to the OIDC subjects
	// (VerifyIDToken's result) allowed to impersonate it; "*" = any.
	ServiceAccounts map[string][]string
	// Clusters keyed by ClusterName.
	Clusters map[string]Cluster
	// TLSCert replaces httptest's certificate.
	TLSCert *tls.Certificate
}

type issued struct {
	subject string // principal://..., a service account email, or a user
	oidcSub string // for STS tokens: the OIDC subject
	kind    Endpoint
	expiry  time.Time
}

// Fake is a running fake. URLs are ready to put into gke.Options.
type Fake struct {
	URL          string // base URL of the server
	STSURL       string // gke.Options.STSURL
	IAMURL       string // gke.Options.IAMCredentialsURL
	ContainerURL string // gke.Options.ContainerURL
	TokenURL     string // token_uri of service_account / authorized_user files

	o   Options
	srv *tlsfake.Server

	mu       sync.Mutex
	tokens   map[string]issued
	calls    map[Endpoint]int
	faults   map[Endpoint]Fault
	keys     map[string]*rsa.PublicKey // service account email -> key
	refresh  map[string]string         // refresh token -> user
	stsForms []STSRequest
}

// STSRequest is what the fake saw in one STS exchange (no subject token).
type STSRequest struct {
	Audience, Scope, SubjectTokenType string
	OIDCSubject                       string // "" when verification failed
}

// New starts a fake; call Close when done.
func New(o Options) (*Fake, error) {
	if o.WorkloadIdentityProvider == "" {
		o.WorkloadIdentityProvider = DefaultProvider
	}
	if o.OIDCAudience == "" {
		o.OIDCAudience = "https://iam.googleapis.com/" + o.WorkloadIdentityProvider
	}
	f := &Fake{o: o, tokens: map[string]issued{}, calls: map[Endpoint]int{}, faults: map[Endpoint]Fault{},
		keys: map[string]*rsa.PublicKey{}, refresh: map[string]string{}}
	clusters := map[string]Cluster{}
	for k, v := range o.Clusters {
		clusters[k] = v
	}
	f.o.Clusters = clusters
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/token", f.handleSTS)
	mux.HandleFunc("POST /token", f.handleOAuth)
	mux.HandleFunc("POST /v1/projects/-/serviceAccounts/{call}", f.handleIAM)
	mux.HandleFunc("GET /v1/projects/{p}/locations/{l}/clusters/{c}", f.handleContainer)
	srv, err := tlsfake.Start(mux, o.TLSCert)
	if err != nil {
		return nil, err
	}
	f.srv, f.URL = srv, srv.URL()
	f.STSURL, f.IAMURL, f.ContainerURL, f.TokenURL = f.URL+"/v1/token", f.URL, f.URL, f.URL+"/token"
	return f, nil
}

// Start is New for tests: it fails the test on error and closes on cleanup.
func Start(t testing.TB, o Options) *Fake { return tlsfake.ForTest(t, New, o) }

// Close stops the server.
func (f *Fake) Close() { f.srv.Close() }

// Client is an *http.Client that trusts the fake's certificate.
func (f *Fake) Client() *http.Client { return f.srv.Client() }

// CertPEM is the fake's TLS certificate in PEM.
func (f *Fake) CertPEM() []byte {
	return f.srv.CertPEM()
}

// Calls counts the requests an endpoint received.
func (f *Fake) Calls(e Endpoint) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[e]
}

// SetFault makes an endpoint answer with the fault until reset with NoFault.
func (f *Fake) SetFault(e Endpoint, fault Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[e] = fault
}

// SetCluster adds or replaces a cluster.
func (f *Fake) SetCluster(name string, c Cluster) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.o.Clusters[name] = c
}

// STSRequests lists the STS exchanges seen so far.
func (f *Fake) STSRequests() []STSRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]STSRequest(nil), f.stsForms...)
}

// Lookup tells who an unexpired token the fake issued belongs to: a
// principal://iam.googleapis.com/<pool>/subject/<sub> for STS tokens, the
// service account email for impersonated tokens and key files, the user for
// authorized_user files.
func (f *Fake) Lookup(token string) (subject string, ok bool) {
	it, ok := f.lookup(token)
	return it.subject, ok
}

func (f *Fake) lookup(token string) (issued, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	it, ok := f.tokens[token]
	if !ok || !time.Now().Before(it.expiry) {
		return issued{}, false
	}
	return it, true
}

// begin counts a call and returns the fault set for the endpoint.
func (f *Fake) begin(e Endpoint) Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[e]++
	return f.faults[e]
}

func (f *Fake) lifetime(def time.Duration) time.Duration {
	if f.o.TokenLifetime > 0 {
		return f.o.TokenLifetime
	}
	return def
}

// issue mints and records a token.
func (f *Fake) issue(it issued, lifetime time.Duration) (string, time.Time) {
	it.expiry = time.Now().Add(lifetime)
	var tok string
	if f.o.MintToken != nil {
		tok = f.o.MintToken(it.subject, it.expiry)
	} else {
		b := make([]byte, 24)
		_, _ = rand.Read(b)
		tok = "ya29.fake." + base64.RawURLEncoding.EncodeToString(b)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokens[tok] = it
	return tok, it.expiry
}

// bearer returns the issued token of the request's Authorization header.
func (f *Fake) bearer(r *http.Request) (issued, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return issued{}, false
	}
	return f.lookup(tok)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// oauthError is the RFC 6749 error body STS and the OAuth endpoint use.
func oauthError(w http.ResponseWriter, code int, kind, desc string) {
	writeJSON(w, code, map[string]string{"error": kind, "error_description": desc})
}

// googleError is the JSON error body of Google REST APIs.
func googleError(w http.ResponseWriter, code int, status, msg string) {
	writeJSON(w, code, map[string]any{"error": map[string]any{"code": code, "message": msg, "status": status}})
}

var errNoKey = errors.New("no key registered for this service account")
