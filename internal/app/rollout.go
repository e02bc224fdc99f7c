package app

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/release"
	"github.com/helmdeploy/helm-deploy-action/internal/rollout"
	"k8s.io/apimachinery/pkg/runtime"
)

// tracking adapts the run's one rollout tracker to release.Waiter for every wait of the run:
// the deploy's, its hook Jobs', the rollback's and (release.DeleteWaiter) Helm's waits for
// deletions (events are printed once across them). It keeps the first failure: the rollback
// waits again, and that must not hide why the deploy failed.
type waiter interface {
	Wait(ctx context.Context, objs []runtime.Object, timeout time.Duration) error
}

type tracking struct {
	t     waiter
	mu    sync.Mutex
	first *rollout.FailureError
	waits int
}

func (w *tracking) Wait(ctx context.Context, objs []runtime.Object, timeout time.Duration) error {
	w.mu.Lock()
	w.waits++
	if w.first != nil || release.IsRollbackWait(ctx) || release.IsHookWait(ctx) {
		ctx = rollout.WithoutStabilisation(ctx) // hooks complete, rollbacks restore
	}
	if release.IsHookWait(ctx) {
		ctx = rollout.WithCompletion(ctx) // a hook Pod must have Succeeded, not just be Ready
	}
	w.mu.Unlock()
	err := w.t.Wait(ctx, objs, timeout)
	w.keep(err)
	return err
}

// deleteWaiter is the tracker's wait for deletions (rollout.Tracker.WaitDeleted).
type deleteWaiter interface {
	WaitDeleted(ctx context.Context, objs []runtime.Object, timeout time.Duration) error
}

var (
	_ release.DeleteWaiter = (*tracking)(nil)
	_ deleteWaiter         = (*rollout.Tracker)(nil)
)

// WaitDeleted passes Helm's waits for deletions (hooks deleted by their delete policy, an
// uninstall's objects) to the tracker as they are; a diagnosis is kept like a rollout's.
func (w *tracking) WaitDeleted(ctx context.Context, objs []runtime.Object, timeout time.Duration) error {
	d, ok := w.t.(deleteWaiter)
	if !ok {
		return fmt.Errorf("wait for deletions: %w", errors.ErrUnsupported)
	}
	err := d.WaitDeleted(ctx, objs, timeout)
	w.keep(err)
	return err
}

// keep records the first diagnosis of the run.
func (w *tracking) keep(err error) {
	var fe *rollout.FailureError
	if errors.As(err, &fe) {
		w.mu.Lock()
		if w.first == nil {
			w.first = fe
		}
		w.mu.Unlock()
	}
}

func (w *tracking) failure() *rollout.FailureError {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.first
}

// newTracking builds the rollout tracker from the inputs.
func newTracking(s *State) *tracking {
	r := s.Config.Rollout
	allowed := r.FailuresAllowed
	if allowed == 0 {
		allowed = -1 // the input's 0 means no allowance; the tracker's 0 means its default
	}
	opts := rollout.Options{
		Clientset:         s.Cluster.Kube.Clientset,
		Namespace:         s.Config.Namespace,
		FailuresAllowed:   allowed,
		MinReady:          r.MinReady,
		Logs:              r.Logs,
		LogContainers:     r.LogContainers,
		LogLinesOnFailure: r.LogLinesOnFailure,
		MaxLogStreams:     r.MaxLogStreams,
		Out:               s.Log.Writer(),
		Mask:              s.Log.Redact,
		Now:               s.Now,
		Dynamic:           s.Cluster.Kube.Dynamic,
	}
	if m, err := s.Cluster.Kube.Getter.ToRESTMapper(); err == nil {
		opts.RESTMapper = m
	}
	t := rollout.New(opts)
	s.trackerStats = t.Stats
	return &tracking{t: t}
}

// lint prints rollout-safety warnings for the rendered manifest, before anything is applied.
func lint(s *State) func(manifest string) {
	return func(manifest string) {
		for _, w := range rollout.Lint(manifest) {
			s.Log.Command(w.Annotation())
			s.Warnings = append(s.Warnings, s.Log.Redact(fmt.Sprintf("%s: %s", w.Resource, w.Message)))
		}
	}
}

// diagnose copies the rollout's diagnosis into the state for the summary and outputs, and
// prints its ::error annotation once.
func diagnose(s *State, w *tracking) {
	fe := w.failure()
	if fe == nil {
		return
	}
	s.Deploy.Failure = fe
	s.Log.Command(fe.Annotation())
}
