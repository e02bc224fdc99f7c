package lock

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8stesting "k8s.io/client-go/testing"
)

func TestContendedAcquireWakesThroughWatch(t *testing.T) {
	api := newFakeAPI(t)
	a := mustAcquire(t, api.opts(holderA))
	waits := make(chan Info, 4)
	opts := api.opts(holderB)
	opts.OnWait = func(i Info) { waits <- i }
	res := acquireAsync(context.Background(), opts, 10*time.Minute)

	// A's renewal timer, B's deadline and B's staleness timer: B is parked
	// in its wait with the watch open.
	waitUntil(t, "the waiter is parked", func() bool { return api.clock.Waiters() == 3 })
	if w := <-waits; w.Identity != a.Identity() || w.RunURL() != holderA.RunURL || !w.Acquired.Equal(t0) {
		t.Fatalf("OnWait got %+v", w)
	}
	assertPending(t, res)
	if err := a.Release(context.Background()); err != nil {
		t.Fatalf("Release: %v", err)
	}
	// The fake clock never moved: only the watch can have woken the waiter.
	r := receive(t, res)
	if r.err != nil {
		t.Fatalf("waiter: %v", r.err)
	}
	defer r.held.Release(context.Background())
	if got := holderOf(api.lease(t)); got != r.held.Identity() {
		t.Fatalf("holder = %q, want the waiter %q", got, r.held.Identity())
	}
	if r.held.TookOver != nil || r.held.Waited != 0 {
		t.Fatalf("TookOver = %v, Waited = %s", r.held.TookOver, r.held.Waited)
	}
	var selector string
	for _, act := range api.cs.Actions() {
		if w, ok := act.(k8stesting.WatchAction); ok {
			selector = w.GetWatchRestrictions().Fields.String()
		}
	}
	if selector != "metadata.name=helm-deploy-web" {
		t.Fatalf("watch field selector = %q", selector)
	}
}

func TestAcquireNotifiesHolderChange(t *testing.T) {
	api := newFakeAPI(t)
	api.putLease(t, "first", 3600, t0)
	waits := make(chan Info, 4)
	opts := api.opts(holderB)
	opts.OnWait = func(i Info) { waits <- i }
	res := acquireAsync(context.Background(), opts, 10*time.Minute)
	waitUntil(t, "the waiter is parked", func() bool { return api.clock.Waiters() == 2 })
	l := api.lease(t)
	second := "second"
	l.Spec.HolderIdentity = &second
	if _, err := api.cs.CoordinationV1().Leases(testNS).Update(context.Background(), l, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"first", "second"} {
		select {
		case w := <-waits:
			if w.Identity != want {
				t.Fatalf("OnWait identity = %q, want %q", w.Identity, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no OnWait for %q", want)
		}
	}
	assertPending(t, res)
}

func TestAcquireTimeoutElapses(t *testing.T) {
	api := newFakeAPI(t)
	api.putLease(t, "slow deploy", 3600, t0)
	res := acquireAsync(context.Background(), api.opts(holderB), 2*time.Minute)
	waitUntil(t, "the waiter is parked", func() bool { return api.clock.Waiters() == 2 })
	api.clock.Step(2*time.Minute - time.Second)
	assertPending(t, res)
	api.clock.Step(time.Second)
	r := receive(t, res)
	var he *HeldError
	if !errors.As(r.err, &he) || !errors.Is(r.err, ErrTimeout) || !errors.Is(r.err, ErrHeld) {
		t.Fatalf("err = %v, want *HeldError wrapping ErrTimeout", r.err)
	}
	if he.Waited != 2*time.Minute || he.Info.Identity != "slow deploy" {
		t.Fatalf("HeldError = %+v", he)
	}
	if msg := r.err.Error(); !strings.Contains(msg, "timed out after 2m0s") || !strings.Contains(msg, "raise lock-timeout") {
		t.Fatalf("message %q", msg)
	}
	if holderOf(api.lease(t)) != "slow deploy" {
		t.Fatal("the live holder lost its Lease")
	}
}

func TestAcquireStopsWhenContextEnds(t *testing.T) {
	api := newFakeAPI(t)
	api.putLease(t, "slow deploy", 3600, t0)
	ctx, cancel := context.WithCancel(context.Background())
	res := acquireAsync(ctx, api.opts(holderB), 10*time.Minute)
	waitUntil(t, "the waiter is parked", func() bool { return api.clock.Waiters() == 2 })
	cancel()
	if r := receive(t, res); !errors.Is(r.err, context.Canceled) || r.held != nil {
		t.Fatalf("Acquire = %v, %v; want context.Canceled", r.held, r.err)
	}
}

func TestStaleTakeoverAfterTTLNotBefore(t *testing.T) {
	api := newFakeAPI(t)
	// A dead holder: its renewTime is ancient, which must not matter.
	api.putLease(t, "ghost", 60, time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC))
	res := acquireAsync(context.Background(), api.opts(holderB), 10*time.Minute)
	waitUntil(t, "the waiter is parked", func() bool { return api.clock.Waiters() == 2 })

	api.clock.Step(59 * time.Second)
	// A timer that had fired would be gone from the clock at once.
	if n := api.clock.Waiters(); n != 2 {
		t.Fatalf("a timer fired before the lease duration: %d waiters", n)
	}
	assertPending(t, res)
	if got := holderOf(api.lease(t)); got != "ghost" {
		t.Fatalf("holder after 59s = %q", got)
	}

	api.clock.Step(time.Second)
	r := receive(t, res)
	if r.err != nil {
		t.Fatalf("takeover: %v", r.err)
	}
	defer r.held.Release(context.Background())
	if r.held.TookOver == nil || r.held.TookOver.Identity != "ghost" || r.held.Waited != time.Minute {
		t.Fatalf("TookOver = %+v, Waited = %s", r.held.TookOver, r.held.Waited)
	}
	l := api.lease(t)
	if holderOf(l) != r.held.Identity() || *l.Spec.LeaseTransitions != 1 || l.Annotations[AnnotationRunURL] != holderB.RunURL {
		t.Fatalf("lease after takeover: %+v %v", l.Spec, l.Annotations)
	}
}

func TestRenewingHolderIsNeverTakenOver(t *testing.T) {
	api := newFakeAPI(t)
	a := mustAcquire(t, api.opts(holderA)) // renews every 20s
	res := acquireAsync(context.Background(), api.opts(holderB), 10*time.Minute)
	waitUntil(t, "the waiter is parked", func() bool { return api.clock.Waiters() == 3 })

	for i := 1; i <= 6; i++ { // 2 minutes: twice the TTL
		gets, updates := api.count("get"), api.count("update")
		api.clock.Step(20 * time.Second)
		// A renewed, B saw it through the watch, read it and parked again.
		waitUntil(t, "the renewal is observed", func() bool {
			return api.count("update") > updates && api.count("get") > gets && api.clock.Waiters() == 3
		})
		assertPending(t, res)
		if got := holderOf(api.lease(t)); got != a.Identity() {
			t.Fatalf("after %ds the holder is %q", 20*i, got)
		}
	}
	if a.Err() != nil {
		t.Fatalf("holder lost its lock: %v", a.Err())
	}
	if err := a.Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := receive(t, res)
	if r.err != nil || r.held.TookOver != nil || r.held.Waited != 2*time.Minute {
		t.Fatalf("waiter: err %v, TookOver %v, Waited %s", r.err, r.held.TookOver, r.held.Waited)
	}
	_ = r.held.Release(context.Background())
}
