package app

import (
	"strings"
	"testing"

	"github.com/helmdeploy/helm-deploy-action/internal/config"
	"github.com/helmdeploy/helm-deploy-action/internal/kube"
	"github.com/helmdeploy/helm-deploy-action/internal/release"
)

// The failure hint says what the user can do, from how far the run got and what the Roll back
// step did.
func TestHint(t *testing.T) {
	cfg := &config.Config{Release: "web", Namespace: "prod"}
	kc := &kube.Clients{}
	tests := []struct {
		name  string
		state State
		want  string
	}{
		{"bad inputs", State{}, "fix the inputs named above; nothing was changed"},
		{"no cluster", State{Config: cfg}, "check the kubeconfig inputs"},
		{"rolled back", State{Config: cfg, Cluster: Cluster{Kube: kc},
			Deploy:  DeployResult{Remediation: &release.Remediation{Action: "rolled back", Failed: 4, RolledBackTo: 3}},
			Release: ReleaseResult{After: &release.Result{Revision: 5, Status: "deployed"}}},
			"the release was rolled back to revision 3; it is at revision 5 (status deployed)"},
		{"first install removed", State{Config: cfg, Cluster: Cluster{Kube: kc}, Deploy: DeployResult{Remediation: &release.Remediation{Action: "uninstalled", Failed: 1}}},
			"the failed first install was removed"},
		{"nothing remediated", State{Config: cfg, Cluster: Cluster{Kube: kc}, Deploy: DeployResult{Remediation: &release.Remediation{Reason: "atomic is false"}}},
			"`helm history web -n prod`"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := hint(&tc.state); !strings.Contains(got, tc.want) {
				t.Errorf("hint = %q, want it to contain %q", got, tc.want)
			}
		})
	}
}
