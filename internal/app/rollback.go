package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/helmdeploy/helm-deploy-action/internal/release"
)

// planRollback chooses the revision to restore (revision input, or the previous deployed one)
// before anything changes, and fails with the list of revisions when there is none.
type planRollback struct{}

func (planRollback) String() string { return "Plan rollback" }

func (planRollback) Run(ctx context.Context, s *State) error {
	c := s.Config
	if s.Release.Before == nil {
		return fmt.Errorf("release %q does not exist in namespace %q: there is nothing to roll back", c.Release, c.Namespace)
	}
	hist, err := s.Cluster.Deployer.History(ctx, c.Release)
	if err != nil {
		return fmt.Errorf("reading the history of release %q: %w", c.Release, err)
	}
	s.Task.History = hist
	target, err := s.Cluster.Deployer.RollbackTarget(ctx, c.Release, c.Revision)
	if err != nil {
		return err
	}
	s.Task.RollbackTarget = &target
	s.Log.Infof("rolling %q back from revision %d (%s) to revision %d: chart %s-%s, app %s (%s)",
		c.Release, s.Release.Before.Revision, s.Release.Before.Status, target.Revision, target.Chart, target.ChartVersion, target.AppVersion, target.Description)
	return nil
}

// rollbackRelease runs helm rollback, tracked like a deploy (logs, events, early verdict,
// stabilisation). With atomic, a target that fails is rolled back by the Roll back finalizer
// to the revision that ran before.
type rollbackRelease struct{}

func (rollbackRelease) String() string { return "Roll back release" }

func (rollbackRelease) Run(ctx context.Context, s *State) error {
	c := s.Config
	if s.Lock.Held != nil {
		ctx = s.Lock.Held.Context(ctx)
		if err := s.Lock.Held.Verify(ctx); err != nil {
			return fmt.Errorf("release lock checked before Helm writes: %w", err)
		}
	}
	opts := release.RollbackOptions{
		Release: c.Release, Revision: s.Task.RollbackTarget.Revision, Wait: c.Wait, Timeout: c.Timeout,
		CleanupOnFail: c.CleanupOnFail, HistoryMax: c.HistoryMax,
	}
	var tr *tracking
	if c.Wait {
		tr = newTracking(s)
		s.tracking = tr
		opts.Waiter = tr
	}
	s.ghInProgress(ctx)
	s.Deploy.Phase = Deploying
	res, err := s.Cluster.Deployer.Rollback(ctx, opts)
	s.Deploy.Phase = Deployed
	if tr != nil {
		diagnose(s, tr)
	}
	s.Release.After = res
	if err != nil {
		return fmt.Errorf("helm rollback %s to revision %d: %w", c.Release, opts.Revision, err)
	}
	s.done("rolled %s back to revision %d: it is now revision %d (%s)", c.Release, opts.Revision, res.Revision, res.Status)
	for _, r := range res.Resources {
		s.Log.Infof("  %s/%s", strings.ToLower(r.Kind), r.Name)
	}
	return nil
}
