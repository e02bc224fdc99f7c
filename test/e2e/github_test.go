//go:build e2e

package e2e

import (
	"strconv"
	"testing"

	"github.com/helmdeploy/helm-deploy-action/internal/ghdeploy/ghfake"
)

// TestGitHubDeployment runs the action with a token against the fake GitHub API on 127.0.0.1
// and checks the Deployment it created and its final status.
func TestGitHubDeployment(t *testing.T) {
	needCluster(t)
	t.Parallel()
	cases := []struct {
		name      string
		values    string
		extra     map[string]string
		wantExit0 bool
		wantState string
	}{
		{name: "healthy deploy succeeds", values: "replicaCount: 1\n", wantExit0: true, wantState: "success"},
		{
			name:      "crash-looping deploy fails",
			values:    "replicaCount: 1\nbehaviour: crashloop\n",
			extra:     map[string]string{"timeout": "30s"},
			wantState: "failure",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			gh := ghfake.Start(t)
			cs := clientset(t)
			ns := newNamespace(t, cs)
			in := map[string]string{
				"release":         "web",
				"namespace":       ns,
				"chart":           webChart,
				"values":          tc.values,
				"github-token":    "e2e-token-0c1d",
				"environment":     "e2e-" + ns,
				"environment-url": "http://127.0.0.1:9/" + ns,
			}
			for k, v := range tc.extra {
				in[k] = v
			}

			r := runAction(t, in, "GITHUB_API_URL="+gh.URL, "GITHUB_SERVER_URL="+gh.URL)

			if ok := r.ExitCode == 0; ok != tc.wantExit0 {
				t.Fatalf("exit %d, want success=%v\nstdout:\n%s", r.ExitCode, tc.wantExit0, r.Stdout)
			}
			deps := gh.Deployments()
			if len(deps) != 1 {
				t.Fatalf("fake GitHub has %d deployments, want 1", len(deps))
			}
			d := deps[0]
			if d.Environment != "e2e-"+ns || d.Owner != "helmdeploy" || d.Repo != "helm-deploy-action" {
				t.Errorf("deployment %s/%s environment %q, want helmdeploy/helm-deploy-action e2e-%s", d.Owner, d.Repo, d.Environment, ns)
			}
			if len(d.Statuses) == 0 {
				t.Fatal("the deployment has no status")
			}
			if last := d.Statuses[len(d.Statuses)-1]; last.State != tc.wantState {
				t.Errorf("last deployment status %q, want %q (all: %v)", last.State, tc.wantState, d.Statuses)
			}
			if got := r.Outputs["deployment-id"]; got != strconv.FormatInt(d.ID, 10) {
				t.Errorf("output deployment-id = %q, want %d", got, d.ID)
			}
		})
	}
}
