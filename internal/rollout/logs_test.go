package rollout

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"
)

// recordLogRequests records every log request's options.
type recordLogRequests struct {
	mu   sync.Mutex
	opts []*corev1.PodLogOptions
}

func (r *recordLogRequests) install(c *cluster) {
	c.cs.PrependReactor("get", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		g, ok := a.(k8stesting.GenericAction)
		if !ok || a.GetSubresource() != "log" {
			return false, nil, nil
		}
		if o, ok := g.GetValue().(*corev1.PodLogOptions); ok {
			r.mu.Lock()
			r.opts = append(r.opts, o.DeepCopy())
			r.mu.Unlock()
		}
		return false, nil, nil
	})
}

func (r *recordLogRequests) all() []*corev1.PodLogOptions {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*corev1.PodLogOptions(nil), r.opts...)
}

func twoContainers(p *corev1.Pod) *corev1.Pod {
	p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "sidecar"})
	p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{Name: "sidecar", State: running})
	return p
}

func TestWaitLogsFollowCapRestartAndFilter(t *testing.T) {
	c := newCluster(t, 2)
	rec := &recordLogRequests{}
	rec.install(c)
	c.apply(twoContainers(c.pod("web-2-a", "rs2-uid", false, 0, running)))
	c.apply(twoContainers(c.pod("web-2-b", "rs2-uid", false, 0, running)))
	tr := c.tracker(func(o *Options) { o.MaxPodsPerWorkload = 1; o.LogContainers = []string{"app"} })
	began := time.Now()
	ch := wait(context.Background(), tr, manifestObjs(t), time.Minute)
	eventually(t, "first stream", func() bool { return strings.Contains(c.out.String(), "web-2-a/app | fake logs") })
	restarted := twoContainers(c.pod("web-2-a", "rs2-uid", false, 1, running))
	restarted.Status.ContainerStatuses[0].LastTerminationState.Terminated = &corev1.ContainerStateTerminated{ExitCode: 1}
	c.apply(restarted)
	eventually(t, "second stream", func() bool { return strings.Count(c.out.String(), "web-2-a/app | fake logs") == 2 })
	c.apply(twoContainers(c.pod("web-2-a", "rs2-uid", true, 1, running)))
	c.apply(twoContainers(c.pod("web-2-b", "rs2-uid", true, 0, running)))
	c.depStatus(2)
	if err := result(t, ch, 2*time.Second); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	out := c.out.String()
	countChecks(t, out, []textCount{
		{"cap announced once", "logs: following 1 pods of deployment/web at most", 1},
		{"capped pod not followed", "web-2-b/", 0},
		{"filtered container not followed", "/sidecar", 0},
		{"no crash dump when the crashed instance was streamed", "crashed", 0},
	})
	reqs := rec.all()
	if len(reqs) != 2 {
		t.Fatalf("%d log requests, want 2", len(reqs))
	}
	for _, o := range reqs {
		if !o.Follow || o.Previous || o.Container != "app" || o.SinceTime == nil || o.SinceTime.Time.Before(began.Add(-time.Second)) {
			t.Errorf("log request %+v: want follow of app since tracking start", o)
		}
	}
}

func TestWaitLogsNone(t *testing.T) {
	c := newCluster(t, 3)
	rec := &recordLogRequests{}
	rec.install(c)
	crashed := c.pod("web-2-a", "rs2-uid", false, 1, corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}})
	crashed.Status.ContainerStatuses[0].LastTerminationState.Terminated = &corev1.ContainerStateTerminated{ExitCode: 1}
	c.apply(crashed)
	ch := wait(context.Background(), c.tracker(func(o *Options) { o.Logs = LogsNone }), manifestObjs(t), time.Minute)
	fe := mustFailure(t, result(t, ch, 2*time.Second))
	if fe.Verdict.Container != "app" || len(rec.all()) != 0 || len(fe.LastLogLines) != 0 {
		t.Fatalf("logs=none made %d log requests, failure has %d lines", len(rec.all()), len(fe.LastLogLines))
	}
}

func TestWaitLogStreamResumesWithoutDuplicates(t *testing.T) {
	c := newCluster(t, 1)
	var mu sync.Mutex
	var since []time.Time
	bodies := []string{
		"2026-11-23T10:00:01.000000001Z alpha\n2026-11-23T10:00:02.5Z beta\n",
		"2026-11-23T10:00:02.5Z beta\n2026-11-23T10:00:03Z gamma\n",
	}
	c.cs.PrependReactor("get", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		g, ok := a.(k8stesting.GenericAction)
		if !ok || a.GetSubresource() != "log" {
			return false, nil, nil
		}
		o := g.GetValue().(*corev1.PodLogOptions)
		mu.Lock()
		defer mu.Unlock()
		since = append(since, o.SinceTime.Time)
		body := bodies[min(len(since), len(bodies))-1]
		if !o.Timestamps {
			body = "timestamps not requested\n"
		}
		return true, &runtime.Unknown{Raw: []byte(body)}, nil
	})
	c.apply(c.pod("web-2-a", "rs2-uid", false, 0, running))
	tr := c.tracker(nil)
	var ticks atomic.Int64 // each reading of the clock is 2s later: a retry is due at once
	base := time.Now()
	tr.opts.Now = func() time.Time { return base.Add(time.Duration(ticks.Add(1)) * 2 * time.Second) }
	ch := wait(context.Background(), tr, manifestObjs(t), time.Minute)
	eventually(t, "resumed stream", func() bool { return strings.Contains(c.out.String(), "web-2-a/app | gamma") })
	c.apply(c.pod("web-2-a", "rs2-uid", true, 0, running))
	c.depStatus(1)
	if err := result(t, ch, 2*time.Second); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	out := c.out.String()
	for _, line := range []string{"web-2-a/app | alpha", "web-2-a/app | beta", "web-2-a/app | gamma"} {
		if n := strings.Count(out, line+"\n"); n != 1 {
			t.Errorf("%q printed %d times:\n%s", line, n, out)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if want := time.Date(2026, 11, 23, 10, 0, 2, 500000000, time.UTC); len(since) < 2 || !since[1].Equal(want) {
		t.Errorf("resumed SinceTime %v, want %v", since, want)
	}
}

// textCount expects text to appear n times in a tracker's output.
type textCount struct {
	name string
	text string
	n    int
}

func countChecks(t *testing.T, out string, checks []textCount) {
	t.Helper()
	for _, ck := range checks {
		if got := strings.Count(out, ck.text); got != ck.n {
			t.Errorf("%s: %q appears %d times, want %d\n%s", ck.name, ck.text, got, ck.n, out)
		}
	}
}
