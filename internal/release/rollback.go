package release

import (
	"context"
	"fmt"
	"strings"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/release"
)

// RollbackOptions describe a rollback asked for by the user (`helm rollback`).
type RollbackOptions struct {
	Release string
	// Revision is the revision whose configuration is restored. 0 picks the newest revision
	// before the current one that was deployed (status deployed, superseded or uninstalled),
	// past any failed ones; when the current revision is uninstalled (Uninstall with
	// KeepHistory), 0 picks that revision itself: the rollback brings back what was uninstalled.
	Revision int
	// Wait waits for the new revision through Waiter (Helm's own wait when Waiter is nil). The
	// waits are those of a deploy: they are not marked RollbackWaitContext.
	Wait          bool
	Waiter        Waiter
	Timeout       time.Duration
	CleanupOnFail bool
	HistoryMax    int
}

// RevisionError reports a rollback target that cannot be used.
type RevisionError struct {
	Release string
	// Wanted is the revision asked for; 0 when the previous deployed revision was asked for.
	Wanted int
	// Reason says why Wanted cannot be used, e.g. "it does not exist".
	Reason string
	// Available is the release's history, newest first (the first one is the current revision).
	Available []Revision
}

func (e *RevisionError) Error() string {
	var b strings.Builder
	if e.Wanted > 0 {
		fmt.Fprintf(&b, "cannot roll release %q back to revision %d: %s", e.Release, e.Wanted, e.Reason)
	} else {
		fmt.Fprintf(&b, "cannot roll release %q back: %s", e.Release, e.Reason)
	}
	var targets []string
	b.WriteString(" (revisions, newest first: ")
	for i, r := range e.Available {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(r.String())
		if i == 0 {
			b.WriteString(" [current]")
		}
		if rollbackTarget(r, i == 0) {
			targets = append(targets, fmt.Sprint(r.Revision))
		}
	}
	if len(targets) == 0 {
		b.WriteString("; no revision can be rolled back to)")
	} else {
		fmt.Fprintf(&b, "; can roll back to: %s)", strings.Join(targets, ", "))
	}
	return b.String()
}

// rollbackTarget tells whether a revision can be rolled back to: it must have been deployed at
// some point (deployed, superseded, or uninstalled with its history kept) and must not be what
// runs now, i.e. the current revision only when it is uninstalled. Helm itself accepts any
// stored revision, failed and pending ones included; restoring one of those would restore a
// configuration that never worked.
func rollbackTarget(r Revision, current bool) bool {
	switch release.Status(r.Status) {
	case release.StatusUninstalled:
		return true
	case release.StatusDeployed, release.StatusSuperseded:
		return !current
	}
	return false
}

// chooseTarget picks the revision to restore from a history sorted newest first (non-empty).
func chooseTarget(name string, hist []*release.Release, wanted int) (*release.Release, error) {
	revs := revisions(hist)
	fail := func(reason string, args ...any) error {
		return &RevisionError{Release: name, Wanted: wanted, Reason: fmt.Sprintf(reason, args...), Available: revs}
	}
	if wanted == 0 {
		for i, r := range revs {
			if rollbackTarget(r, i == 0) {
				return hist[i], nil
			}
		}
		return nil, fail("no revision before the current revision %d was ever deployed", hist[0].Version)
	}
	for i, r := range revs {
		if r.Revision != wanted {
			continue
		}
		switch {
		case rollbackTarget(r, i == 0):
			return hist[i], nil
		case i == 0:
			return nil, fail("it is the current revision (%s)", r.Status)
		default:
			return nil, fail("it was never deployed (status %s)", r.Status)
		}
	}
	return nil, fail("it does not exist")
}

// RollbackTarget returns the revision Rollback would restore when RollbackOptions.Revision is
// revision (0: the previous deployed one), or the error Rollback would return before changing
// anything. It changes nothing.
func (d *Deployer) RollbackTarget(ctx context.Context, name string, revision int) (Revision, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return Revision{}, fmt.Errorf("roll back %q: %w", name, err)
	}
	_, target, err := d.target(name, revision)
	if err != nil {
		return Revision{}, err
	}
	return revisionOf(target), nil
}

// target reads the history of name and returns its current revision and the one to restore.
func (d *Deployer) target(name string, revision int) (current, target *release.Release, err error) {
	hist, err := d.history(name)
	if err != nil {
		return nil, nil, err
	}
	if len(hist) == 0 {
		return nil, nil, d.notInstalled(name)
	}
	if err := d.pending(hist[0]); err != nil {
		return nil, nil, err
	}
	target, err = chooseTarget(name, hist, revision)
	return hist[0], target, err
}

// Rollback restores the configuration (chart, values, manifest) of an earlier revision of
// o.Release as a new revision, like `helm rollback`, running the chart's rollback hooks. Its
// waits go to o.Waiter unmarked, like a deploy's. Errors: *NotInstalledError (ErrNotInstalled)
// when the release has no revision, *PendingError when its latest revision is pending-*,
// *RevisionError when the target cannot be used.
//
// The Result is the new revision (its RolledBackTo is the restored revision and its
// PreviousRevision the revision that was current), also when the rollback failed after
// creating it (the revision is then failed); it is nil when no revision was created.
func (d *Deployer) Rollback(ctx context.Context, o RollbackOptions) (*Result, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log.Reset()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("roll back %q: %w", o.Release, err)
	}
	current, target, err := d.target(o.Release, o.Revision)
	if err != nil {
		return nil, err
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	// A user rollback is a deploy of an earlier configuration: its waits are not remediation
	// waits (false), and Helm never sees ctx (see Run).
	defer d.kube.use(ctx, o.Waiter, false)()

	rb := action.NewRollback(d.cfg)
	rb.Version = target.Version
	rb.Wait = o.Wait
	rb.Timeout = o.Timeout
	rb.CleanupOnFail = o.CleanupOnFail
	rb.MaxHistory = o.HistoryMax
	d.log.Printf("rolling %s back from revision %d (%s) to revision %d (%s)",
		o.Release, current.Version, current.Info.Status, target.Version, target.Info.Status)
	err = rb.Run(o.Release)

	res := d.latestResult(o.Release)
	if res != nil && res.Revision > current.Version {
		res.PreviousRevision = current.Version
		res.RolledBackTo = target.Version
	} else {
		res = nil
	}
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", err, context.Cause(ctx))
		}
		return res, fmt.Errorf("roll %q back to revision %d: %w", o.Release, target.Version, err)
	}
	return res, nil
}
