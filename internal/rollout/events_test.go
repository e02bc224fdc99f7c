package rollout

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

func event(name, kind, obj string, uid types.UID, typ, reason, msg string, count int32, at time.Time) *corev1.Event {
	return &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: name, Namespace: ns, UID: types.UID(name + "-uid")},
		InvolvedObject: corev1.ObjectReference{Kind: kind, Name: obj, Namespace: ns, UID: uid},
		Type:           typ, Reason: reason, Message: msg, Count: count,
		LastTimestamp: metav1.NewTime(at),
	}
}

func TestWaitEventsDeduplicatedAndAnnotated(t *testing.T) {
	c := newCluster(t, 1)
	now := time.Now()
	c.apply(c.pod("web-2-a", "rs2-uid", false, 0, running))
	c.apply(event("old", "Deployment", "web", "dep-uid", "Normal", "ScalingReplicaSet", "history", 1, now.Add(-time.Hour)))
	c.apply(event("other", "Pod", "unrelated", "x-uid", "Warning", "BackOff", "not ours", 1, now))
	ch := wait(context.Background(), c.tracker(nil), manifestObjs(t), time.Minute)

	c.apply(event("scaled", "Deployment", "web", "dep-uid", "Normal", "ScalingReplicaSet", "Scaled up replica set web-2 to 1", 1, now))
	probe := event("probe", "Pod", "web-2-a", "web-2-a-uid", "Warning", "Unhealthy", "Readiness probe failed: 50%\n::set-output name=x::y", 1, now)
	c.apply(probe)
	eventually(t, "first events", func() bool { return strings.Contains(c.out.String(), "Unhealthy (") })
	same := probe.DeepCopy()
	same.Message += " " // an update without a new occurrence
	c.apply(same)
	again := probe.DeepCopy()
	again.Count = 2
	c.apply(again)
	eventually(t, "repeated event", func() bool { return strings.Contains(c.out.String(), "Unhealthy (x2,") })
	c.apply(c.pod("web-2-a", "rs2-uid", true, 0, running))
	c.depStatus(1)
	if err := result(t, ch, 2*time.Second); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	out := c.out.String()
	countChecks(t, out, []textCount{
		{"normal event printed once with age", "event deployment/web Normal ScalingReplicaSet (0s ago): Scaled up replica set web-2 to 1", 1},
		{"warning printed once per count (two counts)", "event pod/web-2-a Warning Unhealthy (", 2},
		{"count bump printed", "event pod/web-2-a Warning Unhealthy (x2, ", 1},
		{"one warning annotation per object and reason, escaped", "::warning title=Unhealthy on pod/web-2-a::Readiness probe failed: 50%25 ::set-output name=x::y", 1},
		{"history not replayed", "history", 0},
		{"other objects' events skipped", "not ours", 0},
	})
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "::") && !strings.HasPrefix(line, "::warning title=") {
			t.Errorf("unexpected workflow command line %q", line)
		}
	}
}

func TestEscapeWorkflowCommands(t *testing.T) {
	tests := []struct {
		name, in, data, prop string
	}{
		{"plain", "abc", "abc", "abc"},
		{"percent first", "100%", "100%25", "100%25"},
		{"newlines", "a\r\nb", "a%0D%0Ab", "a%0D%0Ab"},
		{"property separators", "x: y, z", "x: y, z", "x%3A y%2C z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := escapeData(tt.in); got != tt.data {
				t.Errorf("escapeData(%q) = %q, want %q", tt.in, got, tt.data)
			}
			if got := escapeProperty(tt.in); got != tt.prop {
				t.Errorf("escapeProperty(%q) = %q, want %q", tt.in, got, tt.prop)
			}
		})
	}
}

func TestWriteMasksAndDefusesCommands(t *testing.T) {
	buf := &syncBuffer{}
	tr := New(Options{Out: buf, Mask: func(s string) string { return strings.ReplaceAll(s, "hunter2", "***") }})
	tr.println("pod/app | password=hunter2")
	tr.println("pod/app | line\n::add-mask::x\r")
	tr.command("::warning title=t::secret hunter2")
	want := "pod/app | password=***\npod/app | line\n> ::add-mask::x\n::warning title=t::secret ***\n"
	if got := buf.String(); got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

func TestWaitStatefulSetFailedCreateEventsUseAllowance(t *testing.T) {
	c := newCluster(t, 1)
	sts := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: ns, UID: "sts-uid"}, Spec: appsv1.StatefulSetSpec{Replicas: i32(1)}}
	c.create(sts)
	ch := wait(context.Background(), c.tracker(nil), []runtime.Object{&appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "db"}}}, time.Minute)
	msg := `create Pod db-0 in StatefulSet db failed error: pods "db-0" is forbidden: exceeded quota: compute`
	ev := event("db-fc", "StatefulSet", "db", "sts-uid", "Warning", "FailedCreate", msg, 1, time.Now())
	c.apply(ev)
	eventually(t, "first FailedCreate", func() bool { return strings.Contains(c.out.String(), "FailedCreate (") })
	quiet(t, ch, "one FailedCreate within the allowance of 1")
	ev = ev.DeepCopy()
	ev.Count = 2
	c.apply(ev)
	fe := mustFailure(t, result(t, ch, 2*time.Second))
	if v := fe.Verdict; v.Reason != "FailedCreate" || v.Resource != "statefulset/db" || !strings.Contains(v.Message, "exceeded quota") {
		t.Fatalf("verdict %+v", v)
	}
	if !strings.Contains(fe.Error(), "ResourceQuota") || len(fe.Events) != 2 {
		t.Errorf("error %q with %d events", fe.Error(), len(fe.Events))
	}
}

func TestSequentialWaitsShareEventDedupAndGroup(t *testing.T) {
	c := newCluster(t, 1)
	c.apply(c.pod("web-2-a", "rs2-uid", true, 0, running))
	c.depStatus(1)
	c.apply(event("scaled", "Deployment", "web", "dep-uid", "Normal", "ScalingReplicaSet", "Scaled up replica set web-2 to 1", 1, time.Now()))
	tr := c.tracker(func(o *Options) { o.GroupTitle = "Rollout of web" })
	for i := range 2 {
		if err := tr.Wait(context.Background(), manifestObjs(t), time.Minute); err != nil {
			t.Fatalf("Wait %d: %v", i, err)
		}
	}
	out := c.out.String()
	if n := strings.Count(out, "ScalingReplicaSet"); n != 1 {
		t.Errorf("event printed %d times over two Waits:\n%s", n, out)
	}
	if !strings.HasPrefix(out, "::group::Rollout of web\n") || strings.Count(out, "::endgroup::") != 2 {
		t.Errorf("group markers missing:\n%s", out)
	}
}

// Warning annotations are capped per run: GitHub shows 10 per step; the rest stay in the log.
func TestWaitWarningAnnotationsCapped(t *testing.T) {
	c := newCluster(t, 1)
	now := time.Now()
	ch := wait(context.Background(), c.tracker(nil), manifestObjs(t), time.Minute)
	c.apply(c.pod("web-2-a", "rs2-uid", false, 0, running))
	reasons := []string{"Unhealthy", "BackOff", "FailedMount", "FailedScheduling", "Failed", "NetworkNotReady", "DNSConfigForming", "Evicted"}
	for i, r := range reasons {
		c.apply(event(fmt.Sprintf("ev-%d", i), "Pod", "web-2-a", "web-2-a-uid", "Warning", r, "problem "+r, 3, now))
	}
	eventually(t, "all events printed", func() bool { return strings.Contains(c.out.String(), "problem Evicted") })
	c.apply(c.pod("web-2-a", "rs2-uid", true, 0, running))
	c.depStatus(1)
	if err := result(t, ch, 2*time.Second); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	out := c.out.String()
	countChecks(t, out, []textCount{
		{"annotations up to the cap", "::warning title=", MaxWarningAnnotations},
		{"the count in each annotation", "::(x3) problem ", MaxWarningAnnotations},
		{"one notice that the rest are in the log", "::notice title=More Kubernetes warnings::", 1},
		{"every event in the log", "event pod/web-2-a Warning ", len(reasons)},
	})
}
