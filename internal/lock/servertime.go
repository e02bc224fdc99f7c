package lock

import (
	"context"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Staleness on the API server's clock. A waiter cannot trust its own clock against the
// holder's renewTime (another runner wrote it), and observing on its own clock alone means a
// waiter with a lock-timeout shorter than the TTL gives up before it could ever call a dead
// holder's Lease stale, run after run. The API server stamps every write in the Lease's
// managedFields (second precision) and, on a dry-run create, a creationTimestamp of "now":
// both on its own clock, so their difference is how long the holder has been silent.

// clockProbePrefix names the dry-run Lease whose creationTimestamp reads the server's clock;
// nothing is stored.
const clockProbePrefix = "helm-deploy-clock-"

// serverPrecision is the rounding of the server's timestamps (whole seconds, truncated).
const serverPrecision = time.Second

// lastServerWrite is the newest managedFields time of l: when the API server last accepted a
// write to it. Zero when the Lease carries none.
func lastServerWrite(l *coordinationv1.Lease) time.Time {
	var last time.Time
	for _, f := range l.ManagedFields {
		if f.Time != nil && f.Time.After(last) {
			last = f.Time.Time
		}
	}
	return last
}

// serverNow reads the API server's clock with a dry-run create (needs the create permission on
// Leases the lock needs anyway). ok is false when the server gave no timestamp.
func (a *acquirer) serverNow(ctx context.Context) (now time.Time, ok bool) {
	cctx, cancel := context.WithTimeout(ctx, apiCallTimeout)
	defer cancel()
	probe := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{GenerateName: clockProbePrefix, Namespace: a.opts.Namespace}}
	got, err := a.leases.Create(cctx, probe, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	if err != nil || got == nil || got.CreationTimestamp.IsZero() {
		return time.Time{}, false
	}
	return got.CreationTimestamp.Time, true
}

// serverSilence is how long the holder of l has not written it, on the server's clock, rounded
// down by the timestamps' precision so it never overstates. ok is false when unknown.
func (a *acquirer) serverSilence(ctx context.Context, l *coordinationv1.Lease) (time.Duration, bool) {
	last := lastServerWrite(l)
	if last.IsZero() {
		return 0, false
	}
	now, ok := a.serverNow(ctx)
	if !ok {
		return 0, false
	}
	return max(now.Sub(last)-serverPrecision, 0), true
}
