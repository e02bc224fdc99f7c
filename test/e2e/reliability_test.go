//go:build e2e

package e2e

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/ghdeploy/ghfake"
)

const (
	opCreate = "repos/create-deployment"
	opStatus = "repos/create-deployment-status"
)

// TestReliabilityGitHubFaults deploys a healthy release while the validating fake GitHub
// misbehaves in each way GitHub does: the deploy's outcome never changes, exactly one
// deployment exists, and its final status is posted, or a warning says why not.
func TestReliabilityGitHubFaults(t *testing.T) {
	needCluster(t)
	t.Parallel()
	secondary := `{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again.","documentation_url":"https://docs.github.com/rest"}`
	cases := []struct {
		name        string
		script      func(gh *ghfake.Server)
		deployments int    // that must exist at the end
		final       string // the last status, "" when none can be posted
		warning     string // a fragment of the warning when no final status
	}{
		{name: "500 on create", script: func(gh *ghfake.Server) { gh.FailNext(opCreate, 500, nil, "", 1) }, deployments: 1, final: "success"},
		{name: "502 after the create was stored", script: func(gh *ghfake.Server) { gh.FailAfter(opCreate, 502, 1) }, deployments: 1, final: "success"},
		{name: "connection reset after the create was stored", script: func(gh *ghfake.Server) { gh.DropAfter(opCreate, 1) }, deployments: 1, final: "success"},
		{name: "503 on statuses", script: func(gh *ghfake.Server) { gh.FailNext(opStatus, 503, nil, "", 2) }, deployments: 1, final: "success"},
		{name: "429 with Retry-After", script: func(gh *ghfake.Server) {
			gh.FailNext(opCreate, 429, http.Header{"Retry-After": {"1"}}, `{"message":"API rate limit exceeded"}`, 1)
		}, deployments: 1, final: "success"},
		{name: "secondary rate limit", script: func(gh *ghfake.Server) {
			gh.FailNext(opCreate, 403, http.Header{"Retry-After": {"1"}}, secondary, 1)
		}, deployments: 1, final: "success"},
		{name: "slow answers", script: func(gh *ghfake.Server) { gh.SlowNext(opStatus, 2*time.Second, 2) }, deployments: 1, final: "success"},
		{name: "GitHub down", script: func(gh *ghfake.Server) { gh.FailNext(opCreate, 503, nil, "", 1000) }, deployments: 0, warning: "GitHub"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			gh := ghfake.Start(t)
			tc.script(gh)
			cs := clientset(t)
			ns := newNamespace(t, cs)
			in := webInputs(ns, "web", "", map[string]string{"github-token": "ghs_e2eReliability", "environment": "rel-" + ns})
			r := startAction(t, tc.name, in, "GITHUB_API_URL="+gh.URL, "GITHUB_SERVER_URL="+gh.URL).result(t, 3*time.Minute)
			deps := gh.Deployments()
			states := ""
			if len(deps) > 0 {
				states = strings.Join(deps[0].States(), ",")
			}
			t.Logf("reliability | GitHub: %s | exit %d in %.1fs, %d deployment(s), statuses %q", tc.name, r.ExitCode, r.Duration.Seconds(), len(deps), states)
			if r.ExitCode != 0 || r.Outputs["outcome"] != "succeeded" {
				t.Fatalf("GitHub's trouble changed the deploy's outcome: exit %d, outcome %q\n%s", r.ExitCode, r.Outputs["outcome"], r.Stdout)
			}
			if len(deps) != tc.deployments {
				t.Fatalf("%d deployments exist, want %d", len(deps), tc.deployments)
			}
			if tc.final != "" && !strings.HasSuffix(states, tc.final) {
				t.Errorf("statuses %q, want the last one %s", states, tc.final)
			}
			if tc.warning != "" && !strings.Contains(annotations(r.Stdout, "::warning"), tc.warning) {
				t.Errorf("no ::warning says why GitHub has no status:\n%s", r.Stdout)
			}
			if v := gh.ValidationErrors(); len(v) > 0 {
				t.Errorf("traffic off GitHub's OpenAPI description: %v", v)
			}
		})
	}
}

// restartAPIServer stops the test cluster's kube-apiserver for downtime and starts it again
// with the same command line (test/cluster/restart.sh), returning when it is ready.
func restartAPIServer(t *testing.T, downtime time.Duration) {
	t.Helper()
	cmd := exec.Command(filepath.Join(h.repoRoot, "test", "cluster", "restart.sh"), "kube-apiserver", fmt.Sprint(downtime.Seconds()))
	cmd.Env = append(os.Environ(), "CLUSTER_DIR="+filepath.Dir(os.Getenv("E2E_KUBECONFIG")))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("restart kube-apiserver: %v\n%s", err, out)
	}
	t.Logf("%s", out)
	// The controller-manager reconnects with a back-off: the tests after this one need it
	// working again (a new namespace gets its default ServiceAccount).
	newNamespace(t, clientset(t))
}

// TestReliabilityAPIServerRestart restarts the kube-apiserver in the middle of a healthy and of
// a failing rollout: watches come back, the verdict is still right, the lock is renewed through
// the outage (the default lock-ttl 60s, renewed every 20s; down about 10s with the start-up)
// and released at the end. It does not run
// in parallel: every other test would see the outage.
func TestReliabilityAPIServerRestart(t *testing.T) {
	needCluster(t)
	cs := clientset(t)
	t.Run("healthy", func(t *testing.T) {
		ns := newNamespace(t, cs)
		installBaseline(t, ns, "web")
		p := startAction(t, "healthy", webInputs(ns, "web", "message: restart\nbehaviour: slow\nreadyDelay: 12s\n",
			map[string]string{"timeout": "3m"}))
		waitRevisionStatus(t, cs, ns, "web", "pending-upgrade", 2*time.Minute, p)
		restartAPIServer(t, 4*time.Second)
		back := time.Now()
		r := p.result(t, 3*time.Minute)
		t.Logf("reliability | kube-apiserver restarted during a healthy rollout | exit %d in %.1fs (%.1fs after the API server was back), revision %s %s",
			r.ExitCode, r.Duration.Seconds(), p.Ended.Sub(back).Seconds(), r.Outputs["revision"], r.Outputs["status"])
		if r.ExitCode != 0 || r.Outputs["revision"] != "2" || r.Outputs["status"] != "deployed" {
			t.Fatalf("exit %d, revision %q %q after the restart, want 2 deployed\n%s", r.ExitCode, r.Outputs["revision"], r.Outputs["status"], r.Stdout)
		}
		if got := leaseHolder(getLease(t, cs, ns, "web")); got != "" {
			t.Errorf("the Lease is still held by %q", got)
		}
	})
	t.Run("failing", func(t *testing.T) {
		ns := newNamespace(t, cs)
		installBaseline(t, ns, "web")
		p := startAction(t, "failing", webInputs(ns, "web", "message: broken\nbehaviour: flapping\n",
			map[string]string{"timeout": "3m", "min-ready-seconds": "60"}))
		if _, err := p.waitLine("watching 1m0s for stability", 2*time.Minute); err != nil {
			t.Fatal(err)
		}
		restartAPIServer(t, 4*time.Second) // the pod crashes 6 s after it was ready: during or just after the outage
		r := p.result(t, 3*time.Minute)
		t.Logf("reliability | kube-apiserver restarted during a failing rollout | exit %d in %.1fs, %s", r.ExitCode, r.Duration.Seconds(), r.Outputs["failure-reason"])
		if r.ExitCode == 0 || r.Outputs["outcome"] != "failed" {
			t.Fatalf("a flapping rollout passed across the restart: exit %d, outcome %q\n%s", r.ExitCode, r.Outputs["outcome"], r.Stdout)
		}
		if !containsAny(r.Outputs["failure-reason"], []string{"Flapping", "CrashLoopBackOff", "restart"}) {
			t.Errorf("failure-reason %q does not name the crash", r.Outputs["failure-reason"])
		}
		if revs := releaseSecrets(t, cs, ns, "web"); revs[3] != "deployed" {
			t.Errorf("history %s, want the rollback at revision 3", revisionsString(revs))
		}
		if got := leaseHolder(getLease(t, cs, ns, "web")); got != "" {
			t.Errorf("the Lease is still held by %q", got)
		}
	})
}
