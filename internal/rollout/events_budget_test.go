package rollout

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// burst is n events of one type and reason at offset at, on objs objects in turn.
type burst struct {
	at      time.Duration
	warning bool
	reason  string
	n, objs int
}

// summaryAt asks for the summary lines due at offset at (all of them when final).
type summaryAt struct {
	at    time.Duration
	final bool
	want  []string
}

func TestEventBudget(t *testing.T) {
	normal := func(at time.Duration, reason string, n int) burst { return burst{at, false, reason, n, n} }
	warn := func(at time.Duration, reason string, n, objs int) burst { return burst{at, true, reason, n, objs} }
	tests := []struct {
		name        string
		bursts      []burst
		wantPrinted int
		summaries   []summaryAt
	}{
		{"a few events are all printed", []burst{normal(0, "Scheduled", 20), warn(0, "Unhealthy", 3, 3)}, 23,
			[]summaryAt{{time.Minute, true, nil}}},
		{"a flood is summarised by reason, the largest first",
			[]burst{normal(0, "Scheduled", 300), normal(0, "Pulled", 100), normal(0, "Started", 12)}, eventsPerWindow,
			[]summaryAt{
				{9 * time.Second, false, nil},
				{10 * time.Second, false, []string{"events: 382 more in the last 10s: 270 Scheduled, 100 Pulled, 12 Started"}},
				{11 * time.Second, true, nil},
			}},
		{"the window resets, the Wait's cap stays",
			[]burst{normal(0, "Scheduled", 30), normal(10*time.Second, "Pulled", 30), normal(20*time.Second, "Started", 5)}, eventsPerWait,
			[]summaryAt{{25 * time.Second, true, []string{"events: 15 more in the last 15s: 10 Pulled, 5 Started"}}}},
		{"warnings per object and reason are capped",
			[]burst{warn(0, "BackOff", 5, 1), warn(0, "Unhealthy", 2, 1)}, warningsPerObject + 2,
			[]summaryAt{{0, true, []string{"events: 2 more warnings in the last 1s: 2 BackOff on 1 object"}}}},
		{"the same warning on many pods is summarised with its objects",
			// BackOff: 4 each on 12 pods; 10 pods print 3 lines each.
			[]burst{warn(0, "Unhealthy", 40, 40), warn(0, "BackOff", 48, 12)}, warningObjects + warningObjects*warningsPerObject,
			[]summaryAt{{3 * time.Second, true, []string{"events: 48 more warnings in the last 3s: 30 Unhealthy on 30 objects, 18 BackOff on 12 objects"}}}},
		{"warnings are not held by the Normal budget",
			[]burst{normal(0, "Pulled", 60), warn(0, "FailedMount", 1, 1)}, eventsPerWindow + 1,
			[]summaryAt{{0, true, []string{"events: 30 more in the last 1s: 30 Pulled"}}}},
		{"many reasons: the smallest are other",
			[]burst{normal(0, "Scheduled", 30), normal(0, "A", 8), normal(0, "B", 7), normal(0, "C", 6), normal(0, "D", 5),
				normal(0, "E", 4), normal(0, "F", 3), normal(0, "G", 2), normal(0, "H", 1)}, eventsPerWindow,
			[]summaryAt{{10 * time.Second, false, []string{"events: 36 more in the last 10s: 8 A, 7 B, 6 C, 5 D, 4 E, 3 F, 3 of 2 other reasons"}}}},
		{"nothing held, nothing printed at the end", nil, 0, []summaryAt{{time.Hour, true, nil}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
			b := newEventBudget(start)
			printed := 0
			for _, bu := range tt.bursts {
				for i := range bu.n {
					if b.admit(bu.warning, bu.reason, fmt.Sprintf("pod/p-%d", i%bu.objs), start.Add(bu.at)) {
						printed++
					}
				}
			}
			if printed != tt.wantPrinted {
				t.Errorf("printed %d events, want %d", printed, tt.wantPrinted)
			}
			for _, s := range tt.summaries {
				if got := b.summary(start.Add(s.at), s.final); !reflect.DeepEqual(got, s.want) {
					t.Errorf("summary at %s (final %v):\n got %q\nwant %q", s.at, s.final, got, s.want)
				}
			}
		})
	}
}

// A flood of events during a Wait: the budget's first events are printed, the rest summarised
// once the window has passed, and Stats counts both.
func TestWaitEventFloodSummarised(t *testing.T) {
	const pods = 40
	clock := &fakeClock{now: time.Now()}
	c := newCluster(t, pods)
	for i := range pods {
		c.apply(c.pod(fmt.Sprintf("web-2-%02d", i), "rs2-uid", false, 0, running))
	}
	tr := c.tracker(func(o *Options) { o.Now = clock.Now; o.Logs = LogsNone })
	ch := wait(context.Background(), tr, manifestObjs(t), time.Minute)
	eventually(t, "tracking started", func() bool { return strings.Contains(c.out.String(), "deployment/web") })
	// Applied in time order, so they are handled in that order whatever each flush finds.
	at := clock.Now().Add(-4 * time.Second)
	n := 0
	for _, reason := range []string{"Scheduled", "Pulled", "Started", "Unhealthy"} {
		typ := corev1.EventTypeNormal
		if reason == "Unhealthy" {
			typ = corev1.EventTypeWarning
		}
		for i := range pods {
			pod := fmt.Sprintf("web-2-%02d", i)
			n++
			c.apply(event(fmt.Sprintf("ev-%03d", n), "Pod", pod, types.UID(pod+"-uid"), typ, reason, "message "+reason, 1, at.Add(time.Duration(n)*time.Millisecond)))
		}
		// The fake clientset's watch holds 100 changes: let the tracker catch up.
		eventually(t, reason+" events handled", func() bool { st := tr.Stats(); return st.EventsPrinted+st.EventsSummarised == n })
	}
	quiet(t, ch, "flood")
	if strings.Contains(c.out.String(), "more in the last") {
		t.Fatalf("summary before the window passed:\n%s", c.out.String())
	}
	clock.Advance(eventWindow)
	eventually(t, "summary", func() bool { return strings.Contains(c.out.String(), "more warnings in the last") })
	for i := range pods {
		c.apply(c.pod(fmt.Sprintf("web-2-%02d", i), "rs2-uid", true, 0, running))
	}
	c.depStatus(pods)
	if err := result(t, ch, 3*time.Second); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	out := c.out.String()
	countChecks(t, out, []textCount{
		{"Normal events up to the window's budget", " Normal ", eventsPerWindow},
		{"warnings for up to warningObjects pods", " Warning Unhealthy ", warningObjects},
		{"Normal summary", "events: 90 more in the last 10s: 40 Pulled, 40 Started, 10 Scheduled\n", 1},
		{"warning summary", "events: 30 more warnings in the last 10s: 30 Unhealthy on 30 objects\n", 1},
		{"no second summary at the end", "more in the last", 1},
	})
	if st := tr.Stats(); st.EventsPrinted != eventsPerWindow+warningObjects || st.EventsSummarised != n-eventsPerWindow-warningObjects {
		t.Errorf("stats %+v", st)
	}
}
