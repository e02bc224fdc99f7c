package lock

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

var (
	// ErrHeld: the lock is held by someone else (wrapped by *HeldError).
	ErrHeld = errors.New("release lock is held by another deploy")
	// ErrTimeout: lock-timeout elapsed while waiting (wrapped by *HeldError).
	ErrTimeout = errors.New("timed out waiting for the release lock")
	// ErrForbidden: RBAC does not allow using the Lease.
	ErrForbidden = errors.New("not allowed to use the release lock Lease")
	// ErrLost: the lock was lost while held (renewals failed or it was taken).
	ErrLost = errors.New("release lock lost")
)

// RBACHint names the permissions the lock needs.
const RBACHint = "the lock needs get, create, update and watch on leases.coordination.k8s.io"

// HeldError reports a lock held by someone else: returned at once when the
// timeout is 0, and when the timeout elapsed (then it wraps ErrTimeout).
type HeldError struct {
	Namespace, Lease string
	Info             Info
	Waited           time.Duration
	Timeout          time.Duration
	Err              error // ErrTimeout, or nil when failing at once
}

func (e *HeldError) Error() string {
	var b strings.Builder
	if errors.Is(e.Err, ErrTimeout) {
		fmt.Fprintf(&b, "timed out after %s waiting for the release lock: ", e.Waited.Round(time.Second))
	}
	fmt.Fprintf(&b, "Lease %s/%s is held by %q", e.Namespace, e.Lease, e.Info.Identity)
	if !e.Info.Acquired.IsZero() {
		fmt.Fprintf(&b, " since %s", e.Info.Acquired.UTC().Format(time.RFC3339))
	}
	if !e.Info.Renewed.IsZero() {
		fmt.Fprintf(&b, " (last renewed %s)", e.Info.Renewed.UTC().Format(time.RFC3339))
	}
	if u := e.Info.RunURL(); u != "" {
		fmt.Fprintf(&b, ", run %s", u)
	}
	b.WriteString("; wait for that deploy to finish")
	if e.Timeout == 0 {
		b.WriteString(", set lock-timeout to wait for it")
	} else {
		b.WriteString(", raise lock-timeout")
	}
	fmt.Fprintf(&b, ", or, only if you are sure no deploy is running, delete the Lease: kubectl -n %s delete lease %s "+
		"(a deploy still running then loses the lock and is stopped)", e.Namespace, e.Lease)
	return b.String()
}

// Unwrap lets errors.Is match ErrHeld and, after a timeout, ErrTimeout.
func (e *HeldError) Unwrap() []error {
	if e.Err == nil {
		return []error{ErrHeld}
	}
	return []error{ErrHeld, e.Err}
}

// forbidden wraps a Forbidden API error with the RBAC the lock needs.
func forbidden(verb, namespace, lease string, err error) error {
	return fmt.Errorf("%w: %s Lease %s/%s was refused; %s in namespace %q (Role and RoleBinding: internal/lock/rbac.yaml): %w",
		ErrForbidden, verb, namespace, lease, RBACHint, namespace, err)
}
