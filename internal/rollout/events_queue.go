package rollout

import (
	"sort"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
)

// Event printing costs what changed, not what is cached (issue 15: walking every cached event
// of the namespace at each evaluation was a third of the CPU left at 500 pods).
//
// The events informer's handlers put each event added, updated or deleted into the nsWatch's
// eventQueue; a flush takes the queue and looks only at those. An event whose object is not
// tracked (yet) is kept in pendingEvents under its object's UID and name, and looked at again
// only when a tracked resource or pod has that UID or name: an event that arrived before its pod
// became tracked is printed when it does, as when every flush walked the whole cache.

// eventQueue holds the events changed since the last flush, by store key, in arrival order.
type eventQueue struct {
	mu    sync.Mutex
	order []string
	items map[string]*corev1.Event // the latest version; nil: deleted
}

type queuedEvent struct {
	key string
	ev  *corev1.Event // nil: deleted
}

// put records an event of the informer (a cache.DeletedFinalStateUnknown too) as changed.
func (q *eventQueue) put(obj any, deleted bool) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		return
	}
	ev, _ := obj.(*corev1.Event)
	if deleted {
		ev = nil
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.items == nil {
		q.items = map[string]*corev1.Event{}
	}
	if _, queued := q.items[key]; !queued {
		q.order = append(q.order, key)
	}
	q.items[key] = ev
}

// take returns the changed events in arrival order and empties the queue.
func (q *eventQueue) take() []queuedEvent {
	q.mu.Lock()
	order, items := q.order, q.items
	q.order, q.items = nil, nil
	q.mu.Unlock()
	out := make([]queuedEvent, 0, len(order))
	for _, key := range order {
		out = append(out, queuedEvent{key, items[key]})
	}
	return out
}

// handler feeds the queue from the events informer, then notifies the run: the evaluation it
// triggers finds the event queued.
func (q *eventQueue) handler(notify func()) cache.ResourceEventHandlerFuncs {
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { q.put(obj, false); notify() },
		UpdateFunc: func(_, obj any) { q.put(obj, false); notify() },
		DeleteFunc: func(obj any) { q.put(obj, true); notify() },
	}
}

// pendingEvents are the events of objects not tracked when they were looked at, by store key and
// indexed by the two ways flush finds an event's target: its object's UID, else its namespace,
// kind and name.
type pendingEvents struct {
	byKey  map[string]pendingEvent
	byUID  map[types.UID]map[string]bool // object UID → store keys
	byName map[string]map[string]bool    // namespace/kind/name → store keys
}

type pendingEvent struct {
	key string // in the informer's store
	ns  string // of the nsWatch that holds it
	ev  *corev1.Event
}

func (p *pendingEvent) name() string {
	io := p.ev.InvolvedObject
	return p.ns + "/" + io.Kind + "/" + io.Name
}

func (p *pendingEvents) add(key, ns string, ev *corev1.Event) {
	if p.byKey == nil {
		p.byKey, p.byUID, p.byName = map[string]pendingEvent{}, map[types.UID]map[string]bool{}, map[string]map[string]bool{}
	}
	p.remove(key)
	pe := pendingEvent{key, ns, ev}
	p.byKey[key] = pe
	addSet(p.byName, pe.name(), key)
	uid := ev.InvolvedObject.UID
	if p.byUID[uid] == nil {
		p.byUID[uid] = map[string]bool{}
	}
	p.byUID[uid][key] = true
}

// remove takes an event out; ok is false when it was not pending.
func (p *pendingEvents) remove(key string) (pendingEvent, bool) {
	pe, ok := p.byKey[key]
	if !ok {
		return pe, false
	}
	delete(p.byKey, key)
	dropKey(p.byName, pe.name(), key)
	dropKey(p.byUID, pe.ev.InvolvedObject.UID, key)
	return pe, true
}

func dropKey[K comparable](m map[K]map[string]bool, ref K, key string) {
	if keys := m[ref]; keys != nil {
		delete(keys, key)
		if len(keys) == 0 {
			delete(m, ref)
		}
	}
}

// matching takes out and returns the pending events whose UID or object a tracked resource now
// has. It walks the smaller side, the objects of the pending events or the tracked references:
// never more than the tracked references, whatever the number of pending events.
func (p *pendingEvents) matching(byUID map[types.UID]*target, byName map[string]*target) []pendingEvent {
	if len(p.byKey) == 0 {
		return nil
	}
	keys := matchingKeys(p.byUID, byUID)
	keys = append(keys, matchingKeys(p.byName, byName)...)
	sort.Strings(keys) // a stable order among events of the same time
	var out []pendingEvent
	for _, key := range keys {
		if pe, ok := p.remove(key); ok {
			out = append(out, pe)
		}
	}
	return out
}

// matchingKeys returns the keys of pending under the references tracked has.
func matchingKeys[K comparable](pending map[K]map[string]bool, tracked map[K]*target) []string {
	var keys []string
	if len(pending) <= len(tracked) {
		for ref, ks := range pending {
			if tracked[ref] != nil {
				for key := range ks {
					keys = append(keys, key)
				}
			}
		}
		return keys
	}
	for ref := range tracked {
		for key := range pending[ref] {
			keys = append(keys, key)
		}
	}
	return keys
}
