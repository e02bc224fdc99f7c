package lock

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	coordinationclient "k8s.io/client-go/kubernetes/typed/coordination/v1"
)

// ErrReleased is the cause of a Context once the lock was released.
var ErrReleased = errors.New("release lock released")

// Held is an acquired lock, renewed in the background until Release.
type Held struct {
	// Waited is how long Acquire waited for the lock.
	Waited time.Duration
	// TookOver describes the previous holder when a stale Lease was taken
	// over; nil when the lock was free.
	TookOver *Info

	opts           Options
	leases         coordinationclient.LeaseInterface
	name, identity string

	mu     sync.Mutex
	lease  *coordinationv1.Lease // as last written by us
	lastOK time.Time             // local time of the last successful write
	err    error

	lost     chan struct{}
	stop     chan struct{}
	done     chan struct{} // renew loop ended
	stopOnce sync.Once
	cancel   context.CancelFunc // cancels in-flight renewals

	relMu    sync.Mutex
	released bool
}

func newHeld(opts Options, leases coordinationclient.LeaseInterface, name, identity string,
	lease *coordinationv1.Lease, wroteAt time.Time, waited time.Duration, previous *Info) *Held {
	ctx, cancel := context.WithCancel(context.Background())
	h := &Held{
		Waited: waited, TookOver: previous,
		opts: opts, leases: leases, name: name, identity: identity,
		lease: lease, lastOK: wroteAt,
		lost: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{}),
		cancel: cancel,
	}
	go h.renewLoop(ctx)
	return h
}

// Identity is the holderIdentity written to the Lease.
func (h *Held) Identity() string { return h.identity }

// LeaseName is the name of the Lease.
func (h *Held) LeaseName() string { return h.name }

// Namespace is the namespace of the Lease.
func (h *Held) Namespace() string { return h.opts.Namespace }

// Lost is closed when the lock was lost; Err says why.
func (h *Held) Lost() <-chan struct{} { return h.lost }

// Err is nil while the lock is held, and wraps ErrLost once it was lost.
func (h *Held) Err() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

// Context returns a child of parent that is cancelled, with Err as its
// cause, when the lock is lost (and with ErrReleased after Release).
func (h *Held) Context(parent context.Context) context.Context {
	ctx, cancel := context.WithCancelCause(parent)
	go func() {
		select {
		case <-h.lost:
			cancel(h.Err())
		case <-h.done:
			select {
			case <-h.lost:
				cancel(h.Err())
			default:
				cancel(ErrReleased)
			}
		case <-ctx.Done():
		}
	}()
	return ctx
}

func (h *Held) renewLoop(ctx context.Context) {
	defer close(h.done)
	next := h.opts.RenewEvery
	for {
		t := h.opts.Clock.NewTimer(next)
		select {
		case <-h.stop:
			t.Stop()
			return
		case <-t.C():
		}
		lostErr, err := h.renew(ctx)
		if ctx.Err() != nil {
			return // stopped by Release
		}
		if lostErr != nil {
			h.lose(lostErr)
			return
		}
		if err == nil {
			next = h.opts.RenewEvery
			continue
		}
		h.mu.Lock()
		since := h.opts.Clock.Since(h.lastOK)
		h.mu.Unlock()
		if since >= h.opts.TTL {
			h.lose(fmt.Errorf("%w: could not renew Lease %s/%s for %s (lock-ttl %s): %w",
				ErrLost, h.opts.Namespace, h.name, since.Round(time.Second), h.opts.TTL, err))
			return
		}
		next = min(h.opts.RenewEvery, h.opts.TTL-since)
	}
}

// renew writes a new renewTime with the last known resourceVersion. It
// returns lostErr when the Lease is gone or someone else holds it, and err
// for failures worth retrying.
func (h *Held) renew(ctx context.Context) (lostErr, err error) {
	for range 3 {
		h.mu.Lock()
		l := h.lease.DeepCopy()
		h.mu.Unlock()
		now := metav1.NewMicroTime(h.opts.Clock.Now())
		l.Spec.RenewTime = &now
		cctx, cancel := context.WithTimeout(ctx, min(apiCallTimeout, h.opts.RenewEvery))
		updated, err := h.leases.Update(cctx, l, metav1.UpdateOptions{})
		cancel()
		switch {
		case err == nil:
			h.mu.Lock()
			h.lease, h.lastOK = updated, now.Time
			h.mu.Unlock()
			return nil, nil
		case apierrors.IsNotFound(err):
			return h.lostErr("was deleted"), nil
		case apierrors.IsConflict(err):
			cur, gerr := h.get(ctx)
			if apierrors.IsNotFound(gerr) {
				return h.lostErr("was deleted"), nil
			}
			if gerr != nil {
				return nil, gerr
			}
			if holder := infoOf(cur).Identity; holder != h.identity {
				return h.lostErr(fmt.Sprintf("is now held by %q", holder)), nil
			}
			h.mu.Lock()
			h.lease = cur // still ours, changed by someone else: adopt it
			h.mu.Unlock()
		case apierrors.IsForbidden(err):
			return nil, forbidden("update", h.opts.Namespace, h.name, err)
		default:
			return nil, err
		}
	}
	return nil, fmt.Errorf("lock: Lease %s/%s kept changing while renewing", h.opts.Namespace, h.name)
}

func (h *Held) lostErr(what string) error {
	return fmt.Errorf("%w: Lease %s/%s %s", ErrLost, h.opts.Namespace, h.name, what)
}

func (h *Held) lose(err error) {
	h.mu.Lock()
	h.err = err
	h.mu.Unlock()
	close(h.lost)
}

// noteLost records a loss found by Release (after the renew loop stopped) unless one was
// already recorded, so Err tells the caller the lock was not held to the end.
func (h *Held) noteLost(what string) {
	if !h.isLost() {
		h.lose(h.lostErr(what))
	}
}

func (h *Held) isLost() bool {
	select {
	case <-h.lost:
		return true
	default:
		return false
	}
}

func (h *Held) get(ctx context.Context) (*coordinationv1.Lease, error) {
	cctx, cancel := context.WithTimeout(ctx, apiCallTimeout)
	defer cancel()
	return h.leases.Get(cctx, h.name, metav1.GetOptions{})
}

// stopRenewing stops the renew loop and waits for it to end.
func (h *Held) stopRenewing() {
	h.stopOnce.Do(func() {
		close(h.stop)
		h.cancel()
	})
	<-h.done
}

// Release stops renewing and clears the holder on the Lease if it is still
// ours (a Lease held by someone else is left alone; Err then wraps ErrLost
// and says who holds it). It works with a cancelled ctx (bounded by a short
// timeout of its own) and is idempotent.
func (h *Held) Release(ctx context.Context) error {
	h.relMu.Lock()
	defer h.relMu.Unlock()
	if h.released {
		return nil
	}
	h.stopRenewing()
	rctx, cancel := context.WithTimeout(ctx, releaseTimeout) // within the caller's deadline
	defer cancel()

	var cur *coordinationv1.Lease
	if !h.isLost() {
		h.mu.Lock()
		cur = h.lease.DeepCopy() // try our last write first: saves a read
		h.mu.Unlock()
	}
	for range 3 {
		if cur == nil {
			got, err := h.get(rctx)
			switch {
			case apierrors.IsNotFound(err):
				h.noteLost("was deleted")
				h.released = true
				return nil
			case apierrors.IsForbidden(err):
				return forbidden("get", h.opts.Namespace, h.name, err)
			case err != nil:
				return fmt.Errorf("lock: release Lease %s/%s: %w", h.opts.Namespace, h.name, err)
			}
			cur = got
		}
		if holder := infoOf(cur).Identity; holder != h.identity {
			// No longer ours: leave it alone, but Err says it was lost.
			if holder == "" {
				h.noteLost("was released by someone else")
			} else {
				h.noteLost(fmt.Sprintf("is now held by %q", holder))
			}
			h.released = true
			return nil
		}
		l := cur.DeepCopy()
		empty, now := "", metav1.NewMicroTime(h.opts.Clock.Now())
		l.Spec.HolderIdentity = &empty
		l.Spec.RenewTime = &now
		l.Annotations = withoutHolderAnnotations(l.Annotations)
		cctx, ccancel := context.WithTimeout(rctx, apiCallTimeout)
		_, err := h.leases.Update(cctx, l, metav1.UpdateOptions{})
		ccancel()
		switch {
		case err == nil, apierrors.IsNotFound(err):
			h.released = true
			return nil
		case apierrors.IsConflict(err):
			cur = nil // read again
		case apierrors.IsForbidden(err):
			return forbidden("update", h.opts.Namespace, h.name, err)
		default:
			return fmt.Errorf("lock: release Lease %s/%s: %w", h.opts.Namespace, h.name, err)
		}
	}
	return fmt.Errorf("lock: release Lease %s/%s: it kept changing", h.opts.Namespace, h.name)
}

// Verify reads the Lease and checks this run still holds it, right before a write that must
// not overlap another run's (Helm's). A Lease deleted or taken by hand since the last renewal
// is found here rather than at the next renewal: the lock is marked lost (Context ends) and the
// error says so. A failed read is not a loss; renewals keep deciding that.
func (h *Held) Verify(ctx context.Context) error {
	if h.isLost() {
		return h.Err()
	}
	cur, err := h.get(ctx)
	var lost error
	switch {
	case apierrors.IsNotFound(err):
		lost = h.lostErr("was deleted")
	case err != nil:
		return nil
	case infoOf(cur).Identity != h.identity:
		lost = h.lostErr(fmt.Sprintf("is now held by %q", infoOf(cur).Identity))
	default:
		return nil
	}
	h.noteLost(lost.Error())
	return h.Err()
}
