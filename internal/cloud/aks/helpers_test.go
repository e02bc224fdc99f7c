package aks_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/helmdeploy/helm-deploy-action/internal/cloud/aks"
	"github.com/helmdeploy/helm-deploy-action/internal/cloud/aks/aksfake"
)

const (
	testTenant = "11111111-2222-3333-4444-555555555555"
	testClient = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	testSub    = "repo:octo-org/octo-repo:environment:prod"
)

// ghIssuer stands in for the GitHub OIDC token endpoint: it signs short JWTs and
// verifies them for the fake Entra.
type ghIssuer struct {
	key     []byte
	sub     string
	age     time.Duration // how old a new token is at issue (to make expired ones)
	failErr error         // returned by IDToken instead of a token

	mu     sync.Mutex
	calls  int
	issued []string
}

func newIssuer(sub string) *ghIssuer {
	return &ghIssuer{key: []byte("test-hmac-key-0123456789"), sub: sub}
}

func (g *ghIssuer) IDToken(_ context.Context, audience string) (string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls++
	if g.failErr != nil {
		return "", g.failErr
	}
	iat := time.Now().Add(-g.age)
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"iss": "https://token.actions.githubusercontent.com", "sub": g.sub, "aud": audience,
		"iat": iat.Unix(), "nbf": iat.Add(-10 * time.Second).Unix(), "exp": iat.Add(5 * time.Minute).Unix(),
		"jti": fmt.Sprintf("jti-%d", g.calls),
	}).SignedString(g.key)
	g.issued = append(g.issued, tok)
	return tok, err
}

// Verify is the fake's VerifyIDToken.
func (g *ghIssuer) Verify(token, audience string) (string, error) {
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return g.key, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithAudience(audience), jwt.WithExpirationRequired())
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "", fmt.Errorf("%w: %v", aksfake.ErrIDTokenExpired, err)
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "", fmt.Errorf("%w: %v", aksfake.ErrIDTokenAudience, err)
	case err != nil:
		return "", err
	}
	sub, _ := claims.GetSubject()
	return sub, nil
}

func (g *ghIssuer) Calls() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls
}

func (g *ghIssuer) Issued() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.issued...)
}

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// fakeOptions wires a provider to the fake (authority, ARM, TLS) with an empty environment.
func fakeOptions(f *aksfake.Fake, g *ghIssuer) aks.Options {
	o := aks.Options{
		TenantID: testTenant, ClientID: testClient,
		AuthorityHost: f.AuthorityHost, ARMEndpoint: f.ARMEndpoint,
		HTTPClient: f.Client(), Getenv: envOf(nil),
		Subscription: "sub-1", ResourceGroup: "rg-1", Cluster: "aks-1",
	}
	if g != nil {
		o.IDToken = g.IDToken
	}
	return o
}

func mustNew(t *testing.T, o aks.Options) *aks.Provider {
	t.Helper()
	p, err := aks.New(context.Background(), o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

// assertNoSecrets fails if err's message holds any of the secrets.
func assertNoSecrets(t *testing.T, err error, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error message leaks a secret/token: %q", err.Error())
		}
	}
}

// fakeClock is a settable clock for the fake.
type fakeClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off += d
}
