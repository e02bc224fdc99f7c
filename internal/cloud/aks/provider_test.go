package aks_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/cloud/aks"
	"github.com/helmdeploy/helm-deploy-action/internal/cloud/aks/aksfake"
)

func TestNewChoosesMode(t *testing.T) {
	g := newIssuer(testSub)
	cases := []struct {
		name     string
		opts     aks.Options
		wantMode aks.Mode
		wantErr  error
		wantMsg  []string
		identity string
	}{
		{name: "federated from inputs", opts: aks.Options{ClientID: "c1", TenantID: "t1", IDToken: g.IDToken},
			wantMode: aks.ModeFederated, identity: "client c1 in tenant t1 (federated)"},
		{name: "federated from env", opts: aks.Options{IDToken: g.IDToken,
			Getenv: envOf(map[string]string{"AZURE_CLIENT_ID": "c2", "AZURE_TENANT_ID": "t2"})},
			wantMode: aks.ModeFederated, identity: "client c2 in tenant t2 (federated)"},
		{name: "secret wins over id token", opts: aks.Options{ClientID: "c1", TenantID: "t1", IDToken: g.IDToken,
			Getenv: envOf(map[string]string{"AZURE_CLIENT_SECRET": "s"})},
			wantMode: aks.ModeSecret, identity: "client c1 in tenant t1 (client secret)"},
		{name: "no id-token permission", opts: aks.Options{ClientID: "c1", TenantID: "t1"},
			wantErr: aks.ErrNoIDToken, wantMsg: []string{"permissions: id-token: write", "ACTIONS_ID_TOKEN_REQUEST_URL"}},
		{name: "nothing configured", opts: aks.Options{IDToken: g.IDToken},
			wantErr: aks.ErrNoCredentials, wantMsg: []string{"client-id and tenant-id inputs", "AZURE_CLIENT_ID and AZURE_TENANT_ID", "id-token: write", "azure/login"}},
		{name: "tenant missing", opts: aks.Options{ClientID: "c1"},
			wantErr: aks.ErrNoCredentials, wantMsg: []string{"tenant-id input", "azure/login"}},
		{name: "secret without tenant", opts: aks.Options{ClientID: "c1",
			Getenv: envOf(map[string]string{"AZURE_CLIENT_SECRET": "topsecret"})},
			wantErr: aks.ErrNoCredentials, wantMsg: []string{"AZURE_CLIENT_SECRET is set", "AZURE_TENANT_ID"}},
		{name: "certificate file missing", opts: aks.Options{ClientID: "c1", TenantID: "t1",
			Getenv: envOf(map[string]string{"AZURE_CLIENT_CERTIFICATE_PATH": "/nonexistent/cert.pem"})},
			wantMsg: []string{"AZURE_CLIENT_CERTIFICATE_PATH"}},
		{name: "http authority refused", opts: aks.Options{ClientID: "c1", TenantID: "t1", IDToken: g.IDToken,
			AuthorityHost: "http://127.0.0.1:1/"}, wantMsg: []string{"must be an https URL"}},
		{name: "AZURE_AUTHORITY_HOST read through Getenv", opts: aks.Options{ClientID: "c1", TenantID: "t1", IDToken: g.IDToken,
			Getenv: envOf(map[string]string{"AZURE_AUTHORITY_HOST": "http://login.example/"})}, wantMsg: []string{"http://login.example/"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.opts.Getenv == nil {
				tc.opts.Getenv = envOf(nil)
			}
			p, err := aks.New(context.Background(), tc.opts)
			if tc.wantErr != nil || tc.wantMsg != nil {
				if err == nil {
					t.Fatalf("New succeeded, want error %v", tc.wantErr)
				}
				t.Log(err)
				if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
					t.Errorf("error %v does not wrap %v", err, tc.wantErr)
				}
				for _, m := range tc.wantMsg {
					if !strings.Contains(err.Error(), m) {
						t.Errorf("error %q lacks %q", err, m)
					}
				}
				assertNoSecrets(t, err, "topsecret")
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if p.Mode() != tc.wantMode || p.Identity() != tc.identity {
				t.Errorf("mode %q identity %q, want %q %q", p.Mode(), p.Identity(), tc.wantMode, tc.identity)
			}
		})
	}
}

// A 20 s token is below azidentity's 5-minute cache margin, so every Token call is a
// new exchange that must fetch a NEW GitHub assertion; expiry is the real one.
func TestTokenFederatedFreshAssertionAcrossExpiry(t *testing.T) {
	g := newIssuer(testSub)
	clock := &fakeClock{}
	f := aksfake.Start(t, aksfake.Options{Tenant: testTenant, TokenLifetime: 20 * time.Second, Now: clock.Now,
		VerifyIDToken: g.Verify, Clients: map[string]aksfake.App{testClient: {Subjects: []string{testSub}}}})
	p := mustNew(t, fakeOptions(f, g))
	ctx := context.Background()

	before := time.Now()
	tok1, exp1, err := p.Token(ctx)
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	if lo, hi := before.Add(19*time.Second), time.Now().Add(21*time.Second); exp1.Before(lo) || exp1.After(hi) {
		t.Errorf("expiry %v not about 20 s from now (%v..%v)", exp1, lo, hi)
	}
	if sub, ok := f.Lookup(tok1); !ok || sub != testClient {
		t.Fatalf("fake Lookup(tok1) = %q, %v; want %q", sub, ok, testClient)
	}
	if ti, _ := f.LookupToken(tok1); ti.Resource != aks.DefaultServerID || ti.Method != "federated" || ti.FederatedSubject != testSub {
		t.Errorf("token info %+v: want AKS server scope, federated, sub %s", ti, testSub)
	}

	clock.Advance(30 * time.Second) // the fake now considers tok1 expired
	if _, ok := f.Lookup(tok1); ok {
		t.Fatal("tok1 should be expired for the fake after 30 s")
	}
	tok2, exp2, err := p.Token(ctx)
	if err != nil {
		t.Fatalf("second Token: %v", err)
	}
	if tok2 == tok1 {
		t.Error("second Token returned the expired token")
	}
	if _, ok := f.Lookup(tok2); !ok {
		t.Error("second token is not valid for the fake")
	}
	if !exp2.After(exp1) && !exp2.Equal(exp1) {
		t.Errorf("second expiry %v before first %v", exp2, exp1)
	}
	if g.Calls() != 2 {
		t.Errorf("IDToken called %d times, want 2 (one fresh assertion per exchange)", g.Calls())
	}
	if iss := g.Issued(); len(iss) != 2 || iss[0] == iss[1] {
		t.Errorf("assertions not fresh: %d issued", len(iss))
	}
	if f.Calls(aksfake.EndpointToken) != 2 || f.Calls(aksfake.EndpointDiscovery) != 1 || f.Calls(aksfake.EndpointOther) != 0 {
		t.Errorf("calls token=%d discovery=%d other=%d, want 2 1 0", f.Calls(aksfake.EndpointToken),
			f.Calls(aksfake.EndpointDiscovery), f.Calls(aksfake.EndpointOther))
	}
}

// A long-lived token may come from azidentity's cache, with its real expiry.
func TestTokenLongLivedFromCache(t *testing.T) {
	g := newIssuer(testSub)
	f := aksfake.Start(t, aksfake.Options{TokenLifetime: time.Hour, VerifyIDToken: g.Verify})
	p := mustNew(t, fakeOptions(f, g))
	tok1, exp1, err := p.Token(context.Background())
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	tok2, exp2, err := p.Token(context.Background())
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	ti, _ := f.LookupToken(tok1)
	if tok1 != tok2 || !exp1.Equal(exp2) || exp1.Sub(ti.Expiry).Abs() > 2*time.Second {
		t.Errorf("cached token/expiry mismatch: same=%v exp1=%v exp2=%v fake=%v", tok1 == tok2, exp1, exp2, ti.Expiry)
	}
	if g.Calls() != 1 || f.Calls(aksfake.EndpointToken) != 1 {
		t.Errorf("IDToken %d, token endpoint %d; want 1, 1", g.Calls(), f.Calls(aksfake.EndpointToken))
	}
}

func TestTokenExpiredByClockIsRefused(t *testing.T) {
	g := newIssuer(testSub)
	f := aksfake.Start(t, aksfake.Options{TokenLifetime: 10 * time.Minute, VerifyIDToken: g.Verify})
	o := fakeOptions(f, g)
	o.Now = func() time.Time { return time.Now().Add(time.Hour) }
	_, _, err := mustNew(t, o).Token(context.Background())
	if !errors.Is(err, aks.ErrTokenExpired) {
		t.Fatalf("err = %v, want ErrTokenExpired", err)
	}
}

func TestTokenSecretAndCertificate(t *testing.T) {
	certPath, cert := writeClientCert(t)
	cases := []struct {
		name, method string
		env          map[string]string
		mode         aks.Mode
		hostFromEnv  bool // AuthorityHost empty: AZURE_AUTHORITY_HOST (through Getenv) points at the fake
	}{
		{"secret", "secret", map[string]string{"AZURE_CLIENT_SECRET": "s3cret-value"}, aks.ModeSecret, false},
		{"certificate", "certificate", map[string]string{"AZURE_CLIENT_CERTIFICATE_PATH": certPath}, aks.ModeCertificate, false},
		{"secret, AZURE_AUTHORITY_HOST", "secret", map[string]string{"AZURE_CLIENT_SECRET": "s3cret-value"}, aks.ModeSecret, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := aksfake.Start(t, aksfake.Options{Tenant: testTenant,
				Clients: map[string]aksfake.App{testClient: {Secret: "s3cret-value", Certificate: cert}}})
			o := fakeOptions(f, nil)
			o.ClientID, o.TenantID = "", ""
			tc.env["AZURE_CLIENT_ID"], tc.env["AZURE_TENANT_ID"] = testClient, testTenant
			if tc.hostFromEnv {
				o.AuthorityHost, tc.env["AZURE_AUTHORITY_HOST"] = "", f.AuthorityHost
			}
			o.Getenv = envOf(tc.env)
			p := mustNew(t, o)
			tok, exp, err := p.Token(context.Background())
			if err != nil {
				t.Fatalf("Token: %v", err)
			}
			ti, ok := f.LookupToken(tok)
			if !ok || ti.Method != tc.method || ti.ClientID != testClient || !exp.After(time.Now()) {
				t.Errorf("token info %+v ok=%v exp=%v; want method %s", ti, ok, exp, tc.method)
			}
			if want := "client " + testClient + " in tenant " + testTenant + " (" + string(tc.mode) + ")"; p.Identity() != want {
				t.Errorf("Identity = %q, want %q", p.Identity(), want)
			}
		})
	}
}

func TestTokenConcurrent(t *testing.T) {
	g := newIssuer(testSub)
	f := aksfake.Start(t, aksfake.Options{TokenLifetime: 30 * time.Second, VerifyIDToken: g.Verify})
	p := mustNew(t, fakeOptions(f, g))
	const n = 8
	errs := make(chan error, n)
	for range n {
		go func() {
			tok, _, err := p.Token(context.Background())
			if err == nil {
				if _, ok := f.Lookup(tok); !ok {
					err = errors.New("token unknown to the fake")
				}
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if g.Calls() != f.Calls(aksfake.EndpointToken) {
		t.Errorf("IDToken calls %d != token requests %d", g.Calls(), f.Calls(aksfake.EndpointToken))
	}
}
