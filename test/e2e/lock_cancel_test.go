//go:build e2e

package e2e

import (
	"strings"
	"syscall"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A queued run that is cancelled stops waiting at once and leaves the holder's Lease alone.
func TestLockSignalWhileQueued(t *testing.T) {
	needCluster(t)
	cs := clientset(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			ns := newNamespace(t, cs)
			rel := "queued"
			identity := "other-org/other-repo run 97 attempt 1 job deploy #fakequeued"
			holdLease(t, cs, ns, rel, identity, 30*time.Second)

			p := startAction(t, "queued", webInputs(ns, rel, "message: queued\n", map[string]string{"lock-timeout": "5m"}))
			if _, err := p.waitLine("is being deployed by", time.Minute); err != nil {
				t.Fatal(err)
			}
			sent := p.signal(t, sig)
			r := p.result(t, 30*time.Second)
			if took := p.Ended.Sub(sent); took > 2*time.Second {
				t.Errorf("a queued run exited %.1fs after %s, want at once (< 2s)", took.Seconds(), sig)
			}
			if r.ExitCode == 0 {
				t.Errorf("a cancelled run exited 0")
			}
			if r.Outputs["outcome"] != "cancelled" {
				t.Errorf("outcome = %q, want cancelled", r.Outputs["outcome"])
			}
			if got := leaseHolder(getLease(t, cs, ns, rel)); got != identity {
				t.Errorf("Lease holder is %q after the queued run was cancelled, want %q", got, identity)
			}
			if revs := releaseSecrets(t, cs, ns, rel); len(revs) != 0 {
				t.Errorf("the cancelled queued run deployed: %s", revisionsString(revs))
			}
		})
	}
}

// A run whose Lease is taken from it mid-deploy (as a waiter would after its renewals failed
// for lock-ttl) stops deploying, says why, and leaves the new holder's Lease alone.
func TestLockLostMidDeployStopsTheDeploy(t *testing.T) {
	needCluster(t)
	cs := clientset(t)
	ns := newNamespace(t, cs)
	rel := "lost"
	installBaseline(t, ns, rel)

	p := startAction(t, "loser", webInputs(ns, rel, "message: slow\nbehaviour: slow\nreadyDelay: 300s\n",
		map[string]string{"lock-ttl": "6s", "timeout": "5m"}))
	waitRevisionStatus(t, cs, ns, rel, "pending-upgrade", 2*time.Minute, p)

	thief := "other-org/other-repo run 96 attempt 1 job deploy #thief"
	f := &fakeHolder{cs: cs, ns: ns, name: getLease(t, cs, ns, rel).Name}
	if err := f.update(func(l *coordinationv1.Lease) {
		now := metav1.NewMicroTime(time.Now())
		l.Spec.HolderIdentity, l.Spec.AcquireTime, l.Spec.RenewTime = &thief, &now, &now
	}); err != nil {
		t.Fatalf("take the Lease: %v", err)
	}
	stolen := time.Now()
	r := p.result(t, time.Minute)
	// Renewals run every lock-ttl/3 (2s); the deploy then gets the cancel grace to roll back.
	if took := p.Ended.Sub(stolen); took > 12*time.Second {
		t.Errorf("the run kept going %.1fs after losing its lock", took.Seconds())
	}
	if r.ExitCode == 0 {
		t.Fatalf("a run that lost its lock exited 0:\n%s", r.Stdout)
	}
	if !strings.Contains(r.Stdout, "release lock lost") || !strings.Contains(r.Stdout, thief) {
		t.Errorf("the log does not say the lock was lost to %q:\n%s", thief, r.Stdout)
	}
	if !strings.Contains(r.Outputs["failure-reason"], "release lock lost") {
		t.Errorf("failure-reason = %q, want it to say the release lock was lost", r.Outputs["failure-reason"])
	}
	if got := leaseHolder(getLease(t, cs, ns, rel)); got != thief {
		t.Errorf("Lease holder is %q, want the new holder %q left alone", got, thief)
	}
}
