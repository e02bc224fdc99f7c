package eks

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/helmdeploy/helm-deploy-action/internal/cloud/eks/eksfake"
)

func TestEndpoint(t *testing.T) {
	cases := []struct {
		name     string
		cluster  eksfake.Cluster
		lookup   string // cluster name the provider asks for; "" = cluster.Name
		envCreds bool
		mod      func(*Options)
		inject   *eksfake.APIError
		want     error
		msg      []string
	}{
		{name: "active, keyless", cluster: eksfake.Cluster{Name: "a", Endpoint: "https://A.gr7.eu-west-1.eks.amazonaws.com", CAPEM: []byte(testCAPEM)}, mod: withRole},
		{name: "updating, environment keys", cluster: eksfake.Cluster{Name: "a", Endpoint: "https://A.example", CAPEM: []byte(testCAPEM), Status: "UPDATING"}, envCreds: true},
		{name: "creating", cluster: eksfake.Cluster{Name: "a", Endpoint: "https://A.example", CAPEM: []byte(testCAPEM), Status: "CREATING"},
			mod: withRole, want: ErrClusterNotReady, msg: []string{`"a"`, "CREATING", "ACTIVE"}},
		{name: "failed", cluster: eksfake.Cluster{Name: "a", Endpoint: "https://A.example", CAPEM: []byte(testCAPEM), Status: "FAILED"},
			mod: withRole, want: ErrClusterNotReady, msg: []string{"FAILED"}},
		{name: "wrong name or region", cluster: eksfake.Cluster{Name: "a", Endpoint: "https://A.example", CAPEM: []byte(testCAPEM)}, lookup: "typo",
			mod: withRole, want: ErrClusterNotFound, msg: []string{`"typo"`, testRegion, "cluster name and region"}},
		{name: "no eks:DescribeCluster", cluster: eksfake.Cluster{Name: "a", Endpoint: "https://A.example", CAPEM: []byte(testCAPEM)},
			mod: withRole, inject: &eksfake.EKSAccessDenied, want: ErrAccessDenied, msg: []string{"eks:DescribeCluster", testRole, "API server URL"}},
		{name: "CA is not PEM", cluster: eksfake.Cluster{Name: "a", Endpoint: "https://A.example", CAPEM: []byte("garbage")},
			mod: withRole, msg: []string{"not PEM"}},
		{name: "role exchange fails first", cluster: eksfake.Cluster{Name: "a", Endpoint: "https://A.example", CAPEM: []byte(testCAPEM)},
			mod: func(o *Options) { withRole(o); o.Audience = "unknown-aud" }, want: ErrIdentityToken, msg: []string{"IAM OIDC"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSetup(t, func(o *eksfake.Options) { o.Clusters = []eksfake.Cluster{tc.cluster} })
			if tc.envCreds {
				s.withEnvCreds()
			}
			if tc.inject != nil {
				s.f.InjectError(eksfake.OpDescribeCluster, *tc.inject)
			}
			lookup := tc.lookup
			if lookup == "" {
				lookup = tc.cluster.Name
			}
			p := s.provider(t, func(o *Options) {
				o.Cluster = lookup
				if tc.mod != nil {
					tc.mod(o)
				}
			})
			server, ca, err := p.Endpoint(context.Background())
			if tc.want == nil && tc.msg == nil {
				if err != nil {
					t.Fatalf("Endpoint: %v", err)
				}
				if server != tc.cluster.Endpoint || string(ca) != string(tc.cluster.CAPEM) {
					t.Fatalf("Endpoint = %q, %q", server, ca)
				}
				if n := s.f.Calls(eksfake.OpDescribeCluster); n != 1 {
					t.Errorf("DescribeCluster calls = %d", n)
				}
				return
			}
			if err == nil {
				t.Fatalf("Endpoint = %q, want an error", server)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
			for _, m := range tc.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("message %q lacks %q", err, m)
				}
			}
		})
	}
}
