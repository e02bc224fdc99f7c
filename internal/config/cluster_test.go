package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

func testCAPEM(t *testing.T) string {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test-ca"},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func TestClusterInputs(t *testing.T) {
	ca := testCAPEM(t)
	const sub = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"
	cases := []struct {
		name string
		vars map[string]string
		want ClusterSpec
	}{
		{"none", nil, ClusterSpec{}},
		{"eks keyless", map[string]string{"cluster": "eks:eu-west-1/prod", "role-to-assume": "arn:aws:iam::123456789012:role/deploy"},
			ClusterSpec{Kind: "eks", Region: "eu-west-1", Name: "prod", RoleARN: "arn:aws:iam::123456789012:role/deploy"}},
		{"eks gov region", map[string]string{"cluster": "eks:us-gov-west-1/c_1"}, ClusterSpec{Kind: "eks", Region: "us-gov-west-1", Name: "c_1"}},
		{"gke with provider and service account", map[string]string{"cluster": "gke:my-project/europe-west1/prod",
			"workload-identity-provider": "projects/123456/locations/global/workloadIdentityPools/github/providers/my-repo",
			"service-account":            "deploy@my-project.iam.gserviceaccount.com"},
			ClusterSpec{Kind: "gke", Project: "my-project", Location: "europe-west1", Name: "prod",
				WorkloadIdentityProvider: "projects/123456/locations/global/workloadIdentityPools/github/providers/my-repo",
				ServiceAccount:           "deploy@my-project.iam.gserviceaccount.com"}},
		{"gke zonal", map[string]string{"cluster": "gke:my-project/us-central1-a/c"}, ClusterSpec{Kind: "gke", Project: "my-project", Location: "us-central1-a", Name: "c"}},
		{"aks keyless", map[string]string{"cluster": "aks:" + sub + "/rg-prod/aks-prod", "client-id": sub, "tenant-id": sub},
			ClusterSpec{Kind: "aks", Subscription: sub, ResourceGroup: "rg-prod", Name: "aks-prod", ClientID: sub, TenantID: sub}},
		{"oidc", map[string]string{"cluster": "oidc", "cluster-server": "https://k8s.example.com:6443", "cluster-ca": ca, "audience": "k8s"},
			ClusterSpec{Kind: "oidc", Server: "https://k8s.example.com:6443", CAData: []byte(strings.TrimSpace(ca)), Audience: "k8s"}},
		{"oidc with base64 CA", map[string]string{"cluster": "oidc", "cluster-server": "https://k", "audience": "k8s",
			"cluster-ca": base64.StdEncoding.EncodeToString([]byte(ca))},
			ClusterSpec{Kind: "oidc", Server: "https://k", CAData: []byte(ca), Audience: "k8s"}},
		{"identity inputs with a kubeconfig", map[string]string{"kubeconfig-path": "kc", "role-to-assume": "arn:aws:iam::123456789012:role/x"},
			ClusterSpec{RoleARN: "arn:aws:iam::123456789012:role/x"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := parseOK(t, c.vars).Cluster
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("\n got %+v\nwant %+v", got, c.want)
			}
		})
	}
}

func TestClusterInputsBad(t *testing.T) {
	const sub = "0b1f6471-1bf0-4dda-aec3-cb9272f09590"
	cases := []struct {
		name   string
		vars   map[string]string
		want   []string
		reason string
	}{
		{"unknown kind", map[string]string{"cluster": "k3s:x"}, []string{"cluster"}, "eks:<region>/<name>"},
		{"eks without region", map[string]string{"cluster": "eks:prod"}, []string{"cluster"}, "eks:<region>/<name>"},
		{"eks bad region", map[string]string{"cluster": "eks:Europe/prod"}, []string{"cluster"}, "not an AWS region"},
		{"gke two parts", map[string]string{"cluster": "gke:p/c"}, []string{"cluster"}, "gke:<project>/<location>/<name>"},
		{"gke bad project", map[string]string{"cluster": "gke:P/europe-west1/c"}, []string{"cluster"}, "project id"},
		{"aks bad subscription", map[string]string{"cluster": "aks:sub/rg/c"}, []string{"cluster"}, "GUID"},
		{"cluster and kubeconfig", map[string]string{"cluster": "eks:us-east-1/c", "kubeconfig-path": "kc"}, []string{"cluster"}, "only one way"},
		{"oidc with argument", map[string]string{"cluster": "oidc:x", "cluster-server": "https://k", "audience": "a"}, []string{"cluster"}, "no arguments"},
		{"oidc without server and audience", map[string]string{"cluster": "oidc"}, []string{"cluster-server", "audience"}, "required"},
		{"server not https", map[string]string{"cluster": "eks:us-east-1/c", "cluster-server": "http://1.2.3.4"}, []string{"cluster-server"}, "https"},
		{"server without cluster", map[string]string{"cluster-server": "https://1.2.3.4"}, []string{"cluster-server"}, "with the cluster input"},
		{"ca not pem", map[string]string{"cluster": "eks:us-east-1/c", "cluster-ca": "not a cert"}, []string{"cluster-ca"}, "PEM"},
		{"ca is a key", map[string]string{"cluster": "eks:us-east-1/c", "cluster-ca": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}, []string{"cluster-ca"}, "PRIVATE KEY block"},
		{"role not an arn", map[string]string{"cluster": "eks:us-east-1/c", "role-to-assume": "deploy"}, []string{"role-to-assume"}, "IAM role ARN"},
		{"role with gke", map[string]string{"cluster": "gke:my-project/europe-west1/c", "role-to-assume": "arn:aws:iam::123456789012:role/x"}, []string{"role-to-assume"}, "for eks clusters"},
		{"provider short form", map[string]string{"cluster": "gke:my-project/europe-west1/c", "workload-identity-provider": "github/my-repo"}, []string{"workload-identity-provider"}, "projects/123456789"},
		{"client id not guid", map[string]string{"cluster": "aks:" + sub + "/rg/c", "client-id": "my-app", "tenant-id": sub}, []string{"client-id"}, "GUID"},
		{"client id without tenant", map[string]string{"cluster": "aks:" + sub + "/rg/c", "client-id": sub}, []string{"tenant-id"}, "required with client-id"},
		{"client id with eks", map[string]string{"cluster": "eks:us-east-1/c", "client-id": sub}, []string{"client-id"}, "for aks clusters"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(env(c.vars))
			if err == nil {
				t.Fatal("no error")
			}
			var got []string
			for _, ie := range InputErrors(err) {
				got = append(got, ie.Input)
			}
			sort.Strings(got)
			want := append([]string(nil), c.want...)
			sort.Strings(want)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("inputs %v, want %v (%v)", got, want, err)
			}
			if !strings.Contains(err.Error(), c.reason) {
				t.Fatalf("error does not say %q: %v", c.reason, err)
			}
		})
	}
}
