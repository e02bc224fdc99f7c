package lock

import (
	"context"
	"errors"
	"fmt"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
	coordinationclient "k8s.io/client-go/kubernetes/typed/coordination/v1"
)

// Acquire takes the release lock, waiting up to timeout while someone else
// holds it (0: fail at once with *HeldError). The lock is free when the Lease
// does not exist, has no holder, or is stale: not written for its full
// duration, measured on the API server's clock (see servertime.go), or, when
// the server gives no timestamps, unchanged for its full duration on this
// process's clock since it first saw that record.
func Acquire(ctx context.Context, opts Options, timeout time.Duration) (*Held, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if timeout < 0 {
		return nil, errors.New("lock: negative lock timeout")
	}
	token, err := newToken()
	if err != nil {
		return nil, fmt.Errorf("lock: random token: %w", err)
	}
	a := &acquirer{
		opts:     opts,
		leases:   opts.Client.CoordinationV1().Leases(opts.Namespace),
		name:     LeaseName(opts.Release),
		identity: opts.Holder.identity(token),
		start:    opts.Clock.Now(),
		timeout:  timeout,
	}
	return a.run(ctx)
}

type acquirer struct {
	opts           Options
	leases         coordinationclient.LeaseInterface
	name, identity string
	start          time.Time
	timeout        time.Duration

	obs        observer
	deadlineC  <-chan time.Time
	timedOut   bool
	failures   int // consecutive failed API calls
	w          watch.Interface
	watchFails int // consecutive watches that ended without any event
	watchSeen  bool
}

func (a *acquirer) run(ctx context.Context) (*Held, error) {
	defer a.stopWatch()
	if a.timeout > 0 {
		t := a.opts.Clock.NewTimer(a.timeout)
		defer t.Stop()
		a.deadlineC = t.C()
	}
	for {
		if ctx.Err() != nil {
			return nil, a.ctxErr(ctx)
		}
		lease, err := a.get(ctx)
		switch {
		case apierrors.IsNotFound(err):
			held, err := a.create(ctx)
			switch {
			case err == nil:
				return held, nil
			case apierrors.IsAlreadyExists(err):
				continue // someone created it first: read it
			case a.fatal(err):
				return nil, a.wrap("create", err)
			}
			if err := a.backoff(ctx, err); err != nil {
				return nil, err
			}
			continue
		case err != nil:
			if a.fatal(err) {
				return nil, a.wrap("get", err)
			}
			if err := a.backoff(ctx, err); err != nil {
				return nil, err
			}
			continue
		}
		a.failures = 0
		now := a.opts.Clock.Now()
		info := infoOf(lease)
		var previous *Info
		if info.Identity != "" {
			newHolder := a.obs.observe(lease, now, a.opts.TTL)
			// The server's clock says how long the holder has already been silent: a
			// dead holder's Lease is taken over at once, whatever lock-timeout is, and the
			// local stale timer counts from the last write instead of from now.
			if silence, ok := a.serverSilence(ctx, lease); ok {
				a.obs.silentFor(silence, now)
				info.Silent = silence
			}
			if newHolder && a.opts.OnWait != nil && !a.obs.stale(now) {
				a.opts.OnWait(info)
			}
			if !a.obs.stale(now) {
				if err := a.waitForChange(ctx, lease, info); err != nil {
					return nil, err
				}
				continue
			}
			previous = &info
		}
		held, err := a.update(ctx, lease, previous)
		switch {
		case err == nil:
			return held, nil
		case apierrors.IsConflict(err), apierrors.IsNotFound(err):
			continue // another writer came first: read again
		case a.fatal(err):
			return nil, a.wrap("update", err)
		}
		if err := a.backoff(ctx, err); err != nil {
			return nil, err
		}
	}
}

// waitForChange blocks until the Lease may have changed (watch event), the
// observed record turns stale, the timeout elapses or ctx ends. It returns
// an error when the caller must give up.
func (a *acquirer) waitForChange(ctx context.Context, lease *coordinationv1.Lease, info Info) error {
	if a.timeout == 0 || a.timedOut {
		e := &HeldError{Namespace: a.opts.Namespace, Lease: a.name, Info: info, Waited: a.opts.Clock.Since(a.start), Timeout: a.timeout}
		if a.timedOut {
			e.Err = ErrTimeout
		}
		return e
	}
	if a.w == nil {
		if a.watchFails > 0 {
			if err := a.sleep(ctx, backoffDelay(a.watchFails)); err != nil {
				return err
			}
		}
		// Watch from the version just read; the caller reads again at once,
		// so a change between the read and the watch is never missed.
		err := a.startWatch(ctx, lease.ResourceVersion)
		if err != nil && a.fatal(err) {
			return a.wrap("watch", err)
		}
		if err != nil {
			a.watchFails++
		}
		return nil
	}
	stale := a.opts.Clock.NewTimer(a.obs.staleAt().Sub(a.opts.Clock.Now()))
	defer stale.Stop()
	for {
		select {
		case <-ctx.Done():
			return a.ctxErr(ctx)
		case <-a.deadlineC:
			a.timedOut = true
			return nil
		case <-stale.C():
			return nil
		case ev, ok := <-a.w.ResultChan():
			if !ok || ev.Type == watch.Error {
				a.stopWatch()
				return nil
			}
			a.watchSeen = true
			a.watchFails = 0
			if ev.Type == watch.Bookmark {
				continue
			}
			if l, isLease := ev.Object.(*coordinationv1.Lease); isLease && l.Name != a.name {
				continue
			}
			return nil
		}
	}
}

func (a *acquirer) startWatch(ctx context.Context, resourceVersion string) error {
	w, err := a.leases.Watch(ctx, metav1.ListOptions{
		FieldSelector:   fields.OneTermEqualSelector("metadata.name", a.name).String(),
		ResourceVersion: resourceVersion,
	})
	if err != nil {
		return err
	}
	a.w, a.watchSeen = w, false
	return nil
}

func (a *acquirer) stopWatch() {
	if a.w == nil {
		return
	}
	a.w.Stop()
	if !a.watchSeen {
		a.watchFails++
	}
	a.w = nil
}

// backoff waits after a transient API error; it gives up at once when the
// timeout is 0 and when the timeout elapsed.
func (a *acquirer) backoff(ctx context.Context, apiErr error) error {
	if a.timeout == 0 || a.timedOut {
		return fmt.Errorf("lock: Lease %s/%s: %w", a.opts.Namespace, a.name, errors.Join(a.timeoutErr(), apiErr))
	}
	a.failures++
	return a.sleep(ctx, backoffDelay(a.failures))
}

func (a *acquirer) timeoutErr() error {
	if a.timedOut {
		return ErrTimeout
	}
	return nil
}

// sleep waits d on the clock, ending early at the timeout or with ctx.
func (a *acquirer) sleep(ctx context.Context, d time.Duration) error {
	t := a.opts.Clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return a.ctxErr(ctx)
	case <-a.deadlineC:
		a.timedOut = true
	case <-t.C():
	}
	return nil
}

func backoffDelay(n int) time.Duration {
	d := 500 * time.Millisecond
	for i := 1; i < n && d < maxRetryBackoff; i++ {
		d *= 2
	}
	return min(d, maxRetryBackoff)
}

func (a *acquirer) ctxErr(ctx context.Context) error {
	return fmt.Errorf("lock: stopped waiting for Lease %s/%s after %s: %w",
		a.opts.Namespace, a.name, a.opts.Clock.Since(a.start).Round(time.Second), context.Cause(ctx))
}

// fatal reports errors that retrying will not fix.
func (a *acquirer) fatal(err error) bool {
	return apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) || apierrors.IsInvalid(err) ||
		apierrors.IsBadRequest(err)
}

func (a *acquirer) wrap(verb string, err error) error {
	switch {
	case err == nil:
		return nil
	case apierrors.IsForbidden(err):
		return forbidden(verb, a.opts.Namespace, a.name, err)
	}
	return fmt.Errorf("lock: %s Lease %s/%s: %w", verb, a.opts.Namespace, a.name, err)
}
