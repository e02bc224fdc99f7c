package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/release"
	"github.com/helmdeploy/helm-deploy-action/internal/report"
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

// remedy is what the Roll back finalizer decided.
type remedy struct {
	act  bool   // roll back (or remove a failed first install)
	wait bool   // and watch the previous revision come back
	why  string // said in the log: why nothing is done, or how it is done
	warn bool   // why is a warning
}

// remedyInput is everything the decision reads: the run's outcome, how far the deploy got,
// and the time left after a cancel. No nil field stands for a state.
type remedyInput struct {
	outcome          string // report.Succeeded, Failed, Cancelled, DryRun
	phase            DeployPhase
	atomic, wait     bool
	dryRun           bool
	helmNotStarted   bool          // the deploy failed with release.ErrPending: Helm did not start
	lockLost         bool          // the Lease was taken over or deleted during the run
	cancelled        bool          // the run was cancelled
	left             time.Duration // time to the finalizers' deadline (cancelled runs)
	hasDeadlineAfter bool          // left is meaningful
}

// decideRemedy is the Roll back finalizer's decision.
func decideRemedy(in remedyInput) remedy {
	switch {
	case in.outcome == report.Succeeded || in.outcome == report.DryRun || in.outcome == "" || in.dryRun:
		return remedy{why: "nothing to roll back"}
	case in.phase == NotDeployed:
		return remedy{why: "nothing to roll back: the deploy never started"}
	case in.phase == HelmBusy:
		return remedy{why: "Helm was still applying when the run was cancelled: no rollback; the next run recovers the release", warn: true}
	case in.helmNotStarted:
		return remedy{why: "nothing to roll back: Helm did not start"}
	case !in.atomic:
		return remedy{why: "atomic is false: the failed revision stays as it is"}
	case in.lockLost:
		// Another run may hold the lock now: writing would race with it.
		return remedy{why: "the release lock was lost: the release is left to the run that holds it (its recovery handles it)", warn: true}
	case in.cancelled && in.hasDeadlineAfter && in.left < minCancelledRollback:
		return remedy{why: fmt.Sprintf("the run was cancelled with %s left: no rollback; the next run finds the failed revision and deploys or recovers",
			in.left.Round(100*time.Millisecond)), warn: true}
	case in.cancelled:
		return remedy{act: true, why: "the run was cancelled: rolling back without waiting (no time to watch the old pods come back)"}
	}
	return remedy{act: true, wait: in.wait}
}

func (rollBack) Run(ctx context.Context, s *State) error {
	c := s.Config
	in := remedyInput{outcome: s.Outcome, phase: s.Deploy.Phase, cancelled: !s.cancelled.get().IsZero(),
		helmNotStarted: errors.Is(s.Err, release.ErrPending), lockLost: s.Lock.Held != nil && s.Lock.Held.Err() != nil}
	if c != nil {
		in.atomic, in.wait = c.Atomic, c.Wait && s.tracking != nil
		in.dryRun = c.DryRun
	}
	timeout := s.deployTimeout()
	if s.soft != nil {
		// A cancel that arrives during the rollback ends its wait at once: the lock release
		// and the final status need the time left.
		var stop context.CancelFunc
		ctx, stop = context.WithCancel(ctx)
		defer stop()
		defer context.AfterFunc(s.soft, stop)()
	}
	if dl, ok := ctx.Deadline(); ok {
		in.left, in.hasDeadlineAfter = time.Until(dl), true
		timeout = min(timeout, in.left)
	}
	d := decideRemedy(in)
	switch {
	case !d.act && d.warn:
		s.Log.Warningf("%s", d.why)
		return nil
	case !d.act:
		s.Log.Infof("%s", d.why)
		return nil
	case d.why != "":
		s.Log.Infof("%s", d.why)
	}
	wait := d.wait
	opts := release.RemediateOptions{
		Release: c.Release, Wait: wait, Timeout: timeout,
		CleanupOnFail: c.CleanupOnFail, HistoryMax: c.HistoryMax,
	}
	if wait {
		opts.Waiter = s.tracking
	}
	rem, res, err := s.Cluster.Deployer.Remediate(ctx, opts)
	if rem != nil {
		s.Deploy.Remediation = rem
		s.Log.Infof("%s", rem)
	}
	switch {
	case res != nil:
		s.Release.After = res
	case rem != nil && rem.Action == "uninstalled" && s.Release.After != nil:
		gone := *s.Release.After
		gone.Status = "uninstalled"
		s.Release.After = &gone
	}
	if err != nil {
		return fmt.Errorf("the rollback failed too: %w", err)
	}
	return nil
}
