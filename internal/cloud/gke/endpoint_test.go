package gke_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/helmdeploy/helm-deploy-action/internal/cloud/gke"
	"github.com/helmdeploy/helm-deploy-action/internal/cloud/gke/gkefake"
)

func TestEndpoint(t *testing.T) {
	const dns = "gke-0123456789abcdef-123456789012.us-central1.gke.goog"
	caPEM := []byte("-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIBATAKBggqhkjOPQQDAjAA\n-----END CERTIFICATE-----\n")
	tests := []struct {
		name       string
		cluster    *gkefake.Cluster // nil = not in the fake
		project    string
		sa         string
		fault      gkefake.Fault
		wantServer string
		wantCA     []byte
		want       error
		wantText   []string
	}{
		{name: "ip endpoint", cluster: &gkefake.Cluster{Endpoint: "34.1.2.3", CAPEM: caPEM},
			wantServer: "https://34.1.2.3", wantCA: caPEM},
		{name: "ip preferred over dns", cluster: &gkefake.Cluster{Endpoint: "34.1.2.3", DNSEndpoint: dns, CAPEM: caPEM},
			wantServer: "https://34.1.2.3", wantCA: caPEM},
		{name: "dns endpoint only has no CA", cluster: &gkefake.Cluster{DNSEndpoint: dns}, wantServer: "https://" + dns},
		{name: "impersonated viewer", sa: testSA, cluster: &gkefake.Cluster{Endpoint: "34.1.2.3", CAPEM: caPEM, Viewers: []string{testSA}},
			wantServer: "https://34.1.2.3", wantCA: caPEM},
		{name: "not found", want: gke.ErrClusterNotFound,
			wantText: []string{"projects/my-project/locations/us-central1/clusters/prod", "location", "Not found"}},
		{name: "wrong project", project: "other", cluster: &gkefake.Cluster{Endpoint: "34.1.2.3", CAPEM: caPEM},
			want: gke.ErrClusterNotFound, wantText: []string{"projects/other/"}},
		{name: "forbidden", cluster: &gkefake.Cluster{Endpoint: "34.1.2.3", CAPEM: caPEM, Viewers: []string{"someone-else"}},
			want: gke.ErrPermissionDenied, wantText: []string{"roles/container.clusterViewer", "container.developer", "principal of " + gkefake.DefaultProvider}},
		{name: "forbidden by fault", sa: testSA, fault: gkefake.AccessDenied, cluster: &gkefake.Cluster{Endpoint: "34.1.2.3", CAPEM: caPEM},
			want: gke.ErrPermissionDenied, wantText: []string{testSA, "roles/container.clusterViewer"}},
		{name: "missing CA", cluster: &gkefake.Cluster{Endpoint: "34.1.2.3"}, wantText: []string{"clusterCaCertificate"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clusters := map[string]gkefake.Cluster{}
			if tc.cluster != nil {
				clusters[gkefake.ClusterName("my-project", "us-central1", "prod")] = *tc.cluster
			}
			f := startFake(t, gkefake.Options{Clusters: clusters})
			f.SetFault(gkefake.Container, tc.fault)
			project := tc.project
			if project == "" {
				project = "my-project"
			}
			gen := &idTokens{}
			p, err := gke.New(context.Background(), gke.Options{
				Project: project, Location: "us-central1", Cluster: "prod",
				WorkloadIdentityProvider: gkefake.DefaultProvider, ServiceAccount: tc.sa, IDToken: gen.fn,
				STSURL: f.STSURL, IAMCredentialsURL: f.IAMURL, ContainerURL: f.ContainerURL, HTTPClient: f.Client(),
			})
			if err != nil {
				t.Fatal(err)
			}
			server, ca, err := p.Endpoint(context.Background())
			if f.Calls(gkefake.Container) != 1 {
				t.Errorf("Container API calls %d, want 1", f.Calls(gkefake.Container))
			}
			if tc.wantServer == "" {
				if err == nil {
					t.Fatalf("Endpoint = %q, want an error", server)
				}
				if tc.want != nil {
					checkErr(t, err, tc.want, tc.wantText...)
				} else {
					checkErr(t, err, err, tc.wantText...)
				}
				noSecrets(t, err.Error(), gen.tokens()...)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if server != tc.wantServer || !bytes.Equal(ca, tc.wantCA) {
				t.Errorf("Endpoint = %q, CA %q; want %q, %q", server, ca, tc.wantServer, tc.wantCA)
			}
		})
	}
}

func TestEndpointNeedsClusterInputs(t *testing.T) {
	gen := &idTokens{}
	p, err := gke.New(context.Background(), gke.Options{Project: "p", WorkloadIdentityProvider: gkefake.DefaultProvider, IDToken: gen.fn})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = p.Endpoint(context.Background())
	checkErr(t, err, gke.ErrInvalidOptions, "location, cluster")
	if len(gen.calls()) != 0 {
		t.Error("Endpoint asked for a GitHub token before checking its inputs")
	}
}
