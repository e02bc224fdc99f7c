package aks_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/helmdeploy/helm-deploy-action/internal/cloud/aks"
	"github.com/helmdeploy/helm-deploy-action/internal/cloud/aks/aksfake"
)

func TestEndpoint(t *testing.T) {
	caPEM := []byte("-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIBATAKBggqhkjOPQQDAjAAMB4XDTI0MDEwMTAwMDAwMFoX\n-----END CERTIFICATE-----\n")
	const server = "https://aks-1-dns-abc123.hcp.westeurope.azmk8s.io:443"
	cases := []struct {
		name       string
		cluster    aksfake.Cluster
		inject     *aksfake.ARMError
		edit       func(*aks.Options)
		want       error
		wantMsg    []string
		wantServer string
	}{
		{name: "success", cluster: aksfake.Cluster{Subscription: "sub-1", ResourceGroup: "rg-1", Name: "aks-1",
			Server: server, CAPEM: caPEM, Users: []string{testClient}}, wantServer: server},
		{name: "names are case-insensitive in ARM", cluster: aksfake.Cluster{Subscription: "sub-1", ResourceGroup: "RG-1",
			Name: "AKS-1", Server: server, CAPEM: caPEM}, wantServer: server},
		{name: "404 wrong cluster", cluster: aksfake.Cluster{Subscription: "sub-1", ResourceGroup: "rg-1", Name: "other"},
			want: aks.ErrClusterNotFound, wantMsg: []string{"ResourceNotFound", "resource-group", `"aks-1"`}},
		{name: "403 no cluster user role", cluster: aksfake.Cluster{Subscription: "sub-1", ResourceGroup: "rg-1", Name: "aks-1",
			Users: []string{"someone-else"}}, want: aks.ErrNoClusterAccess,
			wantMsg: []string{"Azure Kubernetes Service Cluster User Role", "AuthorizationFailed", testClient}},
		{name: "injected 500", cluster: aksfake.Cluster{Subscription: "sub-1", ResourceGroup: "rg-1", Name: "aks-1"},
			inject: &aksfake.ARMError{Status: 500, Code: "InternalServerError", Message: "boom"}, wantMsg: []string{"HTTP 500", "boom"}},
		{name: "cluster not named", edit: func(o *aks.Options) { o.Cluster = "" },
			want: aks.ErrMissingCluster, wantMsg: []string{"resource-group", "server input"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := newIssuer(testSub)
			f := aksfake.Start(t, aksfake.Options{Tenant: testTenant, VerifyIDToken: g.Verify, Clusters: []aksfake.Cluster{tc.cluster}})
			f.SetARMError(tc.inject)
			o := fakeOptions(f, g)
			if tc.edit != nil {
				tc.edit(&o)
			}
			p := mustNew(t, o)
			srv, ca, err := p.Endpoint(context.Background())
			if tc.wantServer != "" {
				if err != nil {
					t.Fatalf("Endpoint: %v", err)
				}
				if srv != tc.wantServer || !bytes.Equal(ca, caPEM) {
					t.Errorf("Endpoint = %q, %q; want %q and the cluster CA", srv, ca, tc.wantServer)
				}
				if f.Calls(aksfake.EndpointARM) != 1 {
					t.Errorf("ARM calls = %d, want 1", f.Calls(aksfake.EndpointARM))
				}
				return
			}
			if err == nil {
				t.Fatalf("Endpoint succeeded, want %v", tc.want)
			}
			t.Log(err)
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %v does not wrap %v", err, tc.want)
			}
			for _, m := range tc.wantMsg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q lacks %q", err, m)
				}
			}
			assertNoSecrets(t, err, g.Issued()...)
		})
	}
}

// The ARM call uses a token for the ARM scope; the API server token is a separate one.
func TestEndpointUsesARMScopedToken(t *testing.T) {
	g := newIssuer(testSub)
	f := aksfake.Start(t, aksfake.Options{VerifyIDToken: g.Verify,
		Clusters: []aksfake.Cluster{{Subscription: "sub-1", ResourceGroup: "rg-1", Name: "aks-1"}}})
	p := mustNew(t, fakeOptions(f, g))
	srv, ca, err := p.Endpoint(context.Background())
	if err != nil {
		t.Fatalf("Endpoint: %v", err)
	}
	if !strings.HasPrefix(srv, "https://aks-1-dns.") || !bytes.Equal(ca, f.CertPEM()) {
		t.Errorf("Endpoint = %q, CA match %v", srv, bytes.Equal(ca, f.CertPEM()))
	}
	if f.Issued() != 1 {
		t.Fatalf("issued %d tokens, want 1 (ARM)", f.Issued())
	}
	aksTok, _, err := p.Token(context.Background())
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	if ti, _ := f.LookupToken(aksTok); ti.Resource != aks.DefaultServerID {
		t.Errorf("AKS token resource %q", ti.Resource)
	}
	if f.Issued() != 2 || g.Calls() != 2 {
		t.Errorf("issued %d, IDToken calls %d; want 2, 2 (one per scope)", f.Issued(), g.Calls())
	}
}
