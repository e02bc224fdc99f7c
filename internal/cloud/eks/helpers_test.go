package eks

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/cloud/eks/eksfake"
)

const (
	testRegion  = "eu-west-1"
	testCluster = "prod"
	testRole    = "arn:aws:iam::111122223333:role/deploy"
	testAKID    = "AKIDENVIRONMENT"
	testSecret  = "env-secret-value"
	testUserARN = "arn:aws:iam::111122223333:user/ci"
	testSubject = "repo:octo/app:ref:refs/heads/main"
	testCAPEM   = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIBATAKBggqhkjOPQQDAjAA\n-----END CERTIFICATE-----\n"
)

// clock is a settable clock shared by the provider and the fake.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().UTC().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// idTokens is a fake GitHub OIDC source: each call returns a new token
// "<n>|<audience>|<subject>"; verify is the matching VerifyIDToken.
type idTokens struct {
	mu        sync.Mutex
	audiences []string
	issued    map[string]bool
	err       error
}

func (g *idTokens) get(_ context.Context, audience string) (string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err != nil {
		return "", g.err
	}
	g.audiences = append(g.audiences, audience)
	tok := fmt.Sprintf("%d|%s|%s", len(g.audiences), audience, testSubject)
	if g.issued == nil {
		g.issued = map[string]bool{}
	}
	g.issued[tok] = false
	return tok, nil
}

// verify accepts each issued token once, for the expected audience.
func (g *idTokens) verify(tok, audience string) (string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	used, ok := g.issued[tok]
	if !ok || used {
		return "", errors.New("unknown or reused token")
	}
	g.issued[tok] = true
	p := strings.SplitN(tok, "|", 3)
	if p[1] != audience {
		return "", errors.New("wrong audience")
	}
	return p[2], nil
}

func (g *idTokens) calls() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.audiences)
}

// setup is a fake, a clock, an ID token source and an environment.
type setup struct {
	f   *eksfake.Fake
	clk *clock
	ids *idTokens
	env map[string]string
}

func newSetup(t *testing.T, mod func(*eksfake.Options)) *setup {
	t.Helper()
	s := &setup{clk: newClock(), ids: &idTokens{}, env: map[string]string{}}
	o := eksfake.Options{
		Now:           s.clk.Now,
		VerifyIDToken: s.ids.verify,
		StaticCredentials: []eksfake.StaticCredential{
			{AccessKeyID: testAKID, SecretAccessKey: testSecret, ARN: testUserARN},
		},
		Clusters: []eksfake.Cluster{{Name: testCluster, Endpoint: "https://prod.example.eks.amazonaws.com", CAPEM: []byte(testCAPEM)}},
	}
	if mod != nil {
		mod(&o)
	}
	s.f = eksfake.Start(t, o)
	return s
}

// withEnvCreds puts static credentials in the environment, as
// aws-actions/configure-aws-credentials does.
func (s *setup) withEnvCreds() *setup {
	s.env["AWS_ACCESS_KEY_ID"], s.env["AWS_SECRET_ACCESS_KEY"] = testAKID, testSecret
	return s
}

func (s *setup) options(mod func(*Options)) Options {
	o := Options{
		Region: testRegion, Cluster: testCluster,
		STSEndpoint: s.f.URL, EKSEndpoint: s.f.URL, HTTPClient: s.f.Client(),
		IDToken: s.ids.get, Getenv: func(k string) string { return s.env[k] }, Now: s.clk.Now,
		MaxAttempts: 1,
	}
	if mod != nil {
		mod(&o)
	}
	return o
}

func (s *setup) provider(t *testing.T, mod func(*Options)) *Provider {
	t.Helper()
	p, err := New(context.Background(), s.options(mod))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

func withRole(o *Options) { o.RoleARN = testRole }

// decode returns the presigned URL inside an EKS token.
func decode(t *testing.T, tok string) *url.URL {
	t.Helper()
	enc, ok := strings.CutPrefix(tok, "k8s-aws-v1.")
	if !ok {
		t.Fatalf("token lacks the k8s-aws-v1. prefix")
	}
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		t.Fatalf("token is not base64url: %v", err)
	}
	u, err := url.Parse(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func mustToken(t *testing.T, p *Provider) (string, time.Time) {
	t.Helper()
	tok, exp, err := p.Token(context.Background())
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	return tok, exp
}
