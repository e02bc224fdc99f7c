package rollout

import (
	"context"
	"fmt"
	"sort"
	"time"

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

func newRun(t *Tracker, objs []runtime.Object) (*run, error) {
	r := &run{t: t, start: t.opts.Now(), watch: map[string]*nsWatch{}, progress: map[string]string{}, minReady: t.opts.MinReady}
	seen := map[string]bool{}
	for _, obj := range objs {
		tg, err := t.newTarget(obj)
		if err != nil {
			return nil, err
		}
		if tg == nil || seen[tg.ns+"/"+tg.watchKey+"/"+tg.name] {
			continue
		}
		seen[tg.ns+"/"+tg.watchKey+"/"+tg.name] = true
		tg.verdict = Verdict{State: Progressing, Reason: "Pending", Resource: tg.res, Message: "waiting for the first list from the API server"}
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
		w := r.watch[tg.ns]
		if w == nil {
			w = newNSWatch(r.t.opts.Clientset, r.t.opts.Dynamic, tg.ns)
			r.watch[tg.ns] = w
		}
		if tg.class == classStatus {
			w.wantResource(tg.gvr)
		} else {
			w.want(tg.kind)
		}
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
	defer func() { r.events.finish(r.t.opts.Now()) }()

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
		evaluated := time.Now()
		done, err := r.evaluate()
		if err != nil || done {
			return err
		}
		if wait := r.t.minEval - time.Since(evaluated); wait > 0 {
			// Let a burst of watch events pile up: the next evaluation sees all of them.
			pause := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				pause.Stop()
				return ended()
			case err := <-fatal:
				pause.Stop()
				return err
			case <-pause.C:
			}
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
	r.logs.note()
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
		// Past flapping, only a kstatus target can be not ready: a controller may report its
		// first status (Ready=False, observedGeneration) after kstatus called the object
		// Current, when it had none yet. That restarts the window instead of failing it.
		r.readyAt = time.Time{}
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
// or a container that restarted since everything became ready. kstatus targets
// are left out (see evaluate): only their own Failed status fails them.
func (r *run) flapping() (Verdict, bool) {
	for _, tg := range r.targets {
		if tg.class == classStatus {
			continue
		}
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
