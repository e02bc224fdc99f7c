//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// failureTimeout is the deploy timeout of the failure-mode runs; verdictBound is how long the
// action may take: well under the timeout, so a verdict at the timeout does not pass.
const (
	failureTimeout = "90s"
	verdictBound   = 60 * time.Second
)

// TestFailureModes upgrades a healthy release to each failure mode of the local cluster's
// KWOK stages and expects an early verdict naming the reason, and the atomic rollback.
func TestFailureModes(t *testing.T) {
	needCluster(t)
	t.Parallel()
	cases := []struct {
		behaviour string
		reasons   []string // any of these must name the failure in the summary and the log
		replicas  int      // default 1
	}{
		{behaviour: "crashloop", reasons: []string{"CrashLoopBackOff"}},
		{behaviour: "imagepull", reasons: []string{"ImagePullBackOff", "ErrImagePull"}},
		// One surge pod cycles through pull errors while the old replicas stay: the allowance is
		// per replica, so that one pod must fail the rollout early (found by bench/, fixed).
		{behaviour: "imagepull", reasons: []string{"ImagePullBackOff", "ErrImagePull"}, replicas: 2},
		{behaviour: "configerror", reasons: []string{"CreateContainerConfigError"}},
		{behaviour: "unschedulable", reasons: []string{"Unschedulable", "FailedScheduling"}},
		{behaviour: "flapping", reasons: []string{"CrashLoopBackOff", "restart", "NotReady", "not ready"}},
		{behaviour: "oomkilled", reasons: []string{"OOMKilled"}},
	}
	for _, tc := range cases {
		name, replicas := tc.behaviour, max(tc.replicas, 1)
		if replicas > 1 {
			name = fmt.Sprintf("%s-%d-replicas", tc.behaviour, replicas)
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cs := clientset(t)
			ns := newNamespace(t, cs)
			rc := fmt.Sprintf("replicaCount: %d\n", replicas)
			deployWeb(t, ns, "web", rc+"message: stable\n", nil).mustSucceed(t)

			seen := watchForState(t, cs, ns, tc.reasons)
			start := time.Now()
			r := deployWeb(t, ns, "web", rc+"message: broken\nbehaviour: "+tc.behaviour+"\n",
				map[string]string{"timeout": failureTimeout})
			if at := seen(); !at.IsZero() {
				t.Logf("%s: the failing state appeared %.1fs after the start; the action exited %.1fs after it (verdict and rollback)",
					tc.behaviour, at.Sub(start).Seconds(), r.Duration.Seconds()-at.Sub(start).Seconds())
			}

			if r.ExitCode == 0 {
				t.Fatalf("the %s upgrade succeeded\nstdout:\n%s", tc.behaviour, r.Stdout)
			}
			if r.Duration > verdictBound {
				t.Errorf("verdict after %.0fs; want it well before the %s timeout (under %s)", r.Duration.Seconds(), failureTimeout, verdictBound)
			}
			if !containsAny(r.Summary, tc.reasons) {
				t.Errorf("job summary names none of %v:\n%s", tc.reasons, r.Summary)
			}
			if !containsAny(annotations(r.Stdout, "::error"), tc.reasons) {
				t.Errorf("no ::error annotation names any of %v\nstdout:\n%s", tc.reasons, r.Stdout)
			}
			revs := releaseSecrets(t, cs, ns, "web")
			if revs[2] != "failed" || revs[3] != "deployed" {
				t.Errorf("release secrets: %s, want v2=failed v3=deployed (rolled back)", revisionsString(revs))
			}
			if v, _ := containerEnv(getDeployment(t, cs, ns, "web"), "web", "MESSAGE"); v != "stable" {
				t.Errorf("deployment MESSAGE = %q after the rollback, want stable", v)
			}
		})
	}
}

// TestHealthyUpgradeStreamsLogsAndEvents expects the new pods' log lines and the rollout's
// events in the action's log.
func TestHealthyUpgradeStreamsLogsAndEvents(t *testing.T) {
	needCluster(t)
	t.Parallel()
	cs := clientset(t)
	ns := newNamespace(t, cs)
	deployWeb(t, ns, "web", "replicaCount: 1\nmessage: one\n", nil).mustSucceed(t)

	r := deployWeb(t, ns, "web", "replicaCount: 1\nmessage: two\n", nil).mustSucceed(t)

	for _, want := range []string{"hda-test-log container=web", "Scheduled", "ScalingReplicaSet"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("the action's log does not contain %q\nstdout:\n%s", want, r.Stdout)
		}
	}
}

func containsAny(s string, subs []string) bool {
	low := strings.ToLower(s)
	return slices.ContainsFunc(subs, func(sub string) bool { return strings.Contains(low, strings.ToLower(sub)) })
}

// annotations returns the workflow-command lines of one kind (e.g. "::error").
func annotations(stdout, kind string) string {
	var out []string
	for _, l := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(l, kind) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// watchForState polls the namespace's pods until one shows any of the reasons (a container
// waiting/terminated reason, or PodScheduled=False with that reason) and returns a function
// giving the first time it was seen (zero if never). Polling stops at the end of the test.
func watchForState(t *testing.T, cs kubernetes.Interface, ns string, reasons []string) func() time.Time {
	var mu sync.Mutex
	var first time.Time
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
			if err == nil && slices.ContainsFunc(pods.Items, func(p corev1.Pod) bool { return podShows(p, reasons) }) {
				mu.Lock()
				first = time.Now()
				mu.Unlock()
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return first
	}
}

func podShows(p corev1.Pod, reasons []string) bool {
	var got []string
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
			got = append(got, c.Reason)
		}
	}
	for _, s := range p.Status.ContainerStatuses {
		if w := s.State.Waiting; w != nil {
			got = append(got, w.Reason)
		}
		if x := s.State.Terminated; x != nil {
			got = append(got, x.Reason)
		}
	}
	return slices.ContainsFunc(got, func(g string) bool { return g != "" && slices.Contains(reasons, g) })
}
