package rollout

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func TestPodFailing(t *testing.T) {
	terminated := func(code int32, reason string) corev1.ContainerState {
		return corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: code, Reason: reason}}
	}
	waitingFor := func(reason string) corev1.ContainerState {
		return corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}
	}
	tests := []struct {
		name     string
		init     bool // the container is an init container
		restarts int32
		state    corev1.ContainerState
		phase    corev1.PodPhase
		only     map[string]bool
		want     bool
	}{
		{name: "running", state: running},
		{name: "starting", state: waitingFor("ContainerCreating")},
		{name: "image pull: no logs to show", state: waitingFor("ErrImagePull")},
		{name: "completed", state: terminated(0, "Completed")},
		{name: "restarted and running again", restarts: 1, state: running, want: true},
		{name: "crash loop", restarts: 3, state: waitingFor("CrashLoopBackOff"), want: true},
		{name: "exited with an error", state: terminated(1, "Error"), want: true},
		{name: "OOMKilled", state: terminated(137, "OOMKilled"), want: true},
		{name: "init container crash loop", init: true, restarts: 2, state: waitingFor("CrashLoopBackOff"), want: true},
		{name: "pod failed", state: running, phase: corev1.PodFailed, want: true},
		{name: "failing container not followed", restarts: 2, state: waitingFor("CrashLoopBackOff"), only: map[string]bool{"other": true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &corev1.Pod{Status: corev1.PodStatus{Phase: orDefaultPhase(tt.phase)}}
			cs := []corev1.ContainerStatus{{Name: "app", RestartCount: tt.restarts, State: tt.state}}
			if tt.init {
				p.Status.InitContainerStatuses = cs
			} else {
				p.Status.ContainerStatuses = cs
			}
			if got := podFailing(p, tt.only); got != tt.want {
				t.Errorf("podFailing = %v, want %v", got, tt.want)
			}
		})
	}
}

func orDefaultPhase(p corev1.PodPhase) corev1.PodPhase {
	if p == "" {
		return corev1.PodRunning
	}
	return p
}

func TestStreamSlots(t *testing.T) {
	// Each op is "+name" (acquire) or "-name" (release); names starting with f are failing.
	// Each result is "ok", "ok <victim>" or "no" ("" for releases).
	tests := []struct {
		name string
		max  int
		ops  []string
		want []string
	}{
		{"under the limit", 2, []string{"+h1", "+h2"}, []string{"ok", "ok"}},
		{"healthy waits at the limit", 2, []string{"+h1", "+h2", "+h3"}, []string{"ok", "ok", "no"}},
		{"failing takes the newest healthy slot", 3, []string{"+h1", "+h2", "+f1", "+f2"}, []string{"ok", "ok", "ok", "ok h2"}},
		{"failing waits when every slot is failing", 1, []string{"+f1", "+f2", "+h1"}, []string{"ok", "no", "no"}},
		{"release frees a slot", 1, []string{"+h1", "-h1", "+h2"}, []string{"ok", "", "ok"}},
		{"a preempted stream's release is a no-op", 1, []string{"+h1", "+f1", "-h1", "+h2"}, []string{"ok", "ok h1", "", "no"}},
		{"no limit", -1, []string{"+h1", "+h2", "+h3"}, []string{"ok", "ok", "ok"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStreamSlots(tt.max)
			streams := map[string]*stream{}
			name := map[*stream]string{}
			for i, op := range tt.ops {
				id := op[1:]
				st := streams[id]
				if st == nil {
					st = &stream{failing: strings.HasPrefix(id, "f")}
					streams[id], name[st] = st, id
				}
				got := ""
				if op[0] == '-' {
					s.release(st)
				} else if victim, ok := s.acquire(st); !ok {
					got = "no"
				} else if got = "ok"; victim != nil {
					got += " " + name[victim]
				}
				if got != tt.want[i] {
					t.Fatalf("op %d %s: got %q, want %q", i, op, got, tt.want[i])
				}
				if tt.max > 0 && len(s.held) > tt.max {
					t.Fatalf("op %d %s: %d slots held, limit %d", i, op, len(s.held), tt.max)
				}
			}
		})
	}
}

// heldLogs makes follow streams stay open until their context ends, as an API server's do,
// and measures how many are open at once. Tail reads go to the fake clientset unchanged.
type heldLogs struct {
	mu      sync.Mutex
	open    int
	peak    int
	follows map[string]int // pod → follow streams opened
}

func holdLogs(c *cluster, tr *Tracker) *heldLogs {
	h := &heldLogs{follows: map[string]int{}}
	tr.openLogs = func(ctx context.Context, ns, pod string, o *corev1.PodLogOptions) (io.ReadCloser, error) {
		rc, err := c.cs.CoreV1().Pods(ns).GetLogs(pod, o).Stream(ctx)
		if err != nil || !o.Follow {
			return rc, err
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		h.open++
		h.peak = max(h.peak, h.open)
		h.follows[pod]++
		return &heldStream{r: io.MultiReader(rc, strings.NewReader("\n")), ctx: ctx, body: rc, h: h}, nil
	}
	return h
}

func (h *heldLogs) counts() (peak int, follows map[string]int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	follows = map[string]int{}
	for k, v := range h.follows {
		follows[k] = v
	}
	return h.peak, follows
}

type heldStream struct {
	r    io.Reader
	ctx  context.Context
	body io.Closer
	h    *heldLogs
	once sync.Once
}

func (s *heldStream) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if errors.Is(err, io.EOF) {
		<-s.ctx.Done()
		return n, s.ctx.Err()
	}
	return n, err
}

func (s *heldStream) Close() error {
	s.once.Do(func() {
		s.h.mu.Lock()
		s.h.open--
		s.h.mu.Unlock()
	})
	return s.body.Close()
}

// restartedPod is a pod whose container crashed once (exit 1) and runs again: failing for
// logs, a transient failure within the allowance for the verdict.
func restartedPod(c *cluster, name string) *corev1.Pod {
	p := c.pod(name, "rs2-uid", false, 1, running)
	p.Status.ContainerStatuses[0].LastTerminationState.Terminated = &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error"}
	return p
}

func TestWaitLogStreamsCappedFailingPodsPreempt(t *testing.T) {
	c := newCluster(t, 6)
	for _, name := range []string{"web-2-a", "web-2-b", "web-2-c", "web-2-d"} {
		c.apply(c.pod(name, "rs2-uid", false, 0, running))
	}
	c.apply(restartedPod(c, "web-2-e"))
	tr := c.tracker(func(o *Options) { o.MaxLogStreams = 2; o.MaxPodsPerWorkload = 10 })
	held := holdLogs(c, tr)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := wait(ctx, tr, manifestObjs(t), time.Minute)
	followed := func(pod string) func() bool {
		return func() bool {
			_, f := held.counts()
			return f[pod] == 1 && strings.Contains(c.out.String(), pod+"/app crashed")
		}
	}
	eventually(t, "failing pod followed", followed("web-2-e"))
	c.apply(restartedPod(c, "web-2-f")) // a second failing pod takes the last healthy slot
	eventually(t, "second failing pod followed", followed("web-2-f"))
	cancel()
	if err := result(t, ch, 2*time.Second); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait: %v", err)
	}
	out := c.out.String()
	countChecks(t, out, []textCount{
		{"cap line once, M = every pod seen", "logs: following 3 of 5 pods (max-log-streams); the failing pods are always followed\n", 1},
		{"final counts once", "logs: followed 4 of 6 pods (max-log-streams); the failing pods are always followed\n", 1},
		{"crash dumps of failing pods", "/app crashed (Error (exit code 1), restart 1)", 2},
		{"pods over the limit not followed", "web-2-c/", 0},
		{"no per-workload line", "max pods per workload", 0},
	})
	// web-2-b is preempted in the pass that started it: its stream may not have opened yet.
	peak, follows := held.counts()
	b := follows["web-2-b"]
	delete(follows, "web-2-b")
	if peak != 2 || b > 1 || len(follows) != 3 || follows["web-2-a"] != 1 || follows["web-2-e"] != 1 || follows["web-2-f"] != 1 {
		t.Fatalf("peak %d open streams (limit 2), web-2-b followed %d times, follows %v", peak, b, follows)
	}
	st := tr.Stats()
	if st.LogStreamsPeak != 2 || st.LogStreamsPreempted != 2 || st.LogStreamsOpened != 3+b || st.LogLinesPrinted < 3+b || st.LinesPrinted <= st.LogLinesPrinted {
		t.Errorf("stats %+v", st)
	}
}
