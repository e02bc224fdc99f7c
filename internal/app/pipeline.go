// Package app runs the action: a pipeline of small named steps over one State, and finalizers
// that always run (final deployment status, outputs, summary, lock release). It is the only
// package that knows every leaf; it converts one step's result into the next one's input.
package app

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Step is one named stage of a run. String is its log-group title.
type Step interface {
	String() string
	Run(ctx context.Context, s *State) error
}

// ErrCancelled marks a run stopped by a signal (the runner's cancel) or a cancelled context.
var ErrCancelled = errors.New("the run was cancelled")

// FinalizerTimeout bounds all finalizers together, so a cancelled run still exits in time.
const FinalizerTimeout = 4 * time.Second

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
	for _, st := range p.Steps {
		if err := ctx.Err(); err != nil {
			s.Err = fmt.Errorf("%w before %q: %w", ErrCancelled, st.String(), context.Cause(ctx))
			break
		}
		if err := p.runOne(ctx, s, st, now); err != nil {
			if ctx.Err() != nil && !errors.Is(err, ErrCancelled) {
				err = fmt.Errorf("%w during %q: %w", ErrCancelled, st.String(), err)
			}
			s.Err = err
			break
		}
	}
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), FinalizerTimeout)
	defer cancel()
	var ferrs []error
	for _, st := range p.Finalizers {
		if err := p.runOne(fctx, s, st, now); err != nil {
			ferrs = append(ferrs, fmt.Errorf("%s: %w", st, err))
		}
	}
	if s.Err != nil {
		return s.Err
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
		s.Steps = append(s.Steps, StepRecord{Name: st.String(), Duration: d, Err: err})
		status := "done"
		if err != nil {
			status = "failed"
		}
		s.Log.Infof("%s in %s", status, d.Round(time.Millisecond))
		s.Log.EndGroup()
	}()
	return st.Run(ctx, s)
}
