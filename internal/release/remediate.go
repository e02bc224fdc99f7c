package release

import (
	"context"
	"fmt"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/release"
)

// RemediateOptions describe the remediation of a failed Run.
type RemediateOptions struct {
	Release string
	// Wait waits for the restored revision through Waiter (marked RollbackWaitContext);
	// false applies the rollback and returns (a cancelled run has no time to wait).
	Wait          bool
	Waiter        Waiter
	Timeout       time.Duration
	CleanupOnFail bool
	HistoryMax    int
}

// Remediation is what Remediate did.
type Remediation struct {
	// Action is "rolled back", "uninstalled" or "" (nothing to do).
	Action string
	// Failed is the failed revision that was remediated.
	Failed int
	// RolledBackTo is the revision whose configuration was restored (rollback only).
	RolledBackTo int
	// Reason says why nothing was done, when Action is "".
	Reason string
}

func (r *Remediation) String() string {
	switch r.Action {
	case "rolled back":
		return fmt.Sprintf("rolled back from failed revision %d to revision %d", r.Failed, r.RolledBackTo)
	case "uninstalled":
		return fmt.Sprintf("uninstalled the failed first install (revision %d)", r.Failed)
	}
	return "nothing done: " + r.Reason
}

// Remediate undoes a failed Run of release o.Release, as Helm's --atomic would but as a step
// of its own: when the latest revision failed, it rolls back to the newest revision that was
// deployed (past any number of failed ones); when the failed revision is the release's only
// one (a failed first install), it uninstalls it, running the chart's delete hooks; when every
// revision failed in earlier runs too, it leaves them (the next Run upgrades over them). It
// returns the remediation and what Helm stored afterwards. A rollback that itself fails is
// returned as an error; its revision stays failed.
func (d *Deployer) Remediate(ctx context.Context, o RemediateOptions) (*Remediation, *Result, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	hist, err := d.history(o.Release)
	if err != nil {
		return nil, nil, err
	}
	rem := &Remediation{}
	if len(hist) == 0 {
		rem.Reason = "the release has no revision"
		return rem, nil, nil
	}
	latest := hist[0]
	rem.Failed = latest.Version
	if latest.Info.Status != release.StatusFailed {
		rem.Reason = fmt.Sprintf("the latest revision %d is %s, not failed", latest.Version, latest.Info.Status)
		return rem, d.resultOf(latest), nil
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	defer d.kube.use(ctx, o.Waiter, true)()

	target := lastDeployed(hist[1:])
	switch {
	case target != nil:
		rb := action.NewRollback(d.cfg)
		rb.Version = target.Version
		rb.Wait = o.Wait && o.Waiter != nil
		rb.Timeout = o.Timeout
		rb.CleanupOnFail = o.CleanupOnFail
		rb.MaxHistory = o.HistoryMax
		d.log.Printf("rolling %s back from failed revision %d to revision %d", o.Release, latest.Version, target.Version)
		if err := rb.Run(o.Release); err != nil {
			return rem, d.latestResult(o.Release), fmt.Errorf("roll %q back to revision %d: %w", o.Release, target.Version, err)
		}
		rem.Action, rem.RolledBackTo = "rolled back", target.Version
	case len(hist) == 1:
		d.log.Printf("uninstalling %s: its first install (revision %d) failed", o.Release, latest.Version)
		if err := d.uninstall(o.Release, o.Timeout, true); err != nil {
			return rem, d.latestResult(o.Release), fmt.Errorf("uninstall the failed first install of %q: %w", o.Release, err)
		}
		rem.Action = "uninstalled"
		return rem, nil, nil
	default:
		rem.Reason = fmt.Sprintf("no revision of %q was ever deployed; the failed revisions stay and the next deploy upgrades over them", o.Release)
		return rem, d.resultOf(latest), nil
	}
	return rem, d.latestResult(o.Release), nil
}

// resultOf is the Result of one stored revision.
func (d *Deployer) resultOf(r *release.Release) *Result {
	res := &Result{Namespace: d.namespace}
	res.fill(r)
	return res
}

// latestResult is the Result of the newest stored revision, nil when there is none.
func (d *Deployer) latestResult(name string) *Result {
	hist, err := d.history(name)
	if err != nil || len(hist) == 0 {
		return nil
	}
	return d.resultOf(hist[0])
}
