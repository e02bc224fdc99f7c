package rollout

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
)

// webTarget is deployment/web (new ReplicaSet rs2-uid) with the pods web-2-000… tracked.
func webTarget(pods int) *target {
	tg := &target{kind: "Deployment", name: "web", ns: ns, res: "deployment/web", owners: []types.UID{"dep-uid", "rs2-uid"}}
	for i := range pods {
		trackPod(tg, fmt.Sprintf("web-2-%03d", i))
	}
	return tg
}

func trackPod(tg *target, name string) {
	tg.pods = append(tg.pods, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: types.UID(name + "-uid")}})
}

func podEvent(name, pod, typ, reason string, count int32, at time.Time) *corev1.Event {
	return event(name, "Pod", pod, types.UID(pod+"-uid"), typ, reason, reason+" of "+pod, count, at)
}

// The cost of a flush follows what changed, not the cache: with 5,000 events cached, one new
// occurrence is one event looked at, nothing new is none, and a pod that becomes tracked brings
// only its own pending events.
func TestEventFlushLooksOnlyAtChangedEvents(t *testing.T) {
	const pods, cached = 500, 5000
	now := time.Now()
	out := &syncBuffer{}
	tr := New(Options{Out: out})
	w := newNSWatch(nil, nil, ns)
	watch := map[string]*nsWatch{ns: w}
	tg := webTarget(pods)
	untracked := 0
	for i := range cached {
		pod := fmt.Sprintf("web-2-%03d", i%pods)
		if i%5 == 4 {
			pod = fmt.Sprintf("web-1-%03d", i%pods) // the previous revision's pods: not tracked
			untracked++
		}
		w.events.put(podEvent(fmt.Sprintf("ev-%05d", i), pod, "Normal", "Pulled", 1, now), false)
	}
	e := newEventPrinter(tr, now)
	flush := func(what string, want int) {
		t.Helper()
		before := e.examined
		if v := e.flush(watch, []*target{tg}, now); v != nil {
			t.Fatalf("%s: verdict %+v", what, *v)
		}
		if got := e.examined - before; got != want {
			t.Errorf("%s: flush looked at %d events, want %d", what, got, want)
		}
	}
	flush("first flush: the whole list", cached)
	if st := tr.Stats(); st.EventsPrinted+st.EventsSummarised != cached-untracked || len(e.pending.byKey) != untracked {
		t.Fatalf("stats %+v, %d pending; want %d handled, %d pending", st, len(e.pending.byKey), cached-untracked, untracked)
	}
	flush("nothing changed", 0)

	w.events.put(podEvent("ev-00007", "web-2-007", "Warning", "Unhealthy", 2, now), false)
	flush("one new occurrence", 1)
	if !strings.Contains(out.String(), "event pod/web-2-007 Warning Unhealthy (x2, 0s ago): Unhealthy of web-2-007\n") {
		t.Errorf("the new occurrence is not printed:\n%s", out.String())
	}

	trackPod(tg, "web-1-004") // has 10 pending events (ev-00004, ev-00504, …)
	flush("a pod tracked now", cached/pods)
	flush("after it", 0)
	if st := tr.Stats(); st.EventsPrinted+st.EventsSummarised != cached-untracked+1+cached/pods {
		t.Errorf("stats %+v", st)
	}
}

// An event whose object is not tracked when it arrives is printed once the object is (a pod
// listed after its first events), in its latest version; one deleted in between, or older than
// the Wait's history, is not. Warnings printed that way are kept for the failure's diagnosis.
func TestEventFlushPendingUntilTracked(t *testing.T) {
	now := time.Now()
	out := &syncBuffer{}
	tr := New(Options{Out: out, Mask: func(s string) string { return strings.ReplaceAll(s, "hunter2", "***") }})
	w := newNSWatch(nil, nil, ns)
	watch := map[string]*nsWatch{ns: w}
	tg := webTarget(0)
	e := newEventPrinter(tr, now)
	flush := func() {
		t.Helper()
		if v := e.flush(watch, []*target{tg}, now); v != nil {
			t.Fatalf("verdict %+v", *v)
		}
	}
	w.events.put(podEvent("sched", "web-2-a", "Normal", "Scheduled", 1, now.Add(-time.Second)), false)
	w.events.put(podEvent("old", "web-2-a", "Normal", "Pulled", 1, now.Add(-time.Hour)), false)
	probe := podEvent("probe", "web-2-a", "Warning", "Unhealthy", 1, now)
	probe.Message = "password=hunter2"
	w.events.put(probe, false)
	w.events.put(podEvent("gone", "web-2-b", "Warning", "BackOff", 1, now), false)
	w.events.put(podEvent("never", "web-1-x", "Warning", "BackOff", 1, now), false)
	flush()
	if got := out.String(); got != "" {
		t.Fatalf("events of pods not tracked printed:\n%s", got)
	}
	probe = probe.DeepCopy()
	probe.Count = 3
	w.events.put(probe, false) // a new occurrence while still not tracked
	gone := podEvent("gone", "web-2-b", "Warning", "BackOff", 1, now)
	w.events.put(cache.DeletedFinalStateUnknown{Key: ns + "/gone", Obj: gone}, true)
	flush()

	trackPod(tg, "web-2-a")
	trackPod(tg, "web-2-b")
	flush()
	flush()
	got := out.String()
	countChecks(t, got, []textCount{
		{"pending event printed once tracked", "event pod/web-2-a Normal Scheduled (1s ago): Scheduled of web-2-a\n", 1},
		{"its latest version only, masked", "event pod/web-2-a Warning Unhealthy (x3, 0s ago): password=***\n", 1},
		{"one line per event", "event ", 2},
		{"history is not replayed", "Pulled", 0},
		{"an event deleted before its pod was tracked", "web-2-b", 0},
		{"an object never tracked", "web-1-x", 0},
		{"annotation with its count", "::warning title=Unhealthy on pod/web-2-a::(x3) password=***\n", 1},
	})
	if warns := e.warningsFor("deployment/web", maxFailureEvents); len(warns) != 1 || !strings.Contains(warns[0], "Unhealthy (x3,") {
		t.Errorf("warnings for the diagnosis: %q", warns)
	}
	if len(e.pending.byKey) != 1 || len(e.pending.byUID)+len(e.pending.byName) != 2 {
		t.Errorf("pending %d events under %d references, want the untracked pod's one under 2", len(e.pending.byKey), len(e.pending.byUID)+len(e.pending.byName))
	}

	// The next Wait of the same Tracker (the rollback's) lists the same events: nothing again.
	w2 := newNSWatch(nil, nil, ns)
	w2.events.put(podEvent("sched", "web-2-a", "Normal", "Scheduled", 1, now.Add(-time.Second)), false)
	w2.events.put(probe, false)
	e2 := newEventPrinter(tr, now)
	e2.flush(map[string]*nsWatch{ns: w2}, []*target{tg}, now)
	if again := strings.TrimPrefix(out.String(), got); again != "" {
		t.Errorf("printed again by the next Wait:\n%s", again)
	}
}

// Through the informer: an event that arrives before its pod is printed when the pod appears, and
// its warning is in the failure's diagnosis; one deleted before is not.
func TestWaitEventBeforeItsPod(t *testing.T) {
	c := newCluster(t, 2)
	now := time.Now()
	ch := wait(context.Background(), c.tracker(nil), manifestObjs(t), time.Minute)
	c.apply(podEvent("early", "web-2-a", "Warning", "BackOff", 2, now))
	c.apply(podEvent("deleted", "web-2-b", "Warning", "FailedMount", 1, now))
	c.apply(event("mark-1", "Deployment", "web", "dep-uid", "Normal", "ScalingReplicaSet", "marker one", 1, now))
	eventually(t, "events before their pods handled", func() bool { return strings.Contains(c.out.String(), "marker one") })
	if strings.Contains(c.out.String(), "pod/") {
		t.Fatalf("event of a pod not tracked printed:\n%s", c.out.String())
	}
	if err := c.cs.CoreV1().Events(ns).Delete(context.Background(), "deleted", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	c.apply(event("mark-2", "Deployment", "web", "dep-uid", "Normal", "ScalingReplicaSet", "marker two", 1, now))
	eventually(t, "deletion handled", func() bool { return strings.Contains(c.out.String(), "marker two") })
	// web-2-b first: the evaluation that fails on web-2-a tracks both.
	c.apply(c.pod("web-2-b", "rs2-uid", false, 0, running))
	c.apply(c.pod("web-2-a", "rs2-uid", false, 2, crashLoop))
	fe := mustFailure(t, result(t, ch, 2*time.Second))
	if fe.Verdict.Reason != "CrashLoopBackOff" || fe.Verdict.Pod != "web-2-a" {
		t.Fatalf("verdict %+v", fe.Verdict)
	}
	if len(fe.Events) != 1 || !strings.Contains(fe.Events[0], "event pod/web-2-a Warning BackOff (x2, ") {
		t.Errorf("diagnosis events %q", fe.Events)
	}
	countChecks(t, c.out.String(), []textCount{
		{"printed once its pod is tracked", "\nevent pod/web-2-a Warning BackOff (x2, ", 1},
		{"deleted before its pod was tracked", "FailedMount", 0},
	})
}
