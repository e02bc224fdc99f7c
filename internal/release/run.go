package release

import (
	"context"
	"errors"
	"fmt"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/releaseutil"
	"helm.sh/helm/v3/pkg/storage/driver"
)

// DefaultTimeout is used when Options.Timeout is zero (Helm's CLI default).
const DefaultTimeout = 5 * time.Minute

// path is what Run decided to do with the stored history.
type path int

const (
	pathInstall   path = iota // no release, or only uninstalled revisions
	pathReinstall             // only failed revisions: upgrade over them, nothing to roll back to
	pathUpgrade
)

// Run installs the release when it does not exist (or was uninstalled or never
// deployed successfully) and upgrades it otherwise, like `helm upgrade --install`.
// A release whose latest revision is pending-* yields a *PendingError.
//
// The returned Result is filled from Helm storage after the run, also when the
// run failed; for a dry run it is what Helm rendered (nothing is stored).
func (d *Deployer) Run(ctx context.Context, o Options) (*Result, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log.Reset()

	ns, err := d.namespaceFor(o.Namespace)
	if err != nil {
		return nil, err
	}
	if ns == "" {
		return nil, errors.New("release: namespace is required")
	}
	res := &Result{Release: o.Release, Namespace: ns, DryRun: o.DryRun}
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("deploy %q: %w", o.Release, err)
	}

	hist, err := d.history(o.Release)
	if err != nil {
		return res, err
	}
	var last *release.Release
	if len(hist) > 0 {
		last = hist[0]
		res.PreviousRevision = last.Version
		res.fill(last)
	}
	if last != nil && last.Info.Status.IsPending() {
		return res, &PendingError{Release: o.Release, Namespace: ns, Revision: last.Version, Status: last.Info.Status.String()}
	}
	which := decide(hist)
	res.Installed = which != pathUpgrade

	ch, err := d.loadChart(o.Chart)
	if err != nil {
		return res, err
	}
	vals, err := mergeValues(o.ValuesFiles, o.Values)
	if err != nil {
		return res, err
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}

	// Helm runs on a context that is never cancelled: its apply is not interruptible anyway,
	// and a cancelled context makes Helm 3 fail the release from a second goroutine while the
	// first one is still working. The Waiter sees ctx and ends the wait on cancellation; Helm
	// then fails the revision once and returns.
	defer d.kube.use(ctx, o.Waiter, false)()
	helmCtx := context.WithoutCancel(ctx)

	var rel *release.Release
	verb := "install"
	switch which {
	case pathReinstall:
		// Upgrade over the failed revisions (Helm 3.22 allows it) instead of uninstalling
		// first, which would delete what the failed install created and keeps (PVCs of a
		// StatefulSet, generated Secrets). With no deployed revision there is nothing to roll
		// back to: a failure leaves this revision failed, like the ones before it.
		d.log.Printf("release %s has never been deployed (revision %d %s): upgrading over the failed revisions, keeping their resources",
			o.Release, last.Version, last.Info.Status)
		verb = "upgrade"
		rel, err = d.upgrade(helmCtx, o, ns, ch, vals)
	case pathInstall:
		rel, err = d.install(helmCtx, o, ns, ch, vals, last != nil)
	default:
		verb = "upgrade"
		rel, err = d.upgrade(helmCtx, o, ns, ch, vals)
	}
	if err != nil && ctx.Err() != nil {
		err = fmt.Errorf("%w (%w)", err, context.Cause(ctx))
	}

	if o.DryRun {
		res.fill(rel)
	} else {
		d.fromStorage(res, rel, ch)
	}
	if err != nil {
		return res, fmt.Errorf("%s %q: %w", verb, o.Release, err)
	}
	return res, nil
}

// fromStorage fills res from storage, falling back to the
// release Helm returned and then to the chart when nothing was stored (an atomic
// install that failed uninstalls everything).
func (d *Deployer) fromStorage(res *Result, rel *release.Release, ch *chart.Chart) *Result {
	if stored, err := d.cfg.Releases.Last(res.Release); err == nil && stored != nil {
		res.fill(stored)
		return res
	}
	if rel != nil {
		res.fill(rel)
		return res
	}
	res.Revision, res.Status, res.Description, res.Manifest, res.Resources = 0, "", "", "", nil
	if ch != nil && ch.Metadata != nil {
		res.ChartName, res.ChartVersion, res.AppVersion = ch.Metadata.Name, ch.Metadata.Version, ch.Metadata.AppVersion
	}
	return res
}

// decide applies the install-or-upgrade rules to a history sorted newest first.
func decide(hist []*release.Release) path {
	if len(hist) == 0 || hist[0].Info.Status == release.StatusUninstalled {
		return pathInstall
	}
	if hist[0].Info.Status != release.StatusFailed {
		return pathUpgrade
	}
	for _, r := range hist {
		if r.Info.Status == release.StatusDeployed || r.Info.Status == release.StatusSuperseded {
			return pathUpgrade
		}
	}
	return pathReinstall
}

// history returns all stored revisions, newest first; none is not an error.
func (d *Deployer) history(name string) ([]*release.Release, error) {
	hist, err := d.cfg.Releases.History(name)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read history of %q: %w", name, err)
	}
	releaseutil.Reverse(hist, releaseutil.SortByRevision)
	return hist, nil
}

func (d *Deployer) install(ctx context.Context, o Options, ns string, ch *chart.Chart, vals map[string]any, replace bool) (*release.Release, error) {
	in := action.NewInstall(d.cfg)
	in.ReleaseName = o.Release
	in.Namespace = ns
	in.CreateNamespace = o.CreateNamespace
	in.Replace = replace
	in.Wait = o.Wait
	in.Timeout = o.Timeout
	in.PostRenderer = postRenderers(o)
	d.cfg.Releases.MaxHistory = o.HistoryMax
	if o.DryRun {
		// Client-side dry run: render and validate, store and apply nothing.
		in.DryRun, in.DryRunOption = true, "client"
	}
	return in.RunWithContext(ctx, ch, vals)
}

func (d *Deployer) upgrade(ctx context.Context, o Options, ns string, ch *chart.Chart, vals map[string]any) (*release.Release, error) {
	up := action.NewUpgrade(d.cfg)
	up.Namespace = ns
	up.Wait = o.Wait
	up.CleanupOnFail = o.CleanupOnFail
	up.Timeout = o.Timeout
	up.MaxHistory = o.HistoryMax
	up.PostRenderer = postRenderers(o)
	if o.DryRun {
		up.DryRun, up.DryRunOption = true, "client"
	}
	return up.RunWithContext(ctx, o.Release, ch, vals)
}

// uninstall removes a release and its whole history. hooks runs the chart's delete hooks
// (as Helm's atomic install does); recovery of a release that never got deployed skips them.
func (d *Deployer) uninstall(name string, timeout time.Duration, hooks bool) error {
	un := action.NewUninstall(d.cfg)
	un.KeepHistory = false
	un.DisableHooks = !hooks
	un.Wait = true
	un.Timeout = timeout
	if _, err := un.Run(name); err != nil {
		return err
	}
	return nil
}

// Latest returns what Helm stored for the latest revision of name, or nil, nil
// when there is no release.
func (d *Deployer) Latest(ctx context.Context, name string) (*Result, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	hist, err := d.history(name)
	if err != nil || len(hist) == 0 {
		return nil, err
	}
	res := &Result{Namespace: d.namespace}
	res.fill(hist[0])
	return res, nil
}
