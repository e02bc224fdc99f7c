//go:build e2e

package e2e

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/lock"
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// fakeHolder holds a release's Lease the way another live run would: it renews renewTime
// every second until released.
type fakeHolder struct {
	identity string
	cs       kubernetes.Interface
	ns, name string

	stop     chan struct{}
	stopped  chan struct{}
	once     sync.Once
	mu       sync.Mutex
	renewErr error
	renewals int
}

// holdLease creates the release's Lease held by identity with the given duration and keeps
// renewing it. The holder is released at cleanup at the latest.
func holdLease(t *testing.T, cs kubernetes.Interface, ns, rel, identity string, duration time.Duration) *fakeHolder {
	t.Helper()
	f := &fakeHolder{identity: identity, cs: cs, ns: ns, name: lock.LeaseName(rel),
		stop: make(chan struct{}), stopped: make(chan struct{})}
	now := metav1.NewMicroTime(time.Now())
	secs := int32(duration / time.Second)
	l := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: f.name, Namespace: ns,
			Annotations: map[string]string{lock.AnnotationRunURL: "http://127.0.0.1:9/other/repo/actions/runs/99"}},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: &identity, LeaseDurationSeconds: &secs,
			AcquireTime: &now, RenewTime: &now},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := cs.CoordinationV1().Leases(ns).Create(ctx, l, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create the fake holder's Lease: %v", err)
	}
	go f.renewLoop()
	t.Cleanup(func() { f.stopRenewing() })
	return f
}

func (f *fakeHolder) renewLoop() {
	defer close(f.stopped)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-f.stop:
			return
		case <-tick.C:
		}
		err := f.update(func(l *coordinationv1.Lease) {
			now := metav1.NewMicroTime(time.Now())
			l.Spec.RenewTime = &now
		})
		f.mu.Lock()
		if err != nil && f.renewErr == nil {
			f.renewErr = err
		}
		if err == nil {
			f.renewals++
		}
		f.mu.Unlock()
	}
}

// update reads the Lease, applies change and writes it back (retrying on conflict).
func (f *fakeHolder) update(change func(*coordinationv1.Lease)) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	leases := f.cs.CoordinationV1().Leases(f.ns)
	var err error
	for range 5 {
		var l *coordinationv1.Lease
		if l, err = leases.Get(ctx, f.name, metav1.GetOptions{}); err != nil {
			return err
		}
		change(l)
		if _, err = leases.Update(ctx, l, metav1.UpdateOptions{}); err == nil {
			return nil
		}
	}
	return err
}

func (f *fakeHolder) stopRenewing() {
	f.once.Do(func() { close(f.stop) })
	<-f.stopped
}

// check fails the test if a renewal failed (the holder would not have been live), or, with
// wantRenewals, if it never renewed.
func (f *fakeHolder) check(t *testing.T, wantRenewals bool) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.renewErr != nil {
		t.Fatalf("fake holder could not renew its Lease: %v", f.renewErr)
	}
	if wantRenewals && f.renewals == 0 {
		t.Fatalf("fake holder never renewed its Lease")
	}
}

// release stops renewing and clears the holder, as a finished run does; it returns the time
// just before the update was sent (so a hand-off measured from it is never too short).
func (f *fakeHolder) release(t *testing.T) time.Time {
	t.Helper()
	f.stopRenewing()
	at := time.Now()
	err := f.update(func(l *coordinationv1.Lease) {
		empty, now := "", metav1.NewMicroTime(time.Now())
		l.Spec.HolderIdentity, l.Spec.RenewTime = &empty, &now
	})
	if err != nil {
		t.Fatalf("release the fake holder's Lease: %v", err)
	}
	return at
}
