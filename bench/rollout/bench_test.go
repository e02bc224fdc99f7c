package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestMedian(t *testing.T) {
	cases := []struct {
		name string
		in   []float64
		want float64
		ok   bool
	}{
		{name: "empty", in: nil, ok: false},
		{name: "one", in: []float64{2.5}, want: 2.5, ok: true},
		{name: "odd unsorted", in: []float64{3, 1, 2}, want: 2, ok: true},
		{name: "even", in: []float64{4, 1, 3, 2}, want: 2.5, ok: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := median(tc.in)
			if got != tc.want || ok != tc.ok {
				t.Errorf("median(%v) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestPodSignals(t *testing.T) {
	waiting := func(reason string) corev1.ContainerStatus {
		return corev1.ContainerStatus{Name: "web", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason}}}
	}
	cases := []struct {
		name string
		pod  corev1.Pod
		want []string
	}{
		{name: "healthy running", pod: corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodRunning,
			ContainerStatuses: []corev1.ContainerStatus{{Name: "web", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}}}},
		{name: "crash loop after an OOM kill", pod: corev1.Pod{Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{{
			Name: "web", RestartCount: 1, State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
			LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "OOMKilled", ExitCode: 137}}}}}},
			want: []string{"crash", "terminated:OOMKilled", "waiting:CrashLoopBackOff"}},
		{name: "image pull in an init container", pod: corev1.Pod{Status: corev1.PodStatus{
			InitContainerStatuses: []corev1.ContainerStatus{waiting("ErrImagePull")}}},
			want: []string{"waiting:ErrImagePull"}},
		{name: "unschedulable", pod: corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{
			Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable}}}},
			want: []string{"unschedulable"}},
		{name: "failed job pod is no crash", pod: corev1.Pod{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever},
			Status: corev1.PodStatus{Phase: corev1.PodFailed, ContainerStatuses: []corev1.ContainerStatus{{Name: "migrate",
				State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{Reason: "Error", ExitCode: 1}}}}}},
			want: []string{"phase:Failed", "terminated:Error"}},
		{name: "terminating pod is ignored", pod: corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &metav1.Time{}},
			Status: corev1.PodStatus{ContainerStatuses: []corev1.ContainerStatus{waiting("CrashLoopBackOff")}}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := &signals{first: map[string]time.Time{}}
			podSignals(s, &tc.pod, time.Now())
			var got []string
			for k := range s.first {
				got = append(got, k)
			}
			slices.Sort(got)
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("signals = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestReleaseAtAndFirstSeen(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := &signals{first: map[string]time.Time{}}
	s.mark("release:v1:deployed", t0)
	s.mark("release:v2:failed", t0.Add(time.Second))
	s.mark("release:v3:pending-rollback", t0.Add(2*time.Second))
	s.mark("release:v3:deployed", t0.Add(3*time.Second))
	s.mark("release:v3:deployed", t0.Add(9*time.Second)) // a later update does not move the first sighting
	cases := []struct {
		name  string
		above int
		st    string
		want  time.Time
	}{
		{name: "rollback revision deployed", above: 2, st: "deployed", want: t0.Add(3 * time.Second)},
		{name: "baseline is not above", above: 1, st: "failed", want: t0.Add(time.Second)},
		{name: "never", above: 3, st: "deployed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := s.releaseAt(tc.above, tc.st); !got.Equal(tc.want) {
				t.Errorf("releaseAt(%d, %q) = %v, want %v", tc.above, tc.st, got, tc.want)
			}
		})
	}
}
