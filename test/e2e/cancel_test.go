//go:build e2e

package e2e

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/ghdeploy/ghfake"
)

// cancelExitBound is the promise: a cancelled run exits within 7 s of the runner's
// SIGINT (its SIGTERM follows at 7.5 s), whatever GitHub or the API server do.
const cancelExitBound = 7 * time.Second

// TestCancelAtEachStage cancels a run while it is queued for the lock, while it waits for the
// rollout, and while it rolls back, with the fake GitHub answering 502 to every status and
// with it hanging: the run exits within 7 s of SIGINT, writes outputs and summary, frees the
// lock, and the next run deploys.
func TestCancelAtEachStage(t *testing.T) {
	needCluster(t)
	t.Parallel()
	stages := []struct {
		name     string
		baseline string // values of the healthy revision 1 ("" none)
		values   string // values of the cancelled run
		waitFor  string // the log line after which SIGINT is sent
		hold     bool   // another run holds the lock
		outcome  string // the run's outcome
	}{
		{name: "queued", values: "message: queued\n", waitFor: "is being deployed by", hold: true, outcome: "cancelled"},
		{name: "waiting", baseline: "message: base\n", values: "message: slow\nbehaviour: slow\nreadyDelay: 300s\n", waitFor: "waiting for release web resources", outcome: "cancelled"},
		// Revision 1's pods take 300 s to be ready again, so the rollback's wait is still
		// running when the signal comes.
		{name: "rolling back", baseline: "message: base\nbehaviour: slow\nreadyDelay: 300s\n", values: "message: broken\nbehaviour: crashloop\n", waitFor: "rolling web back from failed revision",
			outcome: "failed"}, // the deploy had failed; the cancel cuts its rollback short
	}
	for _, st := range stages {
		for _, gh := range []string{"502", "hanging"} {
			t.Run(st.name+"/GitHub "+gh, func(t *testing.T) {
				t.Parallel()
				fake := ghfake.Start(t)
				cs := clientset(t)
				ns := newNamespace(t, cs)
				if st.baseline != "" {
					in := webInputs(ns, "web", st.baseline, map[string]string{"wait": "false"})
					runAction(t, in).mustSucceed(t)
				}
				var holder *fakeHolder
				if st.hold {
					holder = holdLease(t, cs, ns, "web", "other/repo run 98 attempt 1 job deploy", 30*time.Second)
				}
				in := webInputs(ns, "web", st.values, map[string]string{
					"timeout": "5m", "lock-timeout": "5m", "github-token": "ghs_cancel", "environment": "c-" + ns,
				})
				p := startAction(t, st.name, in, "GITHUB_API_URL="+fake.URL, "GITHUB_SERVER_URL="+fake.URL)
				if _, err := p.waitLine(st.waitFor, 2*time.Minute); err != nil {
					t.Fatalf("%v\n%s", err, p.Stdout)
				}
				misbehave(fake, gh)
				sent := p.signal(t, syscall.SIGINT)
				r := p.result(t, time.Minute)
				took := p.Ended.Sub(sent)
				t.Logf("reliability | cancel while %s, GitHub %s | exit %d, %.2fs after SIGINT", st.name, gh, r.ExitCode, took.Seconds())
				if took > cancelExitBound {
					t.Errorf("exited %.1fs after SIGINT, want within %s", took.Seconds(), cancelExitBound)
				}
				if r.ExitCode == 0 || r.Outputs["outcome"] != st.outcome {
					t.Errorf("exit %d, outcome %q: want %s", r.ExitCode, r.Outputs["outcome"], st.outcome)
				}
				if !strings.Contains(r.Summary, st.outcome) {
					t.Errorf("the summary does not say %s:\n%s", st.outcome, r.Summary)
				}
				want := ""
				if holder != nil {
					want = "other/repo run 98 attempt 1 job deploy"
				}
				if got := leaseHolder(getLease(t, cs, ns, "web")); got != want {
					t.Errorf("Lease holder %q after the cancel, want %q", got, want)
				}
				if holder != nil {
					holder.release(t)
				}
				next := runAction(t, webInputs(ns, "web", "message: next\n", nil)).mustSucceed(t)
				if v, _ := containerEnv(getDeployment(t, cs, ns, "web"), "web", "MESSAGE"); v != "next" {
					t.Errorf("MESSAGE = %q after the next run (outputs %v)", v, next.Outputs)
				}
			})
		}
	}
}

// misbehave makes the fake GitHub answer every deployment create and status with 502 ("502")
// or hang on them for a minute ("hanging").
func misbehave(fake *ghfake.Server, how string) {
	if how == "502" {
		fake.FailNext(opStatus, 502, nil, "", 1000)
		fake.FailNext(opCreate, 502, nil, "", 1000)
		return
	}
	fake.SlowNext(opStatus, time.Minute, 1000)
	fake.SlowNext(opCreate, time.Minute, 1000)
}
