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
		case <-p.done:
			t.Fatalf("%s exited before the release was %s:\n%s\n%s", p.name, status, p.stdout.String(), p.stderr.String())
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
