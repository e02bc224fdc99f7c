//go:build e2e

package e2e

import (
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/ghdeploy/ghfake"
)

// TestGitHubStatusSequence runs the action with a token against the fake GitHub API on
// 127.0.0.1 (which validates all traffic against GitHub's OpenAPI description) and checks the
// Deployment it created and the whole sequence of statuses: success, rollout failure, a wait
// for the release lock, and a cancellation.
func TestGitHubStatusSequence(t *testing.T) {
	needCluster(t)
	t.Parallel()
	cases := []struct {
		name     string
		values   string
		holdLock bool // another holder has the lock for a few seconds first
		cancel   bool // SIGINT once Helm runs
		want     string
	}{
		{name: "success", values: "replicaCount: 1\n", want: "in_progress,success"},
		{name: "rollout failure", values: "replicaCount: 1\nbehaviour: crashloop\n", want: "in_progress,failure"},
		{name: "lock wait", values: "replicaCount: 1\n", holdLock: true, want: "queued,in_progress,success"},
		{name: "cancelled", values: "replicaCount: 1\nbehaviour: slow\nreadyDelay: 60s\n", cancel: true, want: "in_progress,error"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			gh := ghfake.Start(t)
			cs := clientset(t)
			ns := newNamespace(t, cs)
			in := map[string]string{
				"release": "web", "namespace": ns, "chart": webChart, "values": tc.values,
				"github-token": "e2e-token-5e7a", "environment": "seq-" + ns,
				"environment-url": "http://127.0.0.1:9/" + ns, "timeout": "60s", "min-ready-seconds": "0",
			}
			env := []string{"GITHUB_API_URL=" + gh.URL, "GITHUB_SERVER_URL=" + gh.URL}
			var holder *fakeHolder
			if tc.holdLock {
				holder = holdLease(t, cs, ns, "web", "other/repo run 99 attempt 1 job deploy", 30*time.Second)
			}
			p := startAction(t, tc.name, in, env...)
			switch {
			case tc.holdLock:
				if _, err := p.waitLine("is being deployed by", 30*time.Second); err != nil {
					t.Fatalf("the run did not report waiting for the lock: %v\n%s", err, p.Stdout)
				}
				// The queued status must reach GitHub before the holder lets go.
				waitUntil(t, 30*time.Second, "a queued status", func() bool {
					deps := gh.Deployments()
					return len(deps) == 1 && strings.Contains(strings.Join(deps[0].States(), ","), "queued")
				})
				holder.release(t)
			case tc.cancel:
				// Helm applied and waits; the slow pods are not ready.
				if _, err := p.waitLine("deployment/web ", 30*time.Second); err != nil { // the tracker's first line
					t.Fatalf("the rollout wait did not start: %v\n%s", err, p.Stdout)
				}
				p.signal(t, syscall.SIGINT)
			}
			r := p.result(t, 2*time.Minute)
			if (r.ExitCode == 0) != strings.HasSuffix(tc.want, "success") {
				t.Fatalf("exit %d for %s\nstdout:\n%s", r.ExitCode, tc.want, r.Stdout)
			}
			deps := gh.Deployments()
			if len(deps) != 1 {
				t.Fatalf("fake GitHub has %d deployments, want 1", len(deps))
			}
			d := deps[0]
			if d.Environment != "seq-"+ns || d.Owner != "helmdeploy" || d.Repo != "helm-deploy-action" {
				t.Errorf("deployment %s/%s environment %q, want helmdeploy/helm-deploy-action seq-%s", d.Owner, d.Repo, d.Environment, ns)
			}
			if got := r.Outputs["deployment-id"]; got != strconv.FormatInt(d.ID, 10) {
				t.Errorf("output deployment-id = %q, want %d", got, d.ID)
			}
			if got := strings.Join(d.States(), ","); got != tc.want {
				t.Errorf("status sequence %s, want %s", got, tc.want)
			}
			last := d.Statuses[len(d.Statuses)-1]
			if !strings.Contains(last.LogURL, "/actions/runs/") || !strings.Contains(last.LogURL, "/attempts/") {
				t.Errorf("log_url %q is not the run attempt's URL", last.LogURL)
			}
			if tc.want == "in_progress,success" || tc.want == "queued,in_progress,success" {
				if last.EnvironmentURL != in["environment-url"] {
					t.Errorf("environment_url %q, want %q", last.EnvironmentURL, in["environment-url"])
				}
			}
			if tc.name == "rollout failure" && !strings.Contains(last.Description, "CrashLoopBackOff") {
				t.Errorf("failure description %q does not name the reason", last.Description)
			}
			if v := gh.ValidationErrors(); len(v) > 0 {
				t.Errorf("traffic off GitHub's OpenAPI description: %v", v)
			}
		})
	}
}
