package app

import (
	"strings"
	"testing"

	"github.com/helmdeploy/helm-deploy-action/internal/cloud"
	"github.com/helmdeploy/helm-deploy-action/internal/config"
)

func TestWithIdentityInputsWinOverThePlugin(t *testing.T) {
	plugin := cloud.Spec{Kind: cloud.AKS, ClientID: "from-kubeconfig", TenantID: "t-kc", ServerID: "sid"}
	got := withIdentity(plugin, config.ClusterSpec{ClientID: "from-input", Audience: "aud"})
	if got.ClientID != "from-input" || got.TenantID != "t-kc" || got.ServerID != "sid" || got.Audience != "aud" {
		t.Fatalf("got %+v", got)
	}
}

func TestIdentityFits(t *testing.T) {
	cases := []struct {
		kind string
		in   config.ClusterSpec
		want string // "" = fits
	}{
		{cloud.EKS, config.ClusterSpec{RoleARN: "arn"}, ""},
		{cloud.GKE, config.ClusterSpec{WorkloadIdentityProvider: "p", ServiceAccount: "sa"}, ""},
		{cloud.AKS, config.ClusterSpec{ClientID: "c", TenantID: "t"}, ""},
		{cloud.GKE, config.ClusterSpec{RoleARN: "arn"}, `"role-to-assume" is for eks clusters, but the kubeconfig's plugin logs in to gke`},
		{cloud.EKS, config.ClusterSpec{TenantID: "t"}, `"tenant-id" is for aks`},
		{cloud.AKS, config.ClusterSpec{ServiceAccount: "sa"}, `"service-account" is for gke`},
	}
	for _, c := range cases {
		err := identityFits(c.kind, c.in)
		if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%s %+v: err = %v, want %q", c.kind, c.in, err, c.want)
		}
	}
}

func TestOverlayReadsThePluginEnvFirst(t *testing.T) {
	get := overlay(map[string]string{"AWS_REGION": "eu-west-1", "EMPTY": ""}, func(k string) string { return "process-" + k })
	if get("AWS_REGION") != "eu-west-1" || get("EMPTY") != "" || get("HOME") != "process-HOME" {
		t.Fatal("overlay order wrong")
	}
}
