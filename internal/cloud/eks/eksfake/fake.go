// Package eksfake is a loopback TLS fake of the AWS STS and EKS APIs the eks
// provider uses: AssumeRoleWithWebIdentity, AssumeRole and GetCallerIdentity
// (awsquery), the presigned GetCallerIdentity check EKS makes for a bearer
// token (verified with SigV4), and EKS DescribeCluster (REST-JSON).
//
// Point the real aws-sdk-go-v2 at URL (base endpoint of both services) with
// an HTTP client from Client().
package eksfake

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"github.com/helmdeploy/helm-deploy-action/internal/cloud/tlsfake"
	"net/http"
	"sync"
	"testing"
	"time"
)

// Operation names for Calls and InjectError.
const (
	OpAssumeRoleWithWebIdentity  = "AssumeRoleWithWebIdentity"
	OpAssumeRole                 = "AssumeRole"
	OpGetCallerIdentity          = "GetCallerIdentity"          // header-signed POST
	OpPresignedGetCallerIdentity = "PresignedGetCallerIdentity" // the token check EKS makes
	OpDescribeCluster            = "DescribeCluster"
)

// Cluster is an EKS cluster DescribeCluster knows.
type Cluster struct {
	Name     string
	Endpoint string // the API server URL, https://...
	CAPEM    []byte // returned base64-encoded as certificateAuthority.data
	Status   string // "" = ACTIVE
}

// StaticCredential is a long-lived (or externally issued) key the fake
// accepts, as aws-actions/configure-aws-credentials would leave in the env.
type StaticCredential struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string    // "" = none required
	ARN             string    // "" = arn:aws:iam::<account>:user/<AccessKeyID>
	Expiration      time.Time // zero = never expires
}

// Options configures a Fake. The zero value works.
type Options struct {
	Account  string // 12-digit account of issued ARNs; "" = 123456789012
	Audience string // audience passed to VerifyIDToken; "" = sts.amazonaws.com
	// VerifyIDToken checks a web identity token (nil = any non-empty token,
	// subject "unknown"). An error wrapping ErrIDTokenExpired answers
	// ExpiredTokenException, any other error InvalidIdentityToken.
	VerifyIDToken func(token, audience string) (subject string, err error)
	// MintToken makes the SessionToken of issued credentials (nil = random).
	MintToken func(subject string, expiry time.Time) string
	// AllowRole decides whether principal (the web identity subject, or the
	// caller ARN for AssumeRole) may assume roleARN (nil = allow). A false
	// answer is AccessDenied.
	AllowRole func(roleARN, principal string) bool
	// CredentialLifetime of issued credentials; 0 = the request's
	// DurationSeconds, else 1 h. Set it to force short-lived credentials.
	CredentialLifetime time.Duration
	// PresignValidity is how long a presigned GetCallerIdentity is accepted
	// after its X-Amz-Date (0 = 15 min, as STS does, whatever X-Amz-Expires says).
	PresignValidity   time.Duration
	Clusters          []Cluster
	StaticCredentials []StaticCredential
	Now               func() time.Time // nil = time.Now
	TLSCert           *tls.Certificate // nil = httptest's certificate
}

// Fake is a running fake. URL is the base endpoint for STS and EKS.
type Fake struct {
	URL string

	srv      *tlsfake.Server
	o        Options
	mu       sync.Mutex
	creds    map[string]*credential // by access key id
	clusters map[string]Cluster
	calls    map[string]int
	inject   map[string]APIError
}

type credential struct {
	secret, sessionToken string
	arn, userID          string
	expires              time.Time // zero = never
}

// New starts a fake; Close stops it.
func New(o Options) (*Fake, error) {
	if o.Account == "" {
		o.Account = "123456789012"
	}
	if o.Audience == "" {
		o.Audience = "sts.amazonaws.com"
	}
	if o.PresignValidity == 0 {
		o.PresignValidity = 15 * time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	f := &Fake{
		o:        o,
		creds:    map[string]*credential{},
		clusters: map[string]Cluster{},
		calls:    map[string]int{},
		inject:   map[string]APIError{},
	}
	for _, c := range o.StaticCredentials {
		f.AddStaticCredential(c)
	}
	for _, c := range o.Clusters {
		f.AddCluster(c)
	}
	srv, err := tlsfake.Start(http.HandlerFunc(f.serve), o.TLSCert)
	if err != nil {
		return nil, err
	}
	f.srv, f.URL = srv, srv.URL()
	return f, nil
}

// Start is New for tests: it fails t on error and closes on t.Cleanup.
func Start(t testing.TB, o Options) *Fake { return tlsfake.ForTest(t, New, o) }

// Close stops the server.
func (f *Fake) Close() { f.srv.Close() }

// Client returns an HTTP client that trusts the fake's certificate.
func (f *Fake) Client() *http.Client { return f.srv.Client() }

// CertPEM is the server certificate in PEM.
func (f *Fake) CertPEM() []byte { return f.srv.CertPEM() }

// Calls returns how many requests reached op (including rejected ones).
func (f *Fake) Calls(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

// InjectError makes every later request to op fail with e until ClearError.
func (f *Fake) InjectError(op string, e APIError) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.inject[op] = e
}

// ClearError removes an injected error.
func (f *Fake) ClearError(op string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.inject, op)
}

// AddCluster adds or replaces a cluster.
func (f *Fake) AddCluster(c Cluster) {
	if c.Status == "" {
		c.Status = "ACTIVE"
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clusters[c.Name] = c
}

// AddStaticCredential registers a key the fake accepts.
func (f *Fake) AddStaticCredential(c StaticCredential) {
	arn := c.ARN
	if arn == "" {
		arn = "arn:aws:iam::" + f.o.Account + ":user/" + c.AccessKeyID
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.creds[c.AccessKeyID] = &credential{
		secret: c.SecretAccessKey, sessionToken: c.SessionToken,
		arn: arn, userID: "AIDA" + c.AccessKeyID, expires: c.Expiration,
	}
}

// begin counts a call and returns the injected error for op, if any.
func (f *Fake) begin(op string) (APIError, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[op]++
	e, ok := f.inject[op]
	return e, ok
}

func (f *Fake) lookup(akid string) (credential, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.creds[akid]
	if !ok {
		return credential{}, false
	}
	return *c, true
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Amzn-Requestid", randomHex(8))
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/":
		f.serveSTS(w, r)
	case r.Method == http.MethodGet && r.URL.Path == "/" && r.URL.Query().Get("Action") != "":
		f.servePresigned(w, r)
	case r.Method == http.MethodGet && len(r.URL.Path) > len("/clusters/") && r.URL.Path[:len("/clusters/")] == "/clusters/":
		f.serveDescribeCluster(w, r, r.URL.Path[len("/clusters/"):])
	default:
		http.Error(w, "eksfake: unknown route", http.StatusNotFound)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
