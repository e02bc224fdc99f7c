package lock

import (
	"context"
	"errors"
	"testing"
	"time"
)

// putSilentLease stores a Lease held by holder, whose renewTime is far off (a holder with a
// wrong clock), and sets the fake server's clock to silent after the write the server stamped
// in its managedFields.
func (f *fakeAPI) putSilentLease(t *testing.T, holder string, seconds int32, silent time.Duration) {
	t.Helper()
	f.putLease(t, holder, seconds, time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC))
	written := lastServerWrite(f.lease(t))
	if written.IsZero() {
		t.Fatal("the fake stamped no managedFields time")
	}
	f.serverNow = func() time.Time { return written.Add(silent) }
}

// Staleness is decided on the API server's clock: a Lease nobody wrote for a full duration is
// taken over at once, even with lock-timeout 0 (shorter than the TTL), whatever the holder's
// renewTime or this runner's clock say; a Lease written recently is not.
func TestAcquireStalenessOnServerClock(t *testing.T) {
	tests := []struct {
		name      string
		silent    time.Duration // since the holder's last write, on the server's clock
		timeout   time.Duration
		wantTaken bool
	}{
		{name: "dead holder, lock-timeout 0", silent: 2 * time.Minute, timeout: 0, wantTaken: true},
		{name: "dead holder, lock-timeout shorter than the TTL", silent: 61*time.Second + time.Second, timeout: 5 * time.Second, wantTaken: true},
		{name: "live holder, lock-timeout 0", silent: 10 * time.Second, timeout: 0},
		{name: "just under the TTL with the rounding", silent: 60 * time.Second, timeout: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t)
			api.putSilentLease(t, "gone-runner", 60, tc.silent) // the fake's clocks differ by years
			opts := api.opts(holderB)
			var waits []Info
			opts.OnWait = func(i Info) { waits = append(waits, i) }
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			h, err := Acquire(ctx, opts, tc.timeout)
			if tc.wantTaken {
				if err != nil {
					t.Fatalf("Acquire: %v, want the silent holder's Lease taken over", err)
				}
				if h.TookOver == nil || h.TookOver.Identity != "gone-runner" {
					t.Errorf("TookOver = %+v, want the stale holder", h.TookOver)
				}
				return
			}
			var he *HeldError
			if !errors.As(err, &he) {
				t.Fatalf("Acquire = %v, %v; want *HeldError for a live holder", h, err)
			}
			if len(waits) != 1 || waits[0].Silent <= 0 || waits[0].Silent > tc.silent {
				t.Errorf("OnWait %+v: want one call with Silent in (0, %s]", waits, tc.silent)
			}
		})
	}
}

// Without server timestamps (an API server that gives none) the local observation rules.
func TestAcquireWithoutServerClockObservesLocally(t *testing.T) {
	api := newFakeAPI(t)
	api.putLease(t, "ghost", 60, time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC))
	if _, err := Acquire(context.Background(), api.opts(holderB), 0); !errors.Is(err, ErrHeld) {
		t.Fatalf("err = %v, want ErrHeld: an unknown silence is not staleness", err)
	}
}
