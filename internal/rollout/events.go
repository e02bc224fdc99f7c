package rollout

import (
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// eventHistorySlack: events last seen up to this long before Wait started are
// still printed (Helm applies the manifest just before it calls Wait, and the
// first ScalingReplicaSet/Scheduled events happen in between). Older events
// are history and are not replayed.
const eventHistorySlack = 5 * time.Second

// maxKeptWarnings bounds the Warning events kept for the failure report.
const maxKeptWarnings = 50

type keptEvent struct {
	target string // the tracked resource it belongs to
	line   string
}

// eventPrinter prints the new events of the tracked objects and their pods,
// within the budget of events_budget.go. It looks only at the events changed since its last
// flush and at the pending ones whose object became tracked (events_queue.go).
type eventPrinter struct {
	t       *Tracker
	start   time.Time
	kept    []keptEvent
	budget  *eventBudget
	pending pendingEvents
	// examined counts the events flush looked at (matched against the targets): what changed,
	// not what is cached.
	examined int
	// byUID and byName find an event's target; kept from one flush to the next, cleared and
	// filled again (growing them anew cost more than the rest of a flush).
	byUID  map[types.UID]*target
	byName map[string]*target
}

func newEventPrinter(t *Tracker, start time.Time) *eventPrinter {
	return &eventPrinter{t: t, start: start, budget: newEventBudget(start), byUID: map[types.UID]*target{}, byName: map[string]*target{}}
}

func eventTime(ev *corev1.Event) time.Time {
	switch {
	case ev.Series != nil && !ev.Series.LastObservedTime.IsZero():
		return ev.Series.LastObservedTime.Time
	case !ev.LastTimestamp.IsZero():
		return ev.LastTimestamp.Time
	case !ev.EventTime.IsZero():
		return ev.EventTime.Time
	case !ev.FirstTimestamp.IsZero():
		return ev.FirstTimestamp.Time
	}
	return ev.CreationTimestamp.Time
}

func eventCount(ev *corev1.Event) int32 {
	if ev.Series != nil && ev.Series.Count > 0 {
		return ev.Series.Count
	}
	return max(ev.Count, 1)
}

// flush prints events not printed before (deduplicated by event UID and
// count; the dedup survives across Waits of the same Tracker), Warning ones
// also as ::warning annotations, or counts them for a summary line when they
// flood (eventBudget), and prints the summary when it is due. It returns a failure when a FailedCreate
// event of a controller used up its target's allowance.
//
// It looks at the events added or updated since the last flush, and at those of objects that
// were not tracked then and are now; an event of an object not tracked stays pending until its
// object is (a pod listed after its first events), unless it is older than the Wait's history.
func (e *eventPrinter) flush(watch map[string]*nsWatch, targets []*target, now time.Time) *Verdict {
	byUID, byName := e.byUID, e.byName
	clear(byUID)
	clear(byName)
	for _, tg := range targets {
		for _, uid := range tg.owners {
			byUID[uid] = tg
		}
		for _, p := range tg.pods {
			byUID[p.UID] = tg
		}
		byName[tg.ns+"/"+tg.kind+"/"+tg.name] = tg
	}
	type item struct {
		ev *corev1.Event
		tg *target
		at time.Time
	}
	history := e.start.Add(-eventHistorySlack)
	var fresh []item
	consider := func(ns, key string, ev *corev1.Event) {
		e.examined++
		io := ev.InvolvedObject
		tg := byUID[io.UID]
		if tg == nil {
			tg = byName[ns+"/"+io.Kind+"/"+io.Name]
		}
		if tg == nil {
			if !eventTime(ev).Before(history) { // history is never printed, tracked or not
				e.pending.add(key, ns, ev)
			}
			return
		}
		if e.t.eventSeen(fmt.Sprintf("%s/%d", ev.UID, eventCount(ev))) {
			return
		}
		at := eventTime(ev)
		if at.Before(history) {
			return
		}
		fresh = append(fresh, item{ev, tg, at})
	}
	for ns, w := range watch {
		for _, q := range w.events.take() {
			e.pending.remove(q.key) // its older version
			if q.ev != nil {
				consider(ns, q.key, q.ev)
			}
		}
	}
	for _, pe := range e.pending.matching(byUID, byName) {
		consider(pe.ns, pe.key, pe.ev)
	}
	sort.SliceStable(fresh, func(i, j int) bool { return fresh[i].at.Before(fresh[j].at) })
	var fail *Verdict
	for _, it := range fresh {
		ev, io := it.ev, it.ev.InvolvedObject
		obj := resourceName(io.Kind, io.Name)
		age := max(now.Sub(it.at), 0).Round(time.Second)
		msg := strings.Join(strings.Fields(ev.Message), " ")
		line := fmt.Sprintf("event %s %s %s (%s ago): %s", obj, ev.Type, ev.Reason, age, msg)
		if n := eventCount(ev); n > 1 {
			line = fmt.Sprintf("event %s %s %s (x%d, %s ago): %s", obj, ev.Type, ev.Reason, n, age, msg)
		}
		warning := ev.Type == corev1.EventTypeWarning
		if e.budget.admit(warning, ev.Reason, obj, now) {
			e.t.println("%s", line)
			e.t.count(func(s *Stats) { s.EventsPrinted++ })
			if warning {
				e.annotate(obj, ev.Reason, eventCount(ev), msg)
			}
		} else {
			e.t.count(func(s *Stats) { s.EventsSummarised++ })
		}
		if !warning {
			continue
		}
		e.kept = append(e.kept, keptEvent{target: it.tg.res, line: line})
		if len(e.kept) > maxKeptWarnings {
			e.kept = e.kept[1:]
		}
		if fail == nil && ev.Reason == "FailedCreate" && controllerKinds[io.Kind] && it.tg.budget != nil {
			v := Verdict{State: Failed, Reason: "FailedCreate", Resource: it.tg.res, Restarts: eventCount(ev),
				Message: fmt.Sprintf("%s: %s", obj, msg)}
			if it.tg.budget.Observe(v) {
				v.Message = fmt.Sprintf("%s (%d transient failures, %d allowed)", v.Message, it.tg.budget.Used(), it.tg.budget.Allowed())
				fail = &v
			}
		}
	}
	e.printSummary(now, false)
	return fail
}

// finish prints the summary of the events held back, at the end of the Wait.
func (e *eventPrinter) finish(now time.Time) { e.printSummary(now, true) }

func (e *eventPrinter) printSummary(now time.Time, final bool) {
	for _, line := range e.budget.summary(now, final) {
		e.t.println("%s", line)
	}
}

// MaxWarningAnnotations bounds the ::warning annotations of Kubernetes events per run: GitHub
// shows 10 warnings per step, and the failure's ::error must stay visible. Every event is in
// the log anyway.
const MaxWarningAnnotations = 5

// annotate issues one ::warning per object and reason per run (a later increment of the same
// event's count, or another event of the same reason on the object, only goes to the log), at
// most MaxWarningAnnotations, then says once that the rest are in the log.
func (e *eventPrinter) annotate(obj, reason string, count int32, msg string) {
	t := e.t
	t.seenMu.Lock()
	key := obj + "|" + reason
	first := !t.annotated[key]
	t.annotated[key] = true
	n := len(t.annotated)
	t.seenMu.Unlock()
	switch {
	case !first:
	case n <= MaxWarningAnnotations:
		if count > 1 {
			msg = fmt.Sprintf("(x%d) %s", count, msg)
		}
		t.command("::warning title=%s::%s", escapeProperty(reason+" on "+obj), escapeData(msg))
	case n == MaxWarningAnnotations+1:
		t.command("::notice title=More Kubernetes warnings::%s", escapeData(fmt.Sprintf(
			"more than %d objects had warning events; the rest are in this step's log only", MaxWarningAnnotations)))
	}
}

// controllerKinds create pods; their FailedCreate events (quota, admission)
// count as failures.
var controllerKinds = map[string]bool{"ReplicaSet": true, "StatefulSet": true, "DaemonSet": true, "Job": true}

// warningsFor returns the kept Warning event lines of one tracked resource
// (all kept ones when it has none), the newest last, at most n.
func (e *eventPrinter) warningsFor(res string, n int) []string {
	var out []string
	for _, k := range e.kept {
		if k.target == res {
			out = append(out, k.line)
		}
	}
	if len(out) == 0 {
		for _, k := range e.kept {
			out = append(out, k.line)
		}
	}
	if len(out) > n {
		out = out[len(out)-n:]
	}
	return out
}

// escapeData escapes a workflow command's message.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command property value (title=...).
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
