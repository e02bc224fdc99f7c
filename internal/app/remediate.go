package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/release"
)

// minCancelledRollback is the least time a cancelled run must have left to start a rollback
// (applied without waiting; the pods come back on their own and the next run tracks them).
const minCancelledRollback = 2 * time.Second

// rollBack is the remediation of a failed deploy, a step of its own (as in Flux's
// helm-controller): with `atomic`, it rolls the release back to its last deployed revision,
// tracked like a deploy, or removes a failed first install. It is the first finalizer, so it
// runs after any failure of the deploy step; it does nothing when the deploy did not fail.
type rollBack struct{}

func (rollBack) String() string  { return "Roll back" }
func (rollBack) cancelRank() int { return 0 }

func (rollBack) Run(ctx context.Context, s *State) error {
	c := s.Config
	switch {
	case s.Err == nil || !s.DeployStarted || c == nil || s.Deployer == nil || c.DryRun:
		s.Log.Infof("nothing to roll back")
		return nil
	case !c.Atomic:
		s.Log.Infof("atomic is false: the failed revision stays as it is")
		return nil
	case s.HelmBusy:
		s.Log.Warningf("Helm was still applying when the run was cancelled: no rollback; the next run recovers the release")
		return nil
	case errors.Is(s.Err, release.ErrPending):
		s.Log.Infof("nothing to roll back: Helm did not start")
		return nil
	case s.Lock != nil && s.Lock.Err() != nil:
		// Another run may hold the lock now: writing would race with it.
		s.Log.Warningf("the release lock was lost: the release is left to the run that holds it (its recovery handles it)")
		return nil
	}
	wait := c.Wait && s.tracking != nil
	timeout := c.Timeout
	if s.soft != nil {
		// A cancel that arrives during the rollback ends its wait at once: the lock release
		// and the final status need the time left.
		var stop context.CancelFunc
		ctx, stop = context.WithCancel(ctx)
		defer stop()
		defer context.AfterFunc(s.soft, stop)()
	}
	if dl, ok := ctx.Deadline(); ok {
		left := time.Until(dl)
		if !s.cancelled.get().IsZero() {
			if left < minCancelledRollback {
				s.Log.Warningf("the run was cancelled with %s left: no rollback; the next run finds the failed revision and deploys or recovers", left.Round(100*time.Millisecond))
				return nil
			}
			wait = false // no time to watch the old pods come back
		}
		timeout = min(timeout, left)
	}
	opts := release.RemediateOptions{
		Release: c.Release, Wait: wait, Timeout: timeout,
		CleanupOnFail: c.CleanupOnFail, HistoryMax: c.HistoryMax,
	}
	if wait {
		opts.Waiter = s.tracking
	}
	rem, res, err := s.Deployer.Remediate(ctx, opts)
	if rem != nil {
		s.Remediation = rem
		s.Log.Infof("%s", rem)
	}
	switch {
	case res != nil:
		s.Result = res
	case rem != nil && rem.Action == "uninstalled" && s.Result != nil:
		gone := *s.Result
		gone.Status = "uninstalled"
		s.Result = &gone
	}
	if err != nil {
		return fmt.Errorf("the rollback failed too: %w", err)
	}
	return nil
}
