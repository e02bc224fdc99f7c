package gke_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/helmdeploy/helm-deploy-action/internal/cloud/gke"
	"github.com/helmdeploy/helm-deploy-action/internal/cloud/gke/gkefake"
)

// TestTokenErrors: every failure wraps a sentinel and says what to do, and
// never carries the GitHub token or an access token.
func TestTokenErrors(t *testing.T) {
	const otherProvider = "projects/123456789012/locations/global/workloadIdentityPools/github/providers/other"
	tests := []struct {
		name       string
		wip, sa    string
		audience   string
		expired    bool
		idErr      error
		noIDToken  bool
		fault      gkefake.Endpoint
		faultKind  gkefake.Fault
		wantNewErr bool
		want       error
		wantText   []string
	}{
		{name: "no id-token permission", noIDToken: true, wantNewErr: true, want: gke.ErrNoIDToken,
			wantText: []string{"id-token: write", "ACTIONS_ID_TOKEN_REQUEST_URL"}},
		{name: "id token request fails under impersonation", sa: testSA, idErr: fmt.Errorf("request: %w", gke.ErrNoIDToken),
			want: gke.ErrNoIDToken, wantText: []string{"GitHub OIDC token"}},
		{name: "wrong provider", wip: otherProvider, want: gke.ErrExchangeRejected,
			wantText: []string{"workload-identity-provider", otherProvider, "invalid_target"}},
		{name: "expired subject token", expired: true, want: gke.ErrExchangeRejected,
			wantText: []string{"expired", "invalid_grant"}},
		{name: "audience not allowed", audience: "https://example.com/wrong", want: gke.ErrExchangeRejected,
			wantText: []string{"https://example.com/wrong", "allowed audiences"}},
		{name: "attribute condition", fault: gkefake.STS, faultKind: gkefake.AccessDenied, want: gke.ErrExchangeRejected,
			wantText: []string{"attribute condition"}},
		{name: "impersonation denied", sa: "other@my-project.iam.gserviceaccount.com", want: gke.ErrExchangeRejected,
			wantText: []string{"roles/iam.workloadIdentityUser", "other@my-project.iam.gserviceaccount.com"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := startFake(t, gkefake.Options{})
			if tc.fault != "" {
				f.SetFault(tc.fault, tc.faultKind)
			}
			gen := &idTokens{expired: tc.expired, err: tc.idErr}
			o := gke.Options{WorkloadIdentityProvider: tc.wip, ServiceAccount: tc.sa, Audience: tc.audience,
				STSURL: f.STSURL, IAMCredentialsURL: f.IAMURL, IDToken: gen.fn, HTTPClient: f.Client()}
			if o.WorkloadIdentityProvider == "" {
				o.WorkloadIdentityProvider = gkefake.DefaultProvider
			}
			if tc.noIDToken {
				o.IDToken = nil
			}
			p, err := gke.New(context.Background(), o)
			if !tc.wantNewErr {
				if err != nil {
					t.Fatal(err)
				}
				var tok string
				tok, _, err = p.Token(context.Background())
				if err == nil {
					t.Fatalf("Token succeeded (%v), want an error", tok != "")
				}
			}
			checkErr(t, err, tc.want, tc.wantText...)
			noSecrets(t, err.Error(), gen.tokens()...)
		})
	}
}

// TestNewErrors: configuration mistakes found before any network call.
func TestNewErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	impersonated := write("imp.json", `{"type":"impersonated_service_account","service_account_impersonation_url":"https://x"}`)
	notype := write("notype.json", `{"client_email":"a@b.c"}`)
	executable := write("exe.json", `{"type":"external_account","audience":"//iam.googleapis.com/`+gkefake.DefaultProvider+
		`","credential_source":{"executable":{"command":"/bin/true"}}}`)
	plainHTTP := write("http.json", `{"type":"external_account","audience":"//iam.googleapis.com/`+gkefake.DefaultProvider+
		`","token_url":"http://sts.example.com/v1/token","credential_source":{"url":"https://x"}}`)
	saFile := write("sa.json", `{"type":"service_account","client_email":"a@b.iam.gserviceaccount.com"}`)
	missing := filepath.Join(dir, "gha-creds-0123456789abcdef.json")
	gen := &idTokens{}
	tests := []struct {
		name     string
		o        gke.Options
		want     error
		wantText []string
	}{
		{"no provider and no file", gke.Options{Getenv: env(nil)}, gke.ErrNoCredentials,
			[]string{"workload-identity-provider", "google-github-actions/auth", "GOOGLE_APPLICATION_CREDENTIALS"}},
		{"missing file from env", gke.Options{Getenv: env(map[string]string{"GOOGLE_APPLICATION_CREDENTIALS": missing})},
			gke.ErrCredentialsFileMissing, []string{missing, "actions/checkout ran after google-github-actions/auth", "/github/workspace"}},
		{"missing file from input", gke.Options{CredentialsFile: missing}, gke.ErrCredentialsFileMissing, []string{"credentials-file input"}},
		{"unknown credential type", gke.Options{CredentialsFile: impersonated}, gke.ErrUnsupportedCredentialType,
			[]string{`"impersonated_service_account"`, "external_account", "service_account", "authorized_user"}},
		{"no type field", gke.Options{CredentialsFile: notype}, gke.ErrUnsupportedCredentialType, []string{"no type field"}},
		{"executable source", gke.Options{CredentialsFile: executable}, gke.ErrUnsupportedCredentialType, []string{"executable"}},
		{"plain http token_url", gke.Options{CredentialsFile: plainHTTP}, gke.ErrUnsupportedCredentialType, []string{"token_url", "https"}},
		{"service account with a file", gke.Options{CredentialsFile: saFile, ServiceAccount: testSA}, gke.ErrInvalidOptions,
			[]string{"service-account", "workload-identity-provider"}},
		{"bad service account", gke.Options{WorkloadIdentityProvider: gkefake.DefaultProvider, ServiceAccount: "deployer", IDToken: gen.fn},
			gke.ErrInvalidOptions, []string{"not an email"}},
		{"bad provider", gke.Options{WorkloadIdentityProvider: "projects/my-proj/locations/global/workloadIdentityPools/p/providers/q", IDToken: gen.fn},
			gke.ErrInvalidOptions, []string{"project NUMBER"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := gke.New(context.Background(), tc.o)
			checkErr(t, err, tc.want, tc.wantText...)
		})
	}
}

func TestValidateWorkloadIdentityProvider(t *testing.T) {
	tests := []struct {
		in       string
		wantText string // "" = valid
	}{
		{gkefake.DefaultProvider, ""},
		{"projects/42/locations/global/workloadIdentityPools/gh-pool/providers/gh-prov-1", ""},
		{"//iam.googleapis.com/" + gkefake.DefaultProvider, "must not start with"},
		{"https://iam.googleapis.com/" + gkefake.DefaultProvider, "must not start with"},
		{"projects/42/locations/global/workloadIdentityPools/gh-pool", "names a pool"},
		{"projects/my-project/locations/global/workloadIdentityPools/p/providers/q", "project NUMBER"},
		{"projects/42/locations/us-east1/workloadIdentityPools/p/providers/q", "location global"},
		{"projects/42/locations/global/workloadIdentityPools/My_Pool/providers/q", "lowercase"},
		{"github", "not a provider resource name"},
		{"", "not a provider resource name"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			err := gke.ValidateWorkloadIdentityProvider(tc.in)
			if tc.wantText == "" {
				if err != nil {
					t.Fatalf("valid name rejected: %v", err)
				}
				return
			}
			checkErr(t, err, gke.ErrInvalidOptions, tc.wantText, "projects/<project number>/locations/global")
		})
	}
}

func checkErr(t *testing.T, err, want error, texts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v", want)
	}
	if !errors.Is(err, want) {
		t.Errorf("error %q does not wrap %q", err, want)
	}
	for _, s := range texts {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
}
