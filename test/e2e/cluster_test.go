//go:build e2e

package e2e

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// These tests check the local cluster itself (test/cluster): the KWOK behaviour stages and
// pod logs that the action's tests rely on.

func firstStatus(p *corev1.Pod) corev1.ContainerStatus {
	if len(p.Status.ContainerStatuses) == 0 {
		return corev1.ContainerStatus{}
	}
	return p.Status.ContainerStatuses[0]
}

func waitingReason(p *corev1.Pod) string {
	if w := firstStatus(p).State.Waiting; w != nil {
		return w.Reason
	}
	return ""
}

func isReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// readyAfter is how long after its start the pod turned Ready (second resolution).
func readyAfter(p *corev1.Pod) time.Duration {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && p.Status.StartTime != nil {
			return c.LastTransitionTime.Sub(p.Status.StartTime.Time)
		}
	}
	return 0
}

func TestClusterBehaviours(t *testing.T) {
	needCluster(t)
	t.Parallel()
	cases := []struct {
		behaviour   string
		annotations map[string]string
		nodeless    bool                   // needs no node (the pod stays unscheduled)
		want        func(*corev1.Pod) bool // the state to reach
		event       string                 // a Warning event reason the pod must get ("" = none)
	}{
		{behaviour: "healthy", want: func(p *corev1.Pod) bool { return isReady(p) && p.Status.Phase == corev1.PodRunning }},
		{behaviour: "crashloop", event: "BackOff", want: func(p *corev1.Pod) bool {
			s := firstStatus(p)
			return waitingReason(p) == "CrashLoopBackOff" && s.RestartCount >= 2 &&
				s.LastTerminationState.Terminated != nil && s.LastTerminationState.Terminated.ExitCode == 1
		}},
		{behaviour: "oomkilled", event: "BackOff", want: func(p *corev1.Pod) bool {
			last := firstStatus(p).LastTerminationState.Terminated
			return waitingReason(p) == "CrashLoopBackOff" && last != nil && last.Reason == "OOMKilled" && last.ExitCode == 137
		}},
		{behaviour: "imagepull", event: "Failed", want: func(p *corev1.Pod) bool {
			return waitingReason(p) == "ImagePullBackOff" && p.Status.Phase == corev1.PodPending
		}},
		{behaviour: "configerror", event: "Failed", want: func(p *corev1.Pod) bool {
			return waitingReason(p) == "CreateContainerConfigError"
		}},
		{behaviour: "flapping", annotations: map[string]string{"hda.test/crash-after": "2s"}, event: "BackOff",
			want: func(p *corev1.Pod) bool { return isReady(p) && firstStatus(p).RestartCount >= 1 }},
		{behaviour: "failed", want: func(p *corev1.Pod) bool {
			term := firstStatus(p).State.Terminated
			return p.Status.Phase == corev1.PodFailed && term != nil && term.ExitCode == 1
		}},
		{behaviour: "slow", annotations: map[string]string{"hda.test/ready-delay": "3s"},
			want: func(p *corev1.Pod) bool { return isReady(p) && readyAfter(p) >= 2*time.Second }},
		{behaviour: "unschedulable", nodeless: true, event: "FailedScheduling", want: func(p *corev1.Pod) bool {
			for _, c := range p.Status.Conditions {
				if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == "Unschedulable" {
					return true
				}
			}
			return false
		}},
	}
	cs := clientset(t)
	ns := newNamespace(t, cs)
	for _, tc := range cases {
		t.Run(tc.behaviour, func(t *testing.T) {
			t.Parallel()
			ann := map[string]string{"hda.test/behaviour": tc.behaviour}
			for k, v := range tc.annotations {
				ann[k] = v
			}
			pod := &corev1.Pod{
				ObjectMeta: metav1.ObjectMeta{Name: tc.behaviour, Annotations: ann},
				Spec: corev1.PodSpec{
					Containers:    []corev1.Container{{Name: "web", Image: "nginx:1.27"}},
					RestartPolicy: corev1.RestartPolicyAlways,
				},
			}
			if tc.behaviour == "failed" {
				pod.Spec.RestartPolicy = corev1.RestartPolicyNever
			}
			if tc.nodeless {
				pod.Spec.NodeSelector = map[string]string{"hda.test/no-such-node": "true"}
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			got := waitPod(ctx, t, cs, ns, tc.behaviour, tc.want)
			t.Logf("%s: reached the expected state in %.1fs (restarts %d)", tc.behaviour, time.Since(start).Seconds(), firstStatus(got).RestartCount)
			if tc.event != "" {
				waitEvent(ctx, t, cs, ns, tc.behaviour, tc.event)
			}
		})
	}
}

// waitPod polls the pod until want holds, failing the test at the context's deadline.
func waitPod(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns, name string, want func(*corev1.Pod) bool) *corev1.Pod {
	t.Helper()
	var last *corev1.Pod
	for {
		p, err := cs.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err == nil {
			last = p
			if want(p) {
				return p
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("pod %s never reached the expected state; last status: %+v", name, describe(last))
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func describe(p *corev1.Pod) string {
	if p == nil {
		return "<none>"
	}
	return fmt.Sprintf("phase=%s ready=%v waiting=%q status=%+v", p.Status.Phase, isReady(p), waitingReason(p), firstStatus(p))
}

// waitEvent waits for a Warning event with the reason on the pod.
func waitEvent(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns, pod, reason string) {
	t.Helper()
	sel := "involvedObject.kind=Pod,involvedObject.name=" + pod + ",type=Warning,reason=" + reason
	for {
		evs, err := cs.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: sel})
		if err == nil && len(evs.Items) > 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no Warning %s event for pod %s", reason, pod)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// TestClusterPodLogs follows a container's log through the apiserver (KWOK's kubelet
// endpoint on 127.0.0.1) and expects fresh lines with the container's marker.
func TestClusterPodLogs(t *testing.T) {
	needCluster(t)
	t.Parallel()
	cs := clientset(t)
	ns := newNamespace(t, cs)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "logs"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "nginx:1.27"}}},
	}
	if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitPod(ctx, t, cs, ns, "logs", isReady)
	since := metav1.NewTime(time.Now())
	stream, err := cs.CoreV1().Pods(ns).GetLogs("logs", &corev1.PodLogOptions{
		Container: "web", Follow: true, Timestamps: true, SinceTime: &since,
	}).Stream(ctx)
	if err != nil {
		t.Fatalf("follow logs: %v", err)
	}
	defer stream.Close()
	sc := bufio.NewScanner(stream)
	lines := 0
	for lines < 2 && sc.Scan() {
		line := sc.Text()
		ts, text, _ := strings.Cut(line, " ")
		stamp, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			t.Fatalf("line %q has no timestamp: %v", line, err)
		}
		if stamp.Before(since.Time.Add(-time.Second)) {
			t.Errorf("line %q is older than sinceTime %s", line, since.Time)
		}
		if !strings.HasPrefix(text, "hda-test-log container=web ") {
			t.Errorf("line %q lacks the container marker", text)
		}
		lines++
	}
	if lines < 2 {
		t.Fatalf("got %d followed lines, want 2: %v", lines, sc.Err())
	}
}
