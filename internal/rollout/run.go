package rollout

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// run is the state of one Wait.
type run struct {
	t       *Tracker
	ctx     context.Context
	start   time.Time
	targets []*target
	watch   map[string]*nsWatch // by namespace
	logs    *logFollower
	events  *eventPrinter

	minReady  time.Duration // the stabilisation window of this wait
	readyAt   time.Time
	restarts  map[string]int32 // "pod/container" → restarts when all became ready
	readyPods map[string]bool  // pods ready when all became ready

	progress     map[string]string
	lastProgress time.Time
}

// trackedKinds are the kinds Wait follows; other objects are ignored.
var trackedKinds = map[string]bool{"Deployment": true, "StatefulSet": true, "DaemonSet": true,
	"Job": true, "Pod": true, "PersistentVolumeClaim": true, "Service": true}

func newRun(t *Tracker, objs []runtime.Object) (*run, error) {
	r := &run{t: t, start: t.opts.Now(), watch: map[string]*nsWatch{}, progress: map[string]string{}, minReady: t.opts.MinReady}
	seen := map[string]bool{}
	for _, obj := range objs {
		if u, ok := obj.(*unstructured.Unstructured); ok {
			typed, err := fromUnstructured(u)
			if err != nil {
				return nil, err
			}
			obj = typed
		}
		acc, err := meta.Accessor(obj)
		if err != nil {
			continue
		}
		kind := kindOf(obj)
		if !trackedKinds[kind] {
			continue
		}
		if svc, ok := obj.(*corev1.Service); ok && svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
			continue
		}
		ns := acc.GetNamespace()
		if ns == "" {
			ns = t.opts.Namespace
		}
		tg := &target{kind: kind, name: acc.GetName(), ns: ns, res: resourceName(kind, acc.GetName())}
		tg.verdict = Verdict{State: Progressing, Reason: "Pending", Resource: tg.res, Message: "waiting for the first list from the API server"}
		if seen[ns+"/"+tg.res] {
			continue
		}
		seen[ns+"/"+tg.res] = true
		r.targets = append(r.targets, tg)
	}
	sort.SliceStable(r.targets, func(i, j int) bool { return r.targets[i].res < r.targets[j].res })
	return r, nil
}

// run starts the watches and evaluates the targets whenever something changes
// (and every tick, for time-based rules) until a verdict is reached.
func (r *run) run(parent context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithCancel(parent)
	if timeout > 0 {
		ctx, cancel = context.WithTimeout(parent, timeout)
	}
	defer cancel()
	r.ctx = ctx
	poke := make(chan struct{}, 1)
	notify := func() {
		select {
		case poke <- struct{}{}:
		default:
		}
	}
	fatal := make(chan error, 1)
	for _, tg := range r.targets {
		if r.watch[tg.ns] == nil {
			r.watch[tg.ns] = newNSWatch(r.t.opts.Clientset, tg.ns)
		}
		r.watch[tg.ns].want(tg.kind)
	}
	for _, w := range r.watch {
		w.start(ctx, notify, fatal, func(s string) { r.t.println("%s", s) })
	}
	defer func() {
		for _, w := range r.watch {
			w.stop()
		}
	}()
	r.logs = newLogFollower(ctx, r.t, r.start)
	defer r.logs.stop()
	r.events = newEventPrinter(r.t, r.start)

	ended := func() error {
		if parent.Err() != nil {
			return fmt.Errorf("rollout: %w", context.Cause(parent))
		}
		return r.timeoutError(timeout)
	}
	synced := make(chan error, 1)
	go func() {
		for _, w := range r.watch {
			if err := w.synced(ctx); err != nil {
				synced <- err
				return
			}
		}
		synced <- nil
	}()
	select {
	case <-ctx.Done():
		return ended()
	case err := <-fatal:
		return err
	case <-synced:
	}
	tick := time.NewTicker(r.t.tick)
	defer tick.Stop()
	for {
		if ctx.Err() != nil {
			return ended()
		}
		done, err := r.evaluate()
		if err != nil || done {
			return err
		}
		select {
		case <-ctx.Done():
			return ended()
		case err := <-fatal:
			return err
		case <-poke:
		case <-tick.C:
		}
	}
}

// evaluate judges every target once; it returns done when the rollout is
// finished (ready for MinReady) and a *FailureError when it failed.
func (r *run) evaluate() (bool, error) {
	now := r.t.opts.Now()
	copts := ClassifyOptions{UnschedulableGrace: r.t.opts.UnschedulableGrace}
	allReady := true
	for _, tg := range r.targets {
		w := r.watch[tg.ns]
		tg.evaluate(w, now, copts, r.t.opts.FailuresAllowed)
		r.logs.observe(tg)
		if tg.verdict.Failed() {
			r.events.flush(r.watch, r.targets, now)
			return true, r.failure(tg.verdict)
		}
		if tg.verdict.State != Ready {
			allReady = false
		}
	}
	if fail := r.events.flush(r.watch, r.targets, now); fail != nil {
		return true, r.failure(*fail)
	}
	r.printProgress(now, false)
	if !r.readyAt.IsZero() {
		if v, flapped := r.flapping(); flapped {
			return true, r.failure(v)
		}
	}
	if !allReady {
		return false, nil
	}
	if r.readyAt.IsZero() {
		r.readyAt = now
		r.restarts, r.readyPods = r.snapshot()
		if r.minReady > 0 {
			r.t.println("all %d resources ready; watching %s for stability", len(r.targets), r.minReady)
		}
	}
	if now.Sub(r.readyAt) < r.minReady {
		return false, nil
	}
	r.printProgress(now, true)
	r.t.println("rollout complete: %d resources ready", len(r.targets))
	return true, nil
}

// snapshot records the restart count of every container of every tracked
// pod, and which pods are ready.
func (r *run) snapshot() (map[string]int32, map[string]bool) {
	restarts, ready := map[string]int32{}, map[string]bool{}
	for _, tg := range r.targets {
		for _, p := range tg.pods {
			ready[p.Name] = podReady(p)
			for _, cs := range p.Status.ContainerStatuses {
				restarts[p.Name+"/"+cs.Name] = cs.RestartCount
			}
		}
	}
	return restarts, ready
}

// flapping fails the stabilisation window: a target that is no longer ready,
// or a container that restarted since everything became ready.
func (r *run) flapping() (Verdict, bool) {
	for _, tg := range r.targets {
		for _, p := range tg.pods {
			for _, cs := range p.Status.ContainerStatuses {
				before, ok := r.restarts[p.Name+"/"+cs.Name]
				if ok && cs.RestartCount > before {
					v := Verdict{State: Failed, Reason: "Flapping", Resource: tg.res, Pod: p.Name, Container: cs.Name,
						Restarts: cs.RestartCount, Definitive: true,
						Message: fmt.Sprintf("container restarted %d time(s) after the rollout was ready", cs.RestartCount-before)}
					if last := cs.LastTerminationState.Terminated; last != nil {
						v.ExitCode = int32Ptr(last.ExitCode)
						v.Message += "; last exit: " + terminatedMessage(last)
					}
					return v, true
				}
			}
		}
		for _, p := range tg.pods {
			if r.readyPods[p.Name] && !podReady(p) {
				return Verdict{State: Failed, Reason: "Flapping", Resource: tg.res, Pod: p.Name, Definitive: true,
					Message: fmt.Sprintf("pod %s turned NotReady after the rollout was ready", p.Name)}, true
			}
		}
		if tg.verdict.State != Ready {
			return Verdict{State: Failed, Reason: "Flapping", Resource: tg.res, Definitive: true,
				Message: "became not ready after the rollout was ready: " + tg.verdict.Message}, true
		}
	}
	return Verdict{}, false
}

// printProgress prints the status line of each target whose line changed,
// at most every ProgressEvery (force: now, e.g. at the end).
func (r *run) printProgress(now time.Time, force bool) {
	every := r.t.opts.ProgressEvery
	if !force && every > 0 && !r.lastProgress.IsZero() && now.Sub(r.lastProgress) < every {
		return
	}
	printed := false
	for _, tg := range r.targets {
		line := tg.statusLine()
		if r.progress[tg.res] == line {
			continue
		}
		r.progress[tg.res] = line
		r.t.println("%s", line)
		printed = true
	}
	if printed {
		r.lastProgress = now
	}
}

// maxBlockingPods bounds the pods a timeout verdict describes one by one.
const maxBlockingPods = 5

// blocking names what holds each not-ready pod of tg back, as the pod shows it now: the
// waiting reason and message of its containers (or its phase), so a timeout says why and not
// just "0/1 ready".
func (r *run) blocking(tg *target) string {
	copts := ClassifyOptions{UnschedulableGrace: r.t.opts.UnschedulableGrace}
	now := r.t.opts.Now()
	var parts []string
	more := 0
	for _, p := range tg.pods {
		if podReady(p) || p.DeletionTimestamp != nil {
			continue
		}
		if len(parts) == maxBlockingPods {
			more++
			continue
		}
		v := ClassifyPod(p, now, copts)
		desc := fmt.Sprintf("pod %s %s", p.Name, v.Reason)
		if msg := podWaitingMessage(p); msg != "" {
			desc += ": " + msg
		} else if v.Message != "" {
			desc += ": " + v.Message
		}
		parts = append(parts, desc)
	}
	if more > 0 {
		parts = append(parts, fmt.Sprintf("and %d more not-ready pods", more))
	}
	return strings.Join(parts, "; ")
}

func (r *run) timeoutError(timeout time.Duration) error {
	for _, tg := range r.targets {
		if tg.verdict.State != Ready {
			v := tg.verdict
			v.State, v.Reason, v.Definitive = Failed, "Timeout", true
			v.Resource = tg.res
			v.Message = fmt.Sprintf("not ready after %s: %s", timeout, orDefault(tg.verdict.Message, tg.verdict.Reason))
			if b := r.blocking(tg); b != "" {
				v.Message += "; " + b
			}
			return r.failure(v)
		}
	}
	v := Verdict{State: Failed, Reason: "Timeout", Definitive: true,
		Message: fmt.Sprintf("the %s stabilisation window did not finish within %s", r.minReady, timeout)}
	if len(r.targets) > 0 {
		v.Resource = r.targets[0].res
	}
	return r.failure(v)
}
