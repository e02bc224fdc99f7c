package gke_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/cloud/gke"
	"github.com/helmdeploy/helm-deploy-action/internal/cloud/gke/gkefake"
)

const principal = "principal://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/github/subject/" + testSubject

func TestKeylessToken(t *testing.T) {
	const customAud = "https://github.com/octo"
	tests := []struct {
		name         string
		sa, audience string
		fakeAudience string
		wantAudience string
		wantSubject  string
		wantSTSScope string
		wantIAMCalls int
	}{
		{name: "federated token", wantAudience: "https://iam.googleapis.com/" + gkefake.DefaultProvider,
			wantSubject: principal, wantSTSScope: gke.ScopeCloudPlatform + " " + gke.ScopeUserinfoEmail},
		{name: "custom audience", audience: customAud, fakeAudience: customAud, wantAudience: customAud,
			wantSubject: principal, wantSTSScope: gke.ScopeCloudPlatform + " " + gke.ScopeUserinfoEmail},
		{name: "impersonation", sa: testSA, wantAudience: "https://iam.googleapis.com/" + gkefake.DefaultProvider,
			wantSubject: testSA, wantSTSScope: gke.ScopeCloudPlatform, wantIAMCalls: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := startFake(t, gkefake.Options{OIDCAudience: tc.fakeAudience})
			gen := &idTokens{}
			p, err := gke.New(context.Background(), gke.Options{
				WorkloadIdentityProvider: gkefake.DefaultProvider, ServiceAccount: tc.sa, Audience: tc.audience,
				STSURL: f.STSURL, IAMCredentialsURL: f.IAMURL, IDToken: gen.fn, HTTPClient: f.Client(),
			})
			if err != nil {
				t.Fatal(err)
			}
			var toks []string
			for range 2 {
				tok, _, err := p.Token(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				toks = append(toks, tok)
				if sub, ok := f.Lookup(tok); !ok || sub != tc.wantSubject {
					t.Errorf("token belongs to %q (known %v), want %q", sub, ok, tc.wantSubject)
				}
			}
			if toks[0] == toks[1] {
				t.Error("the second Token call returned the same token")
			}
			if got := gen.calls(); len(got) != 2 || got[0] != tc.wantAudience || got[1] != tc.wantAudience {
				t.Errorf("IDToken calls %q, want two fresh ones for %q", got, tc.wantAudience)
			}
			if f.Calls(gkefake.STS) != 2 || f.Calls(gkefake.IAM) != tc.wantIAMCalls {
				t.Errorf("STS calls %d, IAM calls %d; want 2 and %d", f.Calls(gkefake.STS), f.Calls(gkefake.IAM), tc.wantIAMCalls)
			}
			for _, r := range f.STSRequests() {
				if r.Scope != tc.wantSTSScope || r.Audience != "//iam.googleapis.com/"+gkefake.DefaultProvider {
					t.Errorf("STS request %+v, want scope %q", r, tc.wantSTSScope)
				}
			}
		})
	}
}

// TestExternalAccountFile loads the file google-github-actions/auth writes:
// its credential_source.url is fetched afresh for every token.
func TestExternalAccountFile(t *testing.T) {
	tests := []struct {
		name, sa    string
		wantSubject string
		wantIAM     int
	}{
		{name: "direct federation", wantSubject: principal},
		{name: "service account impersonation", sa: testSA, wantSubject: testSA, wantIAM: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := startFake(t, gkefake.Options{})
			gen := &idTokens{}
			oidc := startOIDCServer(t, gen)
			aud := "https://iam.googleapis.com/" + gkefake.DefaultProvider
			path, err := f.WriteExternalAccountFile(t.TempDir(), gkefake.ExternalAccount{
				CredentialSourceURL: oidc.URL + "/token?api-version=2.0&audience=" + aud,
				Headers:             map[string]string{"Authorization": "Bearer " + runtimeTok},
				ServiceAccount:      tc.sa,
			})
			if err != nil {
				t.Fatal(err)
			}
			p, err := gke.New(context.Background(), gke.Options{
				Getenv:     env(map[string]string{"GOOGLE_APPLICATION_CREDENTIALS": path}),
				HTTPClient: clientFor(t, f.CertPEM(), oidc.certPEM()),
			})
			if err != nil {
				t.Fatal(err)
			}
			for i := range 2 {
				tok, _, err := p.Token(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if sub, ok := f.Lookup(tok); !ok || sub != tc.wantSubject {
					t.Errorf("token %d belongs to %q (known %v), want %q", i, sub, ok, tc.wantSubject)
				}
			}
			if got := gen.calls(); len(got) != 2 || got[0] != aud {
				t.Errorf("credential_source fetched for %q, want twice for %q", got, aud)
			}
			if f.Calls(gkefake.STS) != 2 || f.Calls(gkefake.IAM) != tc.wantIAM {
				t.Errorf("STS %d IAM %d calls, want 2 and %d", f.Calls(gkefake.STS), f.Calls(gkefake.IAM), tc.wantIAM)
			}
		})
	}
}

// TestKeyFiles: service_account and authorized_user files are accepted.
func TestKeyFiles(t *testing.T) {
	const user = "dev@example.com"
	tests := []struct {
		name         string
		write        func(f *gkefake.Fake, dir string) (string, error)
		wantSubject  string
		wantIdentity string
	}{
		{"service_account", func(f *gkefake.Fake, dir string) (string, error) { return f.WriteServiceAccountFile(dir, testSA) },
			testSA, testSA},
		{"authorized_user", func(f *gkefake.Fake, dir string) (string, error) { return f.WriteAuthorizedUserFile(dir, user) },
			user, "authorized user of OAuth client fake-client.apps.googleusercontent.com"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := startFake(t, gkefake.Options{TokenLifetime: 30 * time.Second})
			path, err := tc.write(f, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			p, err := gke.New(context.Background(), gke.Options{CredentialsFile: path, HTTPClient: f.Client(), Now: fixedClock})
			if err != nil {
				t.Fatal(err)
			}
			tok, exp, err := p.Token(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if sub, ok := f.Lookup(tok); !ok || sub != tc.wantSubject {
				t.Errorf("token belongs to %q (known %v), want %q", sub, ok, tc.wantSubject)
			}
			if !exp.Equal(t0.Add(30 * time.Second)) {
				t.Errorf("expiry %v, want %v", exp, t0.Add(30*time.Second))
			}
			if p.Identity() != tc.wantIdentity {
				t.Errorf("Identity() = %q, want %q", p.Identity(), tc.wantIdentity)
			}
			if tok2, _, err := p.Token(context.Background()); err != nil || tok2 == tok || f.Calls(gkefake.OAuth) != 2 {
				t.Errorf("second Token: err %v, same token %v, OAuth calls %d (want a fresh mint)", err, tok2 == tok, f.Calls(gkefake.OAuth))
			}
		})
	}
}

// TestTokenExpiry: the expiry is Now() + the lifetime Google reported.
func TestTokenExpiry(t *testing.T) {
	tests := []struct {
		name     string
		lifetime time.Duration
		sa       string
		want     time.Time
	}{
		{"sts expires_in 20s", 20 * time.Second, "", t0.Add(20 * time.Second)},
		{"sts default 1h", 0, "", t0.Add(time.Hour)},
		{"impersonated expireTime 20s", 20 * time.Second, testSA, t0.Add(20 * time.Second)},
		{"impersonated default lifetime", 0, testSA, t0.Add(time.Hour)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := startFake(t, gkefake.Options{TokenLifetime: tc.lifetime})
			gen := &idTokens{}
			p, err := gke.New(context.Background(), gke.Options{
				WorkloadIdentityProvider: gkefake.DefaultProvider, ServiceAccount: tc.sa, STSURL: f.STSURL,
				IAMCredentialsURL: f.IAMURL, IDToken: gen.fn, HTTPClient: f.Client(), Now: fixedClock,
			})
			if err != nil {
				t.Fatal(err)
			}
			_, exp, err := p.Token(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !exp.Equal(tc.want) {
				t.Errorf("expiry %v, want %v", exp, tc.want)
			}
		})
	}
}

func TestIdentity(t *testing.T) {
	f := startFake(t, gkefake.Options{})
	dir := t.TempDir()
	extSA := must(f.WriteExternalAccountFile(dir, gkefake.ExternalAccount{CredentialSourceURL: "https://127.0.0.1/x", ServiceAccount: testSA}))(t)
	ext := must(f.WriteExternalAccountFile(dir, gkefake.ExternalAccount{CredentialSourceURL: "https://127.0.0.1/x"}))(t)
	key := must(f.WriteServiceAccountFile(dir, "ci@other.iam.gserviceaccount.com"))(t)
	gen := &idTokens{}
	tests := []struct {
		name string
		o    gke.Options
		want string
	}{
		{"keyless", gke.Options{WorkloadIdentityProvider: gkefake.DefaultProvider, IDToken: gen.fn}, "principal of " + gkefake.DefaultProvider},
		{"keyless impersonation", gke.Options{WorkloadIdentityProvider: gkefake.DefaultProvider, ServiceAccount: testSA, IDToken: gen.fn}, testSA},
		{"external_account with impersonation", gke.Options{CredentialsFile: extSA}, testSA},
		{"external_account", gke.Options{CredentialsFile: ext}, "principal of " + gkefake.DefaultProvider},
		{"service_account key", gke.Options{CredentialsFile: key}, "ci@other.iam.gserviceaccount.com"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := gke.New(context.Background(), tc.o)
			if err != nil {
				t.Fatal(err)
			}
			if got := p.Identity(); got != tc.want || strings.Contains(got, "Bearer") {
				t.Errorf("Identity() = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestExternalAccountSourceFails: the credential_source URL refuses (as the
// GitHub endpoint does once the job ended or without id-token: write).
func TestExternalAccountSourceFails(t *testing.T) {
	f := startFake(t, gkefake.Options{})
	oidc := startOIDCServer(t, &idTokens{})
	path, err := f.WriteExternalAccountFile(t.TempDir(), gkefake.ExternalAccount{
		CredentialSourceURL: oidc.URL + "/token?audience=x",
		Headers:             map[string]string{"Authorization": "Bearer wrong-" + runtimeTok},
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := gke.New(context.Background(), gke.Options{CredentialsFile: path, HTTPClient: clientFor(t, f.CertPEM(), oidc.certPEM())})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = p.Token(context.Background())
	if err == nil || !strings.Contains(err.Error(), "credential_source") || !strings.Contains(err.Error(), "id-token: write") {
		t.Fatalf("error %v, want one naming the credential_source and id-token: write", err)
	}
	noSecrets(t, err.Error(), runtimeTok)
	if f.Calls(gkefake.STS) != 0 {
		t.Error("STS was called without a subject token")
	}
}

func must(path string, err error) func(*testing.T) string {
	return func(t *testing.T) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return path
	}
}
