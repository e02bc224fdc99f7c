//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/lock"
	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// waitRevisionStatus polls Helm's release Secrets until some revision has the status.
func waitRevisionStatus(t *testing.T, cs kubernetes.Interface, ns, rel, status string, timeout time.Duration, p *proc) int {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for rev, st := range releaseSecrets(t, cs, ns, rel) {
			if st == status {
				return rev
			}
		}
		select {
		case <-p.Done:
			t.Fatalf("%s exited before the release was %s:\n%s\n%s", p.Name, status, p.Stdout.String(), p.Stderr.String())
		case <-time.After(200 * time.Millisecond):
		}
	}
	t.Fatalf("release %s/%s not %s within %s: %s", ns, rel, status, timeout, revisionsString(releaseSecrets(t, cs, ns, rel)))
	return 0
}

// getLease reads the release's lock Lease; nil when it does not exist.
func getLease(t *testing.T, cs kubernetes.Interface, ns, rel string) *coordinationv1.Lease {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l, err := cs.CoordinationV1().Leases(ns).Get(ctx, lock.LeaseName(rel), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatalf("get Lease: %v", err)
	}
	return l
}

func leaseHolder(l *coordinationv1.Lease) string {
	if l == nil || l.Spec.HolderIdentity == nil {
		return ""
	}
	return *l.Spec.HolderIdentity
}

func isPendingStatus(s string) bool { return strings.HasPrefix(s, "pending-") }

// TestLockDeadHolderTakenOverWithLockTimeoutZero: a Lease whose holder died (no write for its
// full duration, on the API server's clock) is taken over by a run with lock-timeout 0, which
// is shorter than any TTL; one whose holder renews is not.
func TestLockDeadHolderTakenOverWithLockTimeoutZero(t *testing.T) {
	needCluster(t)
	t.Parallel()
	cs := clientset(t)
	ns := newNamespace(t, cs)
	dead := "other-org/other-repo run 95 attempt 1 job deploy #dead"
	f := holdLease(t, cs, ns, "web", dead, 5*time.Second)
	f.stopRenewing()
	// The holder is now silent; the Lease turns stale 5 s after its last write. Until then a
	// run with lock-timeout 0 must fail naming it.
	early := runAction(t, webInputs(ns, "web", "message: early\n", map[string]string{"lock-timeout": "0"}))
	if early.ExitCode == 0 || !strings.Contains(early.Outputs["failure-reason"], dead) {
		t.Fatalf("a run while the holder may be alive exited %d, failure-reason %q", early.ExitCode, early.Outputs["failure-reason"])
	}
	// The Lease turns stale with the passing of time alone: wait until its last write (the
	// server's managedFields stamp, whole seconds) is more than its 5 s duration old.
	var last time.Time
	for _, f := range getLease(t, cs, ns, "web").ManagedFields {
		if f.Time != nil && f.Time.After(last) {
			last = f.Time.Time
		}
	}
	<-time.After(time.Until(last.Add(7 * time.Second)))
	r := runAction(t, webInputs(ns, "web", "message: late\n", map[string]string{"lock-timeout": "0"})).mustSucceed(t)
	if !strings.Contains(r.Stdout, "took over the stale lock of "+dead) {
		t.Errorf("the run did not say it took over the dead holder's lock:\n%s", r.Stdout)
	}
}
