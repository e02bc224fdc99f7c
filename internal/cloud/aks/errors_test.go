package aks_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/cloud/aks"
	"github.com/helmdeploy/helm-deploy-action/internal/cloud/aks/aksfake"
)

var errNoOIDC = errors.New("ACTIONS_ID_TOKEN_REQUEST_URL is not set")

func TestTokenErrors(t *testing.T) {
	cases := []struct {
		name      string
		fake      aksfake.Options
		inject    *aksfake.EntraError
		issuerSub string
		age       time.Duration
		idErr     error
		edit      func(*aks.Options)
		want      error
		wantMsg   []string
	}{
		{name: "subject without federated credential", issuerSub: "repo:octo-org/octo-repo:ref:refs/heads/main",
			want: aks.ErrFederationMismatch, wantMsg: []string{"AADSTS700213", "repo:octo-org/octo-repo:ref:refs/heads/main",
				"add a federated credential", "repo:ORG/REPO:environment:NAME", testClient}},
		{name: "injected no match", inject: aksfake.NoFederatedMatch(testSub),
			want: aks.ErrFederationMismatch, wantMsg: []string{"AADSTS700213", "sub` claim"}},
		{name: "expired assertion", age: 10 * time.Minute,
			want: aks.ErrAssertionExpired, wantMsg: []string{"AADSTS700024", "5-minute", "clock"}},
		{name: "wrong audience", edit: func(o *aks.Options) { o.Audience = "api://something-else" },
			want: aks.ErrFederationMismatch, wantMsg: []string{"AADSTS700212", "api://something-else"}},
		{name: "unknown client", edit: func(o *aks.Options) { o.ClientID = "99999999-0000-0000-0000-000000000000" },
			want: aks.ErrUnknownClient, wantMsg: []string{"AADSTS700016", "client-id input", "99999999-0000-0000-0000-000000000000"}},
		{name: "unknown tenant", edit: func(o *aks.Options) { o.TenantID = "contoso-typo" },
			want: aks.ErrUnknownTenant, wantMsg: []string{"AADSTS90002", "tenant-id input"}},
		{name: "wrong client secret",
			edit: func(o *aks.Options) {
				o.IDToken = nil
				o.Getenv = envOf(map[string]string{"AZURE_CLIENT_SECRET": "wrong-secret"})
			},
			want: aks.ErrInvalidClientSecret, wantMsg: []string{"AADSTS7000215", "AZURE_CLIENT_SECRET"}},
		{name: "id token request fails", idErr: errNoOIDC,
			want: errNoOIDC, wantMsg: []string{"GitHub OIDC token", "api://AzureADTokenExchange"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sub := testSub
			if tc.issuerSub != "" {
				sub = tc.issuerSub
			}
			g := newIssuer(sub)
			g.age, g.failErr = tc.age, tc.idErr
			fo := aksfake.Options{Tenant: testTenant, VerifyIDToken: g.Verify,
				Clients: map[string]aksfake.App{testClient: {Subjects: []string{testSub}, Secret: "right-secret"}}}
			f := aksfake.Start(t, fo)
			f.SetTokenError(tc.inject)
			o := fakeOptions(f, g)
			if tc.edit != nil {
				tc.edit(&o)
			}
			tok, _, err := mustNew(t, o).Token(context.Background())
			if err == nil {
				t.Fatalf("Token succeeded (%d chars), want %v", len(tok), tc.want)
			}
			t.Log(err)
			if !errors.Is(err, tc.want) {
				t.Errorf("error %v does not wrap %v", err, tc.want)
			}
			for _, m := range tc.wantMsg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q lacks %q", err, m)
				}
			}
			assertNoSecrets(t, err, append(g.Issued(), "wrong-secret", "right-secret")...)
			if tc.idErr != nil && f.Calls(aksfake.EndpointToken) != 0 {
				t.Errorf("token endpoint called %d times without an assertion", f.Calls(aksfake.EndpointToken))
			}
			var ee *aks.EntraError
			if tc.idErr == nil && (!errors.As(err, &ee) || !errors.Is(err, aks.ErrEntraRejected) || len(ee.Codes) == 0) {
				t.Errorf("error %v is not an *EntraError with AADSTS codes", err)
			}
		})
	}
}

// writeClientCert writes a self-signed certificate and its key as one PEM file.
func writeClientCert(t *testing.T) (string, *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "aks-test-client"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	data := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk})...)
	path := filepath.Join(t.TempDir(), "client.pem")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, cert
}
