//go:build e2e

package e2e

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/linelog"
)

// Helm's message when two operations on one release collide: the lock must make it impossible.
const helmBusy = "another operation (install/upgrade/rollback) is in progress"

// webInputs are the inputs of a quick deploy of the web chart (one replica, no min-ready watch,
// unlimited history so no revision is pruned).
func webInputs(ns, rel, values string, extra map[string]string) map[string]string {
	in := map[string]string{
		"release":           rel,
		"namespace":         ns,
		"chart":             webChart,
		"values":            "replicaCount: 1\n" + values,
		"min-ready-seconds": "0",
		"history-max":       "0",
	}
	for k, v := range extra {
		in[k] = v
	}
	return in
}

// installBaseline installs revision 1 (healthy) so later runs are upgrades.
func installBaseline(t *testing.T, ns, rel string) {
	t.Helper()
	runAction(t, webInputs(ns, rel, "message: baseline\n", nil)).mustSucceed(t)
}

// interval is the time one process held the lock, as seen in its log.
type interval struct {
	name       string
	start, end time.Time
}

func TestLockQueueTenConcurrentRuns(t *testing.T) {
	needCluster(t)
	cs := clientset(t)
	ns := newNamespace(t, cs)
	rel := "queue"
	installBaseline(t, ns, rel)

	const n = 10
	procs := make([]*proc, n)
	for i := range procs {
		in := webInputs(ns, rel, fmt.Sprintf("message: run-%d\n", i), map[string]string{"lock-timeout": "10m"})
		procs[i] = startAction(t, fmt.Sprintf("run-%d", i), in, fmt.Sprintf("GITHUB_RUN_ID=%d", 5000+i))
	}
	var held []interval
	waited := 0
	for _, p := range procs {
		r := p.result(t, 10*time.Minute)
		if r.ExitCode != 0 {
			t.Errorf("%s exited %d:\n%s\n%s", p.Name, r.ExitCode, r.Stdout, r.Stderr)
			continue
		}
		if strings.Contains(r.Stdout+r.Stderr, helmBusy) {
			t.Errorf("%s hit Helm's concurrent-operation error:\n%s", p.Name, r.Stdout)
		}
		if w, err := strconv.ParseFloat(r.Outputs["lock-wait-seconds"], 64); err != nil {
			t.Errorf("%s: lock-wait-seconds %q: %v", p.Name, r.Outputs["lock-wait-seconds"], err)
		} else if w > 0 {
			waited++
		}
		got, err1 := p.waitLine("holding Lease", 0)
		rl, err2 := p.waitLine("::group::Release lock", 0)
		if err1 != nil || err2 != nil {
			t.Errorf("%s: %v %v", p.Name, err1, err2)
			continue
		}
		held = append(held, interval{p.Name, got.At, rl.At})
	}
	if t.Failed() {
		t.FailNow()
	}
	// One after another: the lock was held by one process at a time. The times are when this
	// test read each line from a pipe, so two lines written in that order by two processes
	// within a millisecond may be read in the other order; the holder prints its "Release lock"
	// line before it clears the Lease, so a real overlap shows as a gap far beyond that.
	const readJitter = 50 * time.Millisecond
	sort.Slice(held, func(i, j int) bool { return held[i].start.Before(held[j].start) })
	for i := 1; i < len(held); i++ {
		if held[i].start.Before(held[i-1].end.Add(-readJitter)) {
			t.Errorf("%s took the lock at %s while %s held it until %s", held[i].name,
				held[i].start.Format("15:04:05.000"), held[i-1].name, held[i-1].end.Format("15:04:05.000"))
		}
	}
	if waited < n-1 {
		t.Errorf("%d runs report lock-wait-seconds > 0, want at least %d (all but the first)", waited, n-1)
	}

	revs := releaseSecrets(t, cs, ns, rel)
	if len(revs) != n+1 {
		t.Fatalf("history has %d revisions, want 1 + %d new: %s", len(revs), n, revisionsString(revs))
	}
	messages := map[string]int{}
	for rev, status := range revs {
		want := "superseded"
		if rev == n+1 {
			want = "deployed"
		}
		if status != want {
			t.Errorf("revision %d is %s, want %s (%s)", rev, status, want, revisionsString(revs))
		}
		if rev > 1 {
			msg, _ := storedRelease(t, cs, ns, rel, rev).Config["message"].(string)
			messages[msg] = rev
		}
	}
	for i := range n {
		if _, ok := messages[fmt.Sprintf("run-%d", i)]; !ok {
			t.Errorf("no revision deployed message run-%d: %v", i, messages)
		}
	}
	if l := getLease(t, cs, ns, rel); leaseHolder(l) != "" {
		t.Errorf("Lease still held by %q after every run ended", leaseHolder(l))
	}
}

func TestLockSIGINTMidRollout(t *testing.T) {
	needCluster(t)
	cs := clientset(t)
	cases := []struct {
		name     string
		baseline string // values of revision 1
		upgrade  string // values of the interrupted revision 2 (its pods never turn ready)
	}{
		// Rolling back finds the old pods still ready (maxUnavailable 0).
		{name: "quick rollback", baseline: "message: baseline\n", upgrade: "message: slow\n"},
		// The upgrade recreates the pods, so rolling back needs new ones, which take 20s to
		// turn ready: longer than the time left after the signal, so Helm's rollback wait is
		// cut short.
		{name: "rollback slower than the grace", baseline: "message: baseline\nbehaviour: slow\nreadyDelay: 20s\n",
			upgrade: "message: slow\nstrategy:\n  type: Recreate\n  rollingUpdate: null\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ns := newNamespace(t, cs)
			rel := "interrupted"
			runAction(t, webInputs(ns, rel, tc.baseline, map[string]string{"timeout": "2m"})).mustSucceed(t)

			p := startAction(t, "interrupted", webInputs(ns, rel, tc.upgrade+"behaviour: slow\nreadyDelay: 300s\n",
				map[string]string{"timeout": "5m"}))
			waitRevisionStatus(t, cs, ns, rel, "pending-upgrade", 2*time.Minute, p)
			if _, err := p.waitLine("waiting for release "+rel+" resources", 30*time.Second); err != nil {
				t.Fatal(err)
			}
			sent := p.signal(t, syscall.SIGINT)
			r := p.result(t, 30*time.Second)
			took := p.Ended.Sub(sent)
			t.Logf("exited %d %.2fs after SIGINT", r.ExitCode, took.Seconds())
			if took > 7*time.Second {
				t.Errorf("exited %.1fs after SIGINT, want within 7s", took.Seconds())
			}
			if r.ExitCode == 0 {
				t.Errorf("a cancelled run exited 0")
			}
			if r.Outputs["outcome"] != "cancelled" {
				t.Errorf("outcome = %q, want cancelled", r.Outputs["outcome"])
			}
			if l := getLease(t, cs, ns, rel); leaseHolder(l) != "" {
				t.Errorf("Lease still held by %q after the cancelled run exited", leaseHolder(l))
			}
			revs := releaseSecrets(t, cs, ns, rel)
			t.Logf("history after the cancel: %s", revisionsString(revs))
			for rev, st := range revs {
				if isPendingStatus(st) {
					t.Errorf("revision %d left %s: %s\nstdout:\n%s", rev, st, revisionsString(revs), r.Stdout)
				}
			}
			// Whatever was left, the next run deploys without help.
			next := runAction(t, webInputs(ns, rel, "message: next\n", map[string]string{"lock-timeout": "0"})).mustSucceed(t)
			if next.Outputs["status"] != "deployed" {
				t.Errorf("the run after the cancel ended %q, want deployed", next.Outputs["status"])
			}
		})
	}
}

func TestLockLiveHolderIsNotStolen(t *testing.T) {
	needCluster(t)
	cs := clientset(t)
	cases := []struct {
		name        string
		lockTimeout string
		minWait     time.Duration // of the Acquire release lock step
		maxWait     time.Duration
	}{
		{name: "timeout 0 fails at once", lockTimeout: "0", minWait: 0, maxWait: 2 * time.Second},
		{name: "timeout 10s fails after 10s", lockTimeout: "10s", minWait: 10 * time.Second, maxWait: 14 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ns := newNamespace(t, cs)
			rel := "held"
			identity := "other-org/other-repo run 99 attempt 1 job deploy #fake" + strconv.Itoa(time.Now().Nanosecond()%1000)
			// A 5s Lease duration, shorter than the 10s lock-timeout: only the renewals keep it.
			f := holdLease(t, cs, ns, rel, identity, 5*time.Second)
			r := runAction(t, webInputs(ns, rel, "message: blocked\n",
				map[string]string{"lock-timeout": tc.lockTimeout, "lock-ttl": "5s"}))
			f.check(t, tc.minWait > 0)
			if r.ExitCode == 0 {
				t.Fatalf("the run took a lock held by a live holder:\n%s", r.Stdout)
			}
			if !strings.Contains(r.Stdout, identity) {
				t.Errorf("the failure does not name the holder %q:\n%s", identity, r.Stdout)
			}
			d, _, err := linelog.StepDuration(r.Stdout, "Acquire release lock")
			if err != nil {
				t.Fatal(err)
			}
			if d < tc.minWait || d > tc.maxWait {
				t.Errorf("Acquire release lock failed after %s, want between %s and %s", d, tc.minWait, tc.maxWait)
			}
			if got := leaseHolder(getLease(t, cs, ns, rel)); got != identity {
				t.Errorf("Lease holder is %q, want the live holder %q", got, identity)
			}
			if revs := releaseSecrets(t, cs, ns, rel); len(revs) != 0 {
				t.Errorf("the blocked run deployed: %s", revisionsString(revs))
			}
		})
	}
}

func TestLockWaitReportedAndHandedOff(t *testing.T) {
	needCluster(t)
	cs := clientset(t)
	ns := newNamespace(t, cs)
	rel := "waiter"
	identity := "other-org/other-repo run 98 attempt 2 job deploy #fakewait"
	f := holdLease(t, cs, ns, rel, identity, 30*time.Second)

	p := startAction(t, "waiter", webInputs(ns, rel, "message: waited\n", map[string]string{"lock-timeout": "2m"}))
	ln, err := p.waitLine("is being deployed by", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ln.Text, identity) {
		t.Errorf("the wait message does not name the holder %q: %s", identity, ln.Text)
	}
	time.Sleep(3 * time.Second)
	f.check(t, true)
	releasedAt := f.release(t)
	got, err := p.waitLine("holding Lease", 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	handoff := got.At.Sub(releasedAt)
	t.Logf("hand-off: %s from the holder's release to the waiter holding the Lease", handoff.Round(time.Millisecond))
	if handoff > 2*time.Second {
		t.Errorf("hand-off took %s, want well under 2s (a watch, not a poll)", handoff)
	}
	r := p.result(t, 5*time.Minute).mustSucceed(t)
	if w, err := strconv.ParseFloat(r.Outputs["lock-wait-seconds"], 64); err != nil || w < 3 {
		t.Errorf("lock-wait-seconds = %q, want >= 3", r.Outputs["lock-wait-seconds"])
	}
	if !strings.Contains(r.Summary, "Waited for the lock") {
		t.Errorf("the job summary says nothing about the lock wait:\n%s", r.Summary)
	}
}
