package gke_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/helmdeploy/helm-deploy-action/internal/cloud/gke/gkefake"
)

const (
	testSubject = "repo:octo/app:ref:refs/heads/main"
	testSA      = "deployer@my-project.iam.gserviceaccount.com"
	runtimeTok  = "runtime-request-token"
)

var (
	jwtKey = []byte("test-github-oidc-key")
	t0     = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
)

func fixedClock() time.Time { return t0 }

// idTokens is a fake GitHub OIDC issuer: it signs a new JWT per call.
type idTokens struct {
	mu        sync.Mutex
	audiences []string
	issued    []string
	expired   bool
	err       error
}

func (g *idTokens) fn(_ context.Context, audience string) (string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err != nil {
		return "", g.err
	}
	g.audiences = append(g.audiences, audience)
	return g.sign(audience, len(g.audiences)), nil
}

// sign must be called with g.mu held.
func (g *idTokens) sign(audience string, n int) string {
	exp := time.Now().Add(5 * time.Minute)
	if g.expired {
		exp = time.Now().Add(-time.Minute)
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{
		Issuer: "https://token.actions.githubusercontent.com", Subject: testSubject,
		Audience: jwt.ClaimStrings{audience}, ExpiresAt: jwt.NewNumericDate(exp), ID: fmt.Sprint(n),
	}).SignedString(jwtKey)
	if err != nil {
		panic(err)
	}
	g.issued = append(g.issued, tok)
	return tok
}

func (g *idTokens) calls() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.audiences...)
}

func (g *idTokens) tokens() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.issued...)
}

// verify is the fake STS's check of a GitHub OIDC token.
func verify(token, audience string) (string, error) {
	var c jwt.RegisteredClaims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return jwtKey, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithAudience(audience), jwt.WithExpirationRequired())
	if err != nil {
		return "", err
	}
	return c.Subject, nil
}

func startFake(t *testing.T, o gkefake.Options) *gkefake.Fake {
	t.Helper()
	if o.VerifyIDToken == nil {
		o.VerifyIDToken = verify
	}
	if o.ServiceAccounts == nil {
		o.ServiceAccounts = map[string][]string{testSA: {testSubject}}
	}
	return gkefake.Start(t, o)
}

// oidcServer stands in for ACTIONS_ID_TOKEN_REQUEST_URL: it checks the
// bearer and the audience parameter and answers {"value": <jwt>}.
type oidcServer struct {
	*httptest.Server
	gen *idTokens
}

func startOIDCServer(t *testing.T, gen *idTokens) *oidcServer {
	t.Helper()
	s := &oidcServer{gen: gen}
	s.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+runtimeTok {
			http.Error(w, `{"message":"bad token"}`, http.StatusUnauthorized)
			return
		}
		tok, err := gen.fn(r.Context(), r.URL.Query().Get("audience"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"value": tok})
	}))
	t.Cleanup(s.Close)
	return s
}

// clientFor trusts the given PEM certificates only.
func clientFor(t *testing.T, pems ...[]byte) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	for _, p := range pems {
		if !pool.AppendCertsFromPEM(p) {
			t.Fatal("bad PEM")
		}
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func (s *oidcServer) certPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
}

// noSecrets fails when msg holds any of the secrets.
func noSecrets(t *testing.T, msg string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(msg, s) {
			t.Errorf("error message leaks a secret: %s", msg)
		}
	}
}

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}
