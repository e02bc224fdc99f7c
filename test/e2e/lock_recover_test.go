//go:build e2e

package e2e

import (
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A run killed mid-deploy leaves its Lease held and the release pending: the next run takes
// the Lease over once it is stale (lock-ttl on its own clock) and recovers the release.
func TestLockRecoversAfterSIGKILL(t *testing.T) {
	needCluster(t)
	cs := clientset(t)
	cases := []struct {
		name       string
		baseline   bool   // install a deployed revision first
		pending    string // status the killed run leaves
		pendingRev int
		// statuses of every revision after the next run, in order
		want []string
	}{
		{name: "mid-upgrade", baseline: true, pending: "pending-upgrade", pendingRev: 2,
			want: []string{"superseded", "failed", "superseded", "deployed"}}, // 3 is the rollback to 1
		{name: "mid-install", pending: "pending-install", pendingRev: 1,
			want: []string{"deployed"}}, // uninstalled (history gone), then installed afresh
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ns := newNamespace(t, cs)
			rel := "killed"
			if tc.baseline {
				installBaseline(t, ns, rel)
			}
			victim := startAction(t, "victim", webInputs(ns, rel, "message: slow\nbehaviour: slow\nreadyDelay: 300s\n",
				map[string]string{"lock-ttl": "5s", "timeout": "5m"}))
			pending := waitRevisionStatus(t, cs, ns, rel, tc.pending, 2*time.Minute, victim)
			if pending != tc.pendingRev {
				t.Fatalf("revision %d is %s, want revision %d", pending, tc.pending, tc.pendingRev)
			}
			victim.signal(t, syscall.SIGKILL)
			if code, err := victim.exitCode(10 * time.Second); err != nil || code != -1 {
				t.Fatalf("victim: exit %d, %v; want killed", code, err)
			}
			if l := getLease(t, cs, ns, rel); leaseHolder(l) == "" {
				t.Fatalf("the killed run left no held Lease: the test would not show a takeover")
			}

			r := runAction(t, webInputs(ns, rel, "message: after-kill\n", map[string]string{"lock-ttl": "5s"})).mustSucceed(t)
			if r.Outputs["recovered"] == "" || !strings.Contains(r.Outputs["recovered"], tc.pending) {
				t.Errorf("output recovered = %q, want what was done to the %s revision", r.Outputs["recovered"], tc.pending)
			}
			if !strings.Contains(r.Stdout, "took over the stale lock") {
				t.Errorf("no takeover of the dead run's Lease in the log:\n%s", r.Stdout)
			}
			if w, err := strconv.ParseFloat(r.Outputs["lock-wait-seconds"], 64); err != nil || w < 3 {
				t.Errorf("lock-wait-seconds = %q, want >= 3 (a stale 5s Lease is taken over only after its TTL)", r.Outputs["lock-wait-seconds"])
			}
			revs := releaseSecrets(t, cs, ns, rel)
			var got []string
			for rev := 1; rev <= len(revs); rev++ {
				got = append(got, revs[rev])
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("history after recovery: %s, want statuses %v", revisionsString(revs), tc.want)
			}
			latest := len(revs)
			if msg, _ := storedRelease(t, cs, ns, rel, latest).Config["message"].(string); msg != "after-kill" {
				t.Errorf("latest revision deployed message %q, want after-kill", msg)
			}
		})
	}
}
