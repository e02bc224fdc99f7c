//go:build e2e

package e2e

import (
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/ghdeploy/ghfake"
)

// TestCancelWhileApplying cancels a run while Helm applies the upgrade: the proxy in front of
// the API server holds Helm's write of the Deployment, and SIGINT comes while it is held. When
// the API server answers soon after the signal, Helm's upgrade ends within the deploy step's
// grace and the Roll back step restores revision 1 (without waiting: no time for that). When it
// never answers, Helm is left applying, no rollback is started, and the next run's recovery
// clears the pending revision. Either way, with GitHub answering 502 or hanging, the run exits
// within 7 s of SIGINT with outputs and summary written and the lock free.
func TestCancelWhileApplying(t *testing.T) {
	needCluster(t)
	t.Parallel()
	cases := []struct {
		name        string
		answerAfter time.Duration // 0: the held write never reaches the API server
		want        map[int]string
		log         string
	}{
		{name: "API answers 1s after the signal", answerAfter: time.Second,
			want: map[int]string{1: "superseded", 2: "failed", 3: "deployed"}, log: "rolled back from failed revision 2 to revision 1"},
		{name: "API hangs", want: map[int]string{1: "deployed", 2: "pending-upgrade"},
			log: "Helm was still applying when the run was cancelled"},
	}
	for _, tc := range cases {
		for _, gh := range []string{"502", "hanging"} {
			t.Run(tc.name+"/GitHub "+gh, func(t *testing.T) {
				t.Parallel()
				fake := ghfake.Start(t)
				cs := clientset(t)
				ns := newNamespace(t, cs)
				runAction(t, webInputs(ns, "web", "message: base\n", nil)).mustSucceed(t)

				// Helm's upgrade patches the Deployment: that write is held.
				prx := startHoldProxy(t, func(r *http.Request) bool {
					return r.Method != http.MethodGet && strings.Contains(r.URL.Path, "/namespaces/"+ns+"/deployments")
				})
				in := webInputs(ns, "web", "message: applying\n", map[string]string{
					"kubeconfig": prx.kubeconfig, "timeout": "5m",
					"github-token": "ghs_cancel_apply", "environment": "a-" + ns,
				})
				p := startAction(t, "applying", in, "GITHUB_API_URL="+fake.URL, "GITHUB_SERVER_URL="+fake.URL)
				prx.waitHeld(t, 2*time.Minute, p)
				misbehave(fake, gh)
				sent := p.signal(t, syscall.SIGINT)
				if tc.answerAfter > 0 {
					time.AfterFunc(tc.answerAfter, prx.unhold)
				}
				r := p.result(t, time.Minute)
				took := p.Ended.Sub(sent)
				t.Logf("reliability | cancel while applying, %s, GitHub %s | exit %d, %.2fs after SIGINT", tc.name, gh, r.ExitCode, took.Seconds())
				if took > cancelExitBound {
					t.Errorf("exited %.1fs after SIGINT, want within %s", took.Seconds(), cancelExitBound)
				}
				if r.ExitCode == 0 || r.Outputs["outcome"] != "cancelled" {
					t.Errorf("exit %d, outcome %q: want cancelled", r.ExitCode, r.Outputs["outcome"])
				}
				if !strings.Contains(r.Summary, "cancelled") {
					t.Errorf("the summary does not say cancelled:\n%s", r.Summary)
				}
				if !strings.Contains(r.Stdout, tc.log) {
					t.Errorf("the log does not say %q:\n%s", tc.log, r.Stdout)
				}
				if got := leaseHolder(getLease(t, cs, ns, "web")); got != "" {
					t.Errorf("Lease held by %q after the cancel", got)
				}
				if got, want := revisionsString(releaseSecrets(t, cs, ns, "web")), revisionsString(tc.want); got != want {
					t.Errorf("release history after the cancel: %s, want %s", got, want)
				}

				next := runAction(t, webInputs(ns, "web", "message: next\n", nil)).mustSucceed(t)
				if v, _ := containerEnv(getDeployment(t, cs, ns, "web"), "web", "MESSAGE"); v != "next" {
					t.Errorf("MESSAGE = %q after the next run (outputs %v)", v, next.Outputs)
				}
			})
		}
	}
}
