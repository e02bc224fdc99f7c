package release

import (
	"context"
	"fmt"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/release"
)

// Recovery says what Recover did to a release stuck in a pending-* state.
type Recovery struct {
	From     string // the stale status: pending-install, pending-upgrade or pending-rollback
	Revision int    // the stale revision, now marked failed
	// Action is "rolled back to N" or "uninstalled".
	Action string
	// RolledBackTo is the revision whose configuration was restored (0 when uninstalled).
	RolledBackTo int
	// NewRevision is the revision the rollback created (0 when uninstalled).
	NewRevision int
}

// String says what was done, for the run log and summary.
func (r *Recovery) String() string {
	s := fmt.Sprintf("revision %d was a stale %s: marked it failed and %s", r.Revision, r.From, r.Action)
	if r.NewRevision > 0 {
		s += fmt.Sprintf(" (new revision %d)", r.NewRevision)
	}
	return s
}

// Recover clears a release whose latest revision is pending-*: it marks that
// revision failed with a description saying why, then rolls back to the last
// revision that was deployed (deployed or superseded), or uninstalls the release
// when no revision was ever deployed. It returns nil, nil when the release does
// not exist or is not pending.
//
// The caller must hold the release lock: that proves the pending operation's
// owner is gone. Hooks and waits get the time left on ctx (DefaultTimeout when
// ctx has no deadline). The rollback does not wait for readiness; the deploy
// that follows does.
func (d *Deployer) Recover(ctx context.Context, name string) (*Recovery, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	hist, err := d.history(name)
	if err != nil || len(hist) == 0 || !hist[0].Info.Status.IsPending() {
		return nil, err
	}
	stale := hist[0]
	rec := &Recovery{From: stale.Info.Status.String(), Revision: stale.Version}

	timeout := DefaultTimeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
	}
	defer d.kube.use(ctx, nil, false)()

	stale.SetStatus(release.StatusFailed, fmt.Sprintf(
		"stale %s: the helm-deploy-action run that owned it is gone (recovered by %s)", rec.From, d.RecoveredBy))
	if err := d.cfg.Releases.Update(stale); err != nil {
		return nil, fmt.Errorf("mark revision %d of %q failed: %w", stale.Version, name, err)
	}
	d.log.Printf("marked stale %s revision %d of %s as failed", rec.From, stale.Version, name)

	target := lastDeployed(hist[1:])
	if target == nil {
		if err := d.uninstall(name, timeout, false); err != nil {
			return rec, fmt.Errorf("uninstall %q (stale %s, never deployed): %w", name, rec.From, err)
		}
		rec.Action = "uninstalled"
		return rec, nil
	}
	rb := action.NewRollback(d.cfg)
	rb.Version = target.Version
	rb.Timeout = timeout
	if err := rb.Run(name); err != nil {
		return rec, fmt.Errorf("roll %q back to revision %d (stale %s): %w", name, target.Version, rec.From, err)
	}
	rec.Action = fmt.Sprintf("rolled back to %d", target.Version)
	rec.RolledBackTo = target.Version
	if latest, err := d.cfg.Releases.Last(name); err == nil {
		rec.NewRevision = latest.Version
	}
	return rec, nil
}

// lastDeployed returns the newest revision that was deployed at some point, in
// the same sense as Helm's atomic rollback (status deployed or superseded).
func lastDeployed(newestFirst []*release.Release) *release.Release {
	for _, r := range newestFirst {
		if r.Info.Status == release.StatusDeployed || r.Info.Status == release.StatusSuperseded {
			return r
		}
	}
	return nil
}
