package lock

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"
)

// stepRenewal moves the clock by one renewal period and waits until the
// holder tried to renew and either re-armed its timer or lost the lock.
func stepRenewal(t *testing.T, api *fakeAPI, h *Held) {
	t.Helper()
	waitUntil(t, "the renewal timer is armed", func() bool { return api.clock.Waiters() == 1 })
	updates := api.count("update")
	api.clock.Step(20 * time.Second)
	waitUntil(t, "the renewal attempt", func() bool {
		return api.count("update") > updates && (api.clock.Waiters() == 1 || h.isLost())
	})
}

func TestHeldRenews(t *testing.T) {
	api := newFakeAPI(t)
	h := mustAcquire(t, api.opts(holderA))
	for i := 1; i <= 4; i++ {
		before := api.lease(t).ResourceVersion
		stepRenewal(t, api, h)
		l := api.lease(t)
		if want := t0.Add(time.Duration(i) * 20 * time.Second); !l.Spec.RenewTime.Time.Equal(want) || l.ResourceVersion == before {
			t.Fatalf("renewal %d: renewTime %s (want %s), resourceVersion %s → %s", i, l.Spec.RenewTime.Time, want, before, l.ResourceVersion)
		}
		if !l.Spec.AcquireTime.Time.Equal(t0) || holderOf(l) != h.Identity() {
			t.Fatalf("renewal %d changed acquireTime or holder: %+v", i, l.Spec)
		}
	}
	if h.Err() != nil {
		t.Fatalf("Err = %v", h.Err())
	}
}

func TestHeldAdoptsForeignEditsOfItsOwnLease(t *testing.T) {
	api := newFakeAPI(t)
	h := mustAcquire(t, api.opts(holderA))
	l := api.lease(t)
	l.Labels["team"] = "web" // e.g. someone labels it with kubectl
	if _, err := api.write(l); err != nil {
		t.Fatal(err)
	}
	stepRenewal(t, api, h)
	got := api.lease(t)
	if h.Err() != nil || holderOf(got) != h.Identity() || got.Labels["team"] != "web" || !got.Spec.RenewTime.Time.Equal(t0.Add(20*time.Second)) {
		t.Fatalf("Err %v, lease %+v %v", h.Err(), got.Spec, got.Labels)
	}
}

func TestHeldLost(t *testing.T) {
	tests := []struct {
		name        string
		lose        func(t *testing.T, api *fakeAPI, failing *atomic.Bool)
		stepsBefore int // renewal periods that must not lose the lock yet
		want        string
		wantHolder  string // after Release; "" = no holder or no Lease
		wantLease   bool
	}{
		{name: "renewals fail past the TTL", stepsBefore: 2, want: "could not renew Lease apps/helm-deploy-web for 1m0s",
			lose: func(_ *testing.T, _ *fakeAPI, failing *atomic.Bool) { failing.Store(true) }, wantLease: true},
		{name: "taken by someone else", want: `is now held by "intruder"`, wantHolder: "intruder", wantLease: true,
			lose: func(t *testing.T, api *fakeAPI, _ *atomic.Bool) {
				l := api.lease(t)
				id := "intruder"
				l.Spec.HolderIdentity = &id
				if _, err := api.write(l); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "Lease deleted", want: "was deleted",
			lose: func(t *testing.T, api *fakeAPI, _ *atomic.Bool) {
				if err := api.cs.CoordinationV1().Leases(testNS).Delete(context.Background(), LeaseName(testRelease), metav1.DeleteOptions{}); err != nil {
					t.Fatal(err)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t)
			var failing atomic.Bool
			api.cs.PrependReactor("update", "leases", func(k8stesting.Action) (bool, runtime.Object, error) {
				if failing.Load() {
					return true, nil, apierrors.NewInternalError(errors.New("etcdserver: request timed out"))
				}
				return false, nil, nil
			})
			h := mustAcquire(t, api.opts(holderA))
			deployCtx := h.Context(context.Background())
			tc.lose(t, api, &failing)
			for i := 0; i < tc.stepsBefore; i++ {
				stepRenewal(t, api, h)
				if h.isLost() || deployCtx.Err() != nil {
					t.Fatalf("lost after %d failed renewals, before the TTL: %v", i+1, h.Err())
				}
			}
			stepRenewal(t, api, h)
			select {
			case <-h.Lost():
			case <-time.After(5 * time.Second):
				t.Fatal("Lost not signalled")
			}
			if err := h.Err(); !errors.Is(err, ErrLost) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Err = %v, want ErrLost with %q", err, tc.want)
			}
			waitUntil(t, "the deploy context is cancelled", func() bool { return deployCtx.Err() != nil })
			if cause := context.Cause(deployCtx); !errors.Is(cause, ErrLost) {
				t.Fatalf("context cause = %v", cause)
			}
			if late := h.Context(context.Background()); !waitDone(late) || !errors.Is(context.Cause(late), ErrLost) {
				t.Fatal("a context taken after the loss is not cancelled")
			}

			failing.Store(false)
			before := api.lease(t)
			if err := h.Release(context.Background()); err != nil {
				t.Fatalf("Release after loss: %v", err)
			}
			after := api.lease(t)
			if (after != nil) != tc.wantLease || holderOf(after) != tc.wantHolder {
				t.Fatalf("after Release: lease %v, holder %q; want holder %q", after != nil, holderOf(after), tc.wantHolder)
			}
			if tc.wantHolder != "" && after.ResourceVersion != before.ResourceVersion {
				t.Fatal("Release wrote a Lease that is no longer ours")
			}
		})
	}
}

func waitDone(ctx context.Context) bool {
	select {
	case <-ctx.Done():
		return true
	case <-time.After(5 * time.Second):
		return false
	}
}

func TestRelease(t *testing.T) {
	api := newFakeAPI(t)
	h := mustAcquire(t, api.opts(holderA))
	deployCtx := h.Context(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the runner's signal already cancelled everything

	if err := h.Release(ctx); err != nil {
		t.Fatalf("Release with a cancelled context: %v", err)
	}
	l := api.lease(t)
	if holderOf(l) != "" || l.Annotations[AnnotationRunURL] != "" || l.Annotations[AnnotationRelease] != testRelease {
		t.Fatalf("released lease: holder %q annotations %v", holderOf(l), l.Annotations)
	}
	if !waitDone(deployCtx) || !errors.Is(context.Cause(deployCtx), ErrReleased) {
		t.Fatalf("deploy context after Release: %v", context.Cause(deployCtx))
	}
	if err := h.Err(); err != nil {
		t.Fatalf("Err after a normal Release: %v", err)
	}
	if api.clock.Waiters() != 0 {
		t.Fatal("renewal timer still armed after Release")
	}

	writes := api.count("update")
	if err := h.Release(ctx); err != nil {
		t.Fatalf("second Release: %v", err)
	}
	api.clock.Step(time.Hour)
	if api.count("update") != writes {
		t.Fatal("second Release or a renewal wrote the Lease")
	}
	if h.isLost() || h.Err() != nil {
		t.Fatalf("released lock reported lost: %v", h.Err())
	}

	next, err := Acquire(context.Background(), api.opts(holderB), 0)
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	defer next.Release(context.Background())
	if got := api.lease(t); holderOf(got) != next.Identity() || *got.Spec.LeaseTransitions != 1 {
		t.Fatalf("next holder: %+v", got.Spec)
	}
}

func TestReleaseRetriesOnConflictAndReportsForbidden(t *testing.T) {
	tests := []struct {
		name    string
		reactor func(api *fakeAPI) k8stesting.ReactionFunc
		wantErr error
	}{
		{name: "conflict, then cleared", reactor: func(api *fakeAPI) k8stesting.ReactionFunc {
			var once atomic.Bool
			return func(k8stesting.Action) (bool, runtime.Object, error) {
				if once.Swap(true) {
					return false, nil, nil
				}
				l, err := api.cs.Tracker().Get(leaseGVR, testNS, LeaseName(testRelease))
				if err != nil {
					return true, nil, err
				}
				touched := l.(*coordinationv1.Lease).DeepCopy()
				touched.Labels["touched"] = "yes"
				if _, err := api.write(touched); err != nil {
					return true, nil, err
				}
				return true, nil, apierrors.NewConflict(leaseGVR.GroupResource(), touched.Name, errors.New("modified"))
			}
		}},
		{name: "forbidden", wantErr: ErrForbidden, reactor: func(*fakeAPI) k8stesting.ReactionFunc {
			return func(k8stesting.Action) (bool, runtime.Object, error) {
				return true, nil, apierrors.NewForbidden(leaseGVR.GroupResource(), "helm-deploy-web", errors.New("no update"))
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t)
			h := mustAcquire(t, api.opts(holderA))
			api.cs.PrependReactor("update", "leases", tc.reactor(api))
			err := h.Release(context.Background())
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Fatalf("Release = %v, want %v", err, tc.wantErr)
			}
			wantHolder := ""
			if tc.wantErr != nil {
				wantHolder = h.Identity()
			}
			if got := holderOf(api.lease(t)); got != wantHolder {
				t.Fatalf("holder = %q, want %q", got, wantHolder)
			}
		})
	}
}

func TestReleaseLeavesALeaseTakenBeforeAnyRenewalNoticed(t *testing.T) {
	api := newFakeAPI(t)
	h := mustAcquire(t, api.opts(holderA))
	l := api.lease(t)
	id := "intruder"
	l.Spec.HolderIdentity = &id
	taken, err := api.write(l)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Release(context.Background()); err != nil {
		t.Fatalf("Release: %v", err)
	}
	after := api.lease(t)
	if holderOf(after) != "intruder" || after.ResourceVersion != taken.ResourceVersion {
		t.Fatalf("Release overwrote the new holder: %q rv %s", holderOf(after), after.ResourceVersion)
	}
	if err := h.Err(); !errors.Is(err, ErrLost) || !strings.Contains(err.Error(), `held by "intruder"`) {
		t.Fatalf("Err after finding the Lease taken = %v, want ErrLost naming the new holder", err)
	}
	select {
	case <-h.Lost():
	default:
		t.Fatal("Lost not closed after Release found the Lease taken")
	}
}

// Verify finds a Lease deleted or taken by hand before the next renewal: the lock is lost at
// once and its Context ends, so Helm never writes under two holders.
func TestHeldVerify(t *testing.T) {
	tests := []struct {
		name   string
		change func(t *testing.T, api *fakeAPI)
		lost   string // "" when Verify must pass
	}{
		{name: "still ours", change: func(*testing.T, *fakeAPI) {}},
		{name: "deleted by hand", change: func(t *testing.T, api *fakeAPI) {
			if err := api.cs.CoordinationV1().Leases(testNS).Delete(context.Background(), LeaseName(testRelease), metav1.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
		}, lost: "was deleted"},
		{name: "taken by another run", change: func(t *testing.T, api *fakeAPI) {
			l := api.lease(t)
			other := "someone-else"
			l.Spec.HolderIdentity = &other
			if _, err := api.write(l); err != nil {
				t.Fatal(err)
			}
		}, lost: `is now held by "someone-else"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t)
			h := mustAcquire(t, api.opts(holderA))
			defer func() { _ = h.Release(context.Background()) }()
			ctx := h.Context(context.Background())
			tc.change(t, api)
			err := h.Verify(context.Background())
			if tc.lost == "" {
				if err != nil || ctx.Err() != nil {
					t.Fatalf("Verify = %v (ctx %v), want the lock still held", err, ctx.Err())
				}
				return
			}
			if !errors.Is(err, ErrLost) || !strings.Contains(err.Error(), tc.lost) {
				t.Fatalf("Verify = %v, want ErrLost saying %q", err, tc.lost)
			}
			select {
			case <-ctx.Done():
			case <-time.After(5 * time.Second):
				t.Fatal("the lock's Context did not end after Verify found it lost")
			}
		})
	}
}
