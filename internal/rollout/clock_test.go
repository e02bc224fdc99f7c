package rollout

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// fakeClock is an injected Options.Now the test advances by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

// quiet asserts that ch stays empty for a short while.
func quiet(t *testing.T, ch <-chan error, what string) {
	t.Helper()
	select {
	case err := <-ch:
		t.Fatalf("%s: Wait returned %v", what, err)
	case <-time.After(60 * time.Millisecond):
	}
}

func TestWaitProgressAtMostEvery(t *testing.T) {
	clock := &fakeClock{now: time.Now()}
	c := newCluster(t, 2)
	ch := wait(context.Background(), c.tracker(func(o *Options) { o.Now = clock.Now; o.ProgressEvery = time.Minute }), manifestObjs(t), time.Minute)
	eventually(t, "first line", func() bool { return strings.Contains(c.out.String(), "deployment/web 0/2 ready") })
	c.depStatus(1)
	quiet(t, ch, "one of two ready")
	if strings.Contains(c.out.String(), "1/2 ready") {
		t.Fatalf("progress printed again before ProgressEvery:\n%s", c.out.String())
	}
	clock.Advance(time.Minute)
	eventually(t, "second line", func() bool { return strings.Contains(c.out.String(), "deployment/web 1/2 ready") })
	c.apply(c.pod("web-2-a", "rs2-uid", true, 0, running))
	c.apply(c.pod("web-2-b", "rs2-uid", true, 0, running))
	c.depStatus(2)
	if err := result(t, ch, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(c.out.String(), "deployment/web "); n != 3 {
		t.Errorf("%d progress lines, want 3 (0/2, 1/2, final 2/2):\n%s", n, c.out.String())
	}
}

func TestWaitUnschedulableAfterGrace(t *testing.T) {
	clock := &fakeClock{now: time.Now()}
	c := newCluster(t, 1)
	p := c.pod("web-2-a", "rs2-uid", false, 0, corev1.ContainerState{})
	p.Status.Phase = corev1.PodPending
	p.Status.ContainerStatuses = nil
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable,
		Message: "0/1 nodes are available: 1 Insufficient memory.", LastTransitionTime: metav1.NewTime(clock.Now())}}
	c.apply(p)
	ch := wait(context.Background(), c.tracker(func(o *Options) { o.Now = clock.Now; o.UnschedulableGrace = 10 * time.Second }), manifestObjs(t), time.Minute)
	quiet(t, ch, "within the grace period")
	clock.Advance(11 * time.Second)
	fe := mustFailure(t, result(t, ch, time.Second))
	if v := fe.Verdict; v.Reason != "Unschedulable" || v.Pod != "web-2-a" || !strings.Contains(v.Message, "Insufficient memory") {
		t.Fatalf("verdict %+v", v)
	}
}

func TestWaitDaemonSetCurrentTemplateGeneration(t *testing.T) {
	c := newCluster(t, 1)
	ds := &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: ns, UID: "ds-uid", Generation: 3,
		Annotations: map[string]string{appsv1.DeprecatedTemplateGeneration: "3"}},
		Status: appsv1.DaemonSetStatus{ObservedGeneration: 3, DesiredNumberScheduled: 1, UpdatedNumberScheduled: 1, NumberAvailable: 1, NumberReady: 1}}
	old := ownedPod(c, "agent-old", "DaemonSet", "agent", "ds-uid", false, crashLoop, map[string]string{"pod-template-generation": "2"})
	cur := ownedPod(c, "agent-new", "DaemonSet", "agent", "ds-uid", true, running, map[string]string{"pod-template-generation": "3"})
	c.create(ds, old, cur)
	tr := c.tracker(nil)
	err := result(t, wait(context.Background(), tr, []runtime.Object{&appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: "agent"}}}, time.Minute), 2*time.Second)
	if err != nil {
		t.Fatalf("old template generation's pod failed the rollout: %v", err)
	}
	if rep := tr.Report(); len(rep.Resources) != 1 || rep.Resources[0].Pods != 1 {
		t.Fatalf("report %+v", rep)
	}
}

func TestWaitSkipsPodsUntilGenerationObserved(t *testing.T) {
	c := newCluster(t, 1)
	d := c.dep.DeepCopy()
	d.Generation = 3 // the controller has not seen the upgrade yet; web-2 is the previous revision
	c.apply(d)
	c.apply(c.pod("web-2-a", "rs2-uid", false, 0, crashLoop))
	ch := wait(context.Background(), c.tracker(nil), manifestObjs(t), time.Minute)
	quiet(t, ch, "generation not observed")
	d = d.DeepCopy()
	d.Status.ObservedGeneration = 3
	c.apply(d)
	fe := mustFailure(t, result(t, ch, 2*time.Second))
	if fe.Verdict.Reason != "CrashLoopBackOff" {
		t.Fatalf("verdict %+v", fe.Verdict)
	}
}
