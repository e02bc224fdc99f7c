package rollout

import (
	"context"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

// doomed is one object a deletion wait waits for.
type doomed struct {
	tg      *target // kind, name, namespace, informer key; owners once seen (its events)
	gone    bool
	last    Lingering // why it was still present at the last look
	printed string    // the reason last printed
}

// deletion is the state of one WaitDeleted.
type deletion struct {
	t         *Tracker
	start     time.Time
	items     []*doomed
	watch     map[string]*nsWatch
	events    *eventPrinter
	synced    bool // the first lists arrived: the caches say what is present
	announced bool
}

// deletionTitle is the annotation title of a deletion that did not complete.
const deletionTitle = "Deletion did not complete"

// WaitDeleted waits until every object of objs is gone from the cluster (Helm's WaitForDelete:
// hooks deleted before they are created again or after they succeeded, an uninstall with
// wait), the timeout passes (timeout <= 0: none) or ctx ends. It follows them through one
// dynamic informer per resource and namespace and prints their events; an object still present
// after a moment gets a line saying why (ClassifyDeletion), again whenever that changes.
//
// On timeout it returns a *FailureError naming the first object still present with why and
// what to do, and prints the same diagnosis for every other one; on cancellation it prints that
// diagnosis and returns ctx's cause. Objects gone at the first look print nothing.
func (t *Tracker) WaitDeleted(ctx context.Context, objs []runtime.Object, timeout time.Duration) error {
	if t.opts.Clientset == nil || t.opts.Dynamic == nil {
		return fmt.Errorf("%w (and a dynamic client) to wait for deletions", ErrNoClient)
	}
	d := &deletion{t: t, start: t.opts.Now(), watch: map[string]*nsWatch{}}
	seen := map[string]bool{}
	for _, obj := range objs {
		it := t.doomedOf(obj)
		if it == nil || seen[it.tg.ns+"/"+it.tg.watchKey+"/"+it.tg.name] {
			continue
		}
		seen[it.tg.ns+"/"+it.tg.watchKey+"/"+it.tg.name] = true
		d.items = append(d.items, it)
	}
	if len(d.items) == 0 {
		return nil
	}
	return d.run(ctx, timeout)
}

// doomedOf maps an object to its resource; nil when its kind no longer exists (it went with its
// CustomResourceDefinition) or cannot be mapped (said so).
func (t *Tracker) doomedOf(obj runtime.Object) *doomed {
	acc, err := meta.Accessor(obj)
	if err != nil {
		return nil
	}
	gvk, ok := gvkOf(obj)
	if !ok {
		return nil
	}
	res := resourceName(gvk.Kind, acc.GetName())
	rule, known := ruleFor(gvk.GroupKind())
	gvr, cluster, err := t.resolve(gvk, rule, known && rule.resource != "")
	if meta.IsNoMatchError(err) {
		return nil
	}
	if err != nil {
		t.println("%s: cannot wait for its deletion: %v", res, err)
		return nil
	}
	tg := &target{kind: gvk.Kind, name: acc.GetName(), ns: acc.GetNamespace(), res: res, gvr: gvr, watchKey: dynamicKey(gvr)}
	switch {
	case cluster:
		tg.ns = ""
	case tg.ns == "":
		tg.ns = t.opts.Namespace
	}
	return &doomed{tg: tg}
}

func (d *deletion) run(parent context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	if timeout > 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeout(ctx, timeout)
		defer stop()
	}
	t := d.t
	poke := make(chan struct{}, 1)
	notify := func() {
		select {
		case poke <- struct{}{}:
		default:
		}
	}
	for _, it := range d.items {
		w := d.watch[it.tg.ns]
		if w == nil {
			w = newNSWatch(t.opts.Clientset, t.opts.Dynamic, it.tg.ns)
			d.watch[it.tg.ns] = w
		}
		w.wantResource(it.tg.gvr)
	}
	// A refused resource is this wait's error (see evaluate), not the "ready once applied" of a
	// rollout: only the events' warning is printed as is.
	warn := func(s string) {
		if strings.HasPrefix(s, "events:") {
			t.println("%s", s)
		}
	}
	fatal := make(chan error, 1) // only typed kinds report there; events never do
	for _, w := range d.watch {
		w.start(ctx, notify, fatal, warn)
	}
	defer func() {
		for _, w := range d.watch {
			w.stop()
		}
	}()
	d.events = newEventPrinter(t, d.start)
	defer func() { d.events.finish(t.opts.Now()) }()
	for _, w := range d.watch {
		if err := w.synced(ctx); err != nil {
			return d.ended(parent, timeout)
		}
	}
	d.synced = true
	tick := time.NewTicker(t.tick) // time-based reasons: a pod's grace period ending
	defer tick.Stop()
	for {
		if ctx.Err() != nil {
			return d.ended(parent, timeout)
		}
		if done, err := d.evaluate(); done || err != nil {
			return err
		}
		select {
		case <-ctx.Done():
		case <-poke:
		case <-tick.C:
		}
	}
}

// evaluate looks at every object still expected to go; done when none is left.
func (d *deletion) evaluate() (bool, error) {
	t, now := d.t, d.t.opts.Now()
	var left []*doomed
	for _, it := range d.items {
		if it.gone {
			continue
		}
		w := d.watch[it.tg.ns]
		if err := w.refusal(it.tg.watchKey); err != nil {
			return true, fmt.Errorf("%w: %s to wait for the deletion of %s: %w", ErrWatch, it.tg.gvr.GroupResource(), it.tg.res, err)
		}
		obj, _ := w.get(it.tg.watchKey, it.tg.name)
		u, ok := obj.(*unstructured.Unstructured)
		if !ok {
			it.gone = true
			if d.announced {
				t.println("%s deleted", it.tg.res)
			}
			continue
		}
		if u.GetKind() == "" {
			u = u.DeepCopy()
			u.SetGroupVersionKind(it.tg.gvr.GroupVersion().WithKind(it.tg.kind))
		}
		if uid := u.GetUID(); uid != "" {
			it.tg.owners = []types.UID{uid}
		}
		it.last = ClassifyDeletion(u, now)
		left = append(left, it)
	}
	d.events.flush(d.watch, d.targets(), now)
	if len(left) == 0 {
		if d.announced {
			t.println("deletion complete: %d object(s) gone after %s", len(d.items), now.Sub(d.start).Round(10*time.Millisecond))
		}
		return true, nil
	}
	if !d.announced {
		d.announced = true
		t.println("waiting for %d object(s) to be deleted: %s", len(left), names(left))
	}
	for _, it := range left {
		if it.printed != it.last.Reason {
			it.printed = it.last.Reason
			t.println("%s still present: %s: %s", it.tg.res, it.last.Reason, it.last.Describe(now))
		}
	}
	return false, nil
}

// ended is the diagnosis of a wait that timed out or was cancelled, from a last look at the
// caches (a deletion that came with the deadline is not a failure).
func (d *deletion) ended(parent context.Context, timeout time.Duration) error {
	if d.synced {
		if done, err := d.evaluate(); err != nil || done && parent.Err() == nil {
			return err
		}
	}
	t, now := d.t, d.t.opts.Now()
	var left []*doomed
	for _, it := range d.items {
		if !it.gone && it.last.Reason != "" {
			left = append(left, it)
		}
	}
	if parent.Err() != nil {
		if len(left) > 0 {
			t.println("deletion wait cancelled after %s; still present: %s", now.Sub(d.start).Round(100*time.Millisecond), names(left))
			for _, it := range left {
				t.println("  %s: %s: %s", it.tg.res, it.last.Reason, it.last.Describe(now))
			}
		}
		return fmt.Errorf("wait for deletion: %w", context.Cause(parent))
	}
	if len(left) == 0 { // the first list never came
		return &FailureError{Title: deletionTitle, Verdict: Verdict{State: Failed, Reason: "Timeout", Definitive: true, Resource: d.items[0].tg.res,
			Message: fmt.Sprintf("could not list %s within %s to see whether it is deleted", d.items[0].tg.res, timeout)}}
	}
	first := left[0].last
	v := Verdict{State: Failed, Reason: first.Reason, Resource: first.Resource, Definitive: true,
		Message: fmt.Sprintf("not deleted after %s: %s", timeout, first.Describe(now))}
	if len(left) > 1 {
		v.Message += fmt.Sprintf("; %d more object(s) still present: %s", len(left)-1, names(left[1:]))
	}
	fe := &FailureError{Title: deletionTitle, Verdict: v, Events: d.events.warningsFor(first.Resource, maxFailureEvents)}
	for _, line := range strings.Split(fe.Error(), "\n") {
		t.println("%s", line)
	}
	if len(left) > 1 {
		t.println("also still present after %s:", timeout)
		for _, it := range left[1:] {
			t.println("  %s: %s: %s", it.tg.res, it.last.Reason, it.last.Describe(now))
		}
	}
	return fe
}

func (d *deletion) targets() []*target {
	out := make([]*target, 0, len(d.items))
	for _, it := range d.items {
		out = append(out, it.tg)
	}
	return out
}

func names(items []*doomed) string {
	var s []string
	for _, it := range items {
		s = append(s, it.tg.res)
	}
	return strings.Join(s, ", ")
}
