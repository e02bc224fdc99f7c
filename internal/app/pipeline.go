// Package app runs the action: a pipeline of small named steps over one State, and finalizers
// that always run (final deployment status, outputs, summary, lock release). It is the only
// package that knows every leaf; it converts one step's result into the next one's input.
package app

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"
)

// Step is one named stage of a run. String is its log-group title.
type Step interface {
	String() string
	Run(ctx context.Context, s *State) error
}

// errDone ends a pipeline's steps early with success: the task has nothing (more) to do.
var errDone = errors.New("nothing more to do")

// ErrCancelled marks a run stopped by a signal (the runner's cancel) or a cancelled context.
var ErrCancelled = errors.New("the run was cancelled")

// CancelBudget is the one deadline of a cancelled run: the runner sends SIGINT, then SIGTERM
// 7.5 s later, then kills; everything after the signal (rollback, outputs, summary, lock,
// GitHub) shares the time up to CancelBudget after it.
const CancelBudget = 6500 * time.Millisecond

// FinalizerTimeout bounds the finalizers of a run that was not cancelled, on top of the
// rollback's own wait (bounded by the deploy timeout).
const FinalizerTimeout = 2 * time.Minute

// cancelRanker orders finalizers after a cancel: lower first. The rollback (0) decides from the
// time left; local, cheap finalizers (outputs, summary: 1) come before those that call the API
// server or GitHub (2), which get whatever remains.
type cancelRanker interface{ cancelRank() int }

func cancelRank(st Step) int {
	if r, ok := st.(cancelRanker); ok {
		return r.cancelRank()
	}
	return 2
}

// Pipeline runs Steps in order until one fails, then every Finalizer, whatever happened.
type Pipeline struct {
	Steps      []Step
	Finalizers []Step
	Now        func() time.Time
}

// Run executes the pipeline and returns the first step error (finalizer errors are logged and
// joined only when no step failed).
func (p Pipeline) Run(ctx context.Context, s *State) error {
	now := p.Now
	if now == nil {
		now = time.Now
	}
	if s.cancelled == nil {
		s.cancelled = &cancelClock{}
	}
	stop := context.AfterFunc(ctx, func() { s.cancelled.mark(now()) })
	defer stop()
	for _, st := range p.Steps {
		if err := ctx.Err(); err != nil {
			s.Err = fmt.Errorf("%w before %q: %w", ErrCancelled, st.String(), context.Cause(ctx))
			break
		}
		if err := p.runOne(ctx, s, st, now); err != nil {
			if errors.Is(err, errDone) {
				break // the task's work is done (e.g. nothing to uninstall): skip the rest
			}
			if ctx.Err() != nil && !errors.Is(err, ErrCancelled) {
				err = fmt.Errorf("%w during %q: %w", ErrCancelled, st.String(), err)
			}
			s.Err = err
			break
		}
	}

	// The outcome and the run's error are decided here, once: the finalizers read them.
	s.Outcome = s.outcome()
	stepsErr := s.Err

	// The finalizers run on a context of their own. After a cancel they share one deadline,
	// CancelBudget after the signal, and run in cancel order; a cancel that arrives while
	// they run ends their context at that deadline.
	finalizers := p.Finalizers
	base := context.WithoutCancel(ctx)
	var fctx context.Context
	var fcancel context.CancelFunc
	soft, softCancel := context.WithCancel(base)
	defer softCancel()
	s.soft = soft
	if ctx.Err() != nil {
		softCancel()
		cancelledAt := s.cancelled.mark(now()) // AfterFunc may not have run yet
		fctx, fcancel = context.WithDeadline(base, cancelledAt.Add(CancelBudget))
		finalizers = append([]Step(nil), finalizers...)
		sort.SliceStable(finalizers, func(i, j int) bool { return cancelRank(finalizers[i]) < cancelRank(finalizers[j]) })
	} else {
		fctx, fcancel = context.WithTimeout(base, FinalizerTimeout+s.deployTimeout())
		late := context.AfterFunc(ctx, func() {
			softCancel()
			time.AfterFunc(CancelBudget, fcancel)
		})
		defer late()
	}
	defer fcancel()
	var ferrs []error
	for _, st := range finalizers {
		if err := p.runOne(fctx, s, st, now); err != nil {
			ferrs = append(ferrs, fmt.Errorf("%s: %w", st, err))
		}
	}
	if stepsErr != nil {
		return stepsErr
	}
	return errors.Join(ferrs...)
}

func (p Pipeline) runOne(ctx context.Context, s *State, st Step, now func() time.Time) (err error) {
	start := now()
	s.Log.Group(st.String())
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error in %q: %v", st.String(), r)
		}
		d := now().Sub(start)
		rec := StepRecord{Name: st.String(), Duration: d, Err: err}
		if errors.Is(err, errDone) {
			rec.Err = nil
		}
		s.Steps = append(s.Steps, rec)
		status := "done"
		if err != nil && !errors.Is(err, errDone) {
			status = "failed"
		}
		s.Log.Infof("%s in %s", status, d.Round(time.Millisecond))
		s.Log.EndGroup()
	}()
	return st.Run(ctx, s)
}
