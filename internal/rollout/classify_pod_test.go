package rollout

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// podWith builds a running pod "web-1" with one container "app" whose status
// is changed by mutate.
func podWith(mutate func(p *corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "ns"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}}, RestartPolicy: corev1.RestartPolicyAlways},
		Status: corev1.PodStatus{
			Phase:             corev1.PodRunning,
			Conditions:        []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}},
			ContainerStatuses: []corev1.ContainerStatus{{Name: "app"}},
		},
	}
	mutate(p)
	return p
}

func waiting(reason, msg string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Status.ContainerStatuses[0].State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: msg}}
	}
}

func TestClassifyPod(t *testing.T) {
	unsched := func(ago time.Duration) func(*corev1.Pod) {
		return func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodPending
			p.Status.ContainerStatuses = nil
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse,
				Reason: corev1.PodReasonUnschedulable, Message: "0/3 nodes are available: insufficient cpu",
				LastTransitionTime: metav1.NewTime(t0.Add(-ago))}}
		}
	}
	tests := []struct {
		name       string
		pod        *corev1.Pod
		state      State
		reason     string
		definitive bool
		container  string
		exit       int32 // -1: no exit code expected
		restarts   int32
	}{
		{"ready pod", podWith(func(p *corev1.Pod) {
			p.Status.Conditions[0].Status = corev1.ConditionTrue
			p.Status.ContainerStatuses[0].Ready = true
			p.Status.ContainerStatuses[0].State.Running = &corev1.ContainerStateRunning{}
		}), Ready, "Ready", false, "", -1, 0},
		{"container creating is progress", podWith(waiting("ContainerCreating", "")), Progressing, "ContainerCreating", false, "", -1, 0},
		{"running not ready is progress", podWith(func(p *corev1.Pod) {
			p.Status.ContainerStatuses[0].State.Running = &corev1.ContainerStateRunning{}
		}), Progressing, "NotReady", false, "", -1, 0},
		{"crashloop is definitive at once", podWith(func(p *corev1.Pod) {
			waiting("CrashLoopBackOff", "back-off 10s restarting failed container")(p)
			p.Status.ContainerStatuses[0].RestartCount = 1
			p.Status.ContainerStatuses[0].LastTerminationState.Terminated = &corev1.ContainerStateTerminated{ExitCode: 2, Reason: "Error"}
		}), Failed, "CrashLoopBackOff", true, "app", 2, 1},
		{"crashloop after OOM says OOMKilled", podWith(func(p *corev1.Pod) {
			waiting("CrashLoopBackOff", "")(p)
			p.Status.ContainerStatuses[0].RestartCount = 2
			p.Status.ContainerStatuses[0].LastTerminationState.Terminated = &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled"}
		}), Failed, "OOMKilled", true, "app", 137, 2},
		{"ErrImagePull is transient", podWith(waiting("ErrImagePull", "manifest unknown")), Failed, "ErrImagePull", false, "app", -1, 0},
		{"ImagePullBackOff is transient", podWith(waiting("ImagePullBackOff", "Back-off pulling image")), Failed, "ImagePullBackOff", false, "app", -1, 0},
		{"ErrImageNeverPull", podWith(waiting("ErrImageNeverPull", "")), Failed, "ErrImageNeverPull", true, "app", -1, 0},
		{"InvalidImageName", podWith(waiting("InvalidImageName", "couldn't parse image name")), Failed, "InvalidImageName", true, "app", -1, 0},
		{"CreateContainerConfigError", podWith(waiting("CreateContainerConfigError", `secret "db" not found`)), Failed, "CreateContainerConfigError", true, "app", -1, 0},
		{"CreateContainerConfigError cache sync is transient", podWith(waiting("CreateContainerConfigError", "failed to sync configmap cache: timed out waiting for the condition")), Failed, "CreateContainerConfigError", false, "app", -1, 0},
		{"CreateContainerError", podWith(waiting("CreateContainerError", "name already in use")), Failed, "CreateContainerError", false, "app", -1, 0},
		{"RunContainerError", podWith(waiting("RunContainerError", "exec: not found")), Failed, "RunContainerError", true, "app", -1, 0},
		{"unknown Err* reason counts", podWith(waiting("ErrSomethingNew", "")), Failed, "ErrSomethingNew", false, "app", -1, 0},
		{"terminated OOMKilled counts", podWith(func(p *corev1.Pod) {
			p.Status.ContainerStatuses[0].State.Terminated = &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "OOMKilled"}
		}), Failed, "OOMKilled", false, "app", 137, 0},
		{"running again after non-zero exit counts the restart", podWith(func(p *corev1.Pod) {
			p.Status.ContainerStatuses[0].State.Running = &corev1.ContainerStateRunning{}
			p.Status.ContainerStatuses[0].RestartCount = 3
			p.Status.ContainerStatuses[0].LastTerminationState.Terminated = &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error"}
		}), Failed, "Restarted", false, "app", 1, 3},
		{"restart after exit 0 is not a failure", podWith(func(p *corev1.Pod) {
			p.Status.ContainerStatuses[0].State.Running = &corev1.ContainerStateRunning{}
			p.Status.ContainerStatuses[0].RestartCount = 1
			p.Status.ContainerStatuses[0].LastTerminationState.Terminated = &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed"}
		}), Progressing, "NotReady", false, "", -1, 0},
		{"init container failed", podWith(func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodPending
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "migrate",
				State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 3, Reason: "Error"}}}}
			waiting("PodInitializing", "")(p)
		}), Failed, "InitContainerFailed", false, "migrate", 3, 0},
		{"init container crashloop", podWith(func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodPending
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "migrate", RestartCount: 2,
				State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
				LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1}}}}
		}), Failed, "CrashLoopBackOff", true, "migrate", 1, 2},
		{"init container failed with restartPolicy Never is definitive", podWith(func(p *corev1.Pod) {
			p.Spec.RestartPolicy = corev1.RestartPolicyNever
			p.Status.Phase = corev1.PodPending
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "migrate",
				State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 3}}}}
		}), Failed, "InitContainerFailed", true, "migrate", 3, 0},
		{"phase Failed by eviction counts", podWith(func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodFailed
			p.Status.Reason = "Evicted"
			p.Status.Message = "The node was low on resource: memory."
		}), Failed, "Evicted", false, "", -1, 0},
		{"phase Failed without a node reason is definitive", podWith(func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodFailed
			p.Status.Message = "deadline exceeded"
		}), Failed, "PodFailed", true, "", -1, 0},
		{"phase Failed with exit code", podWith(func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodFailed
			p.Status.ContainerStatuses[0].State.Terminated = &corev1.ContainerStateTerminated{ExitCode: 4, Reason: "Error"}
		}), Failed, "Error", true, "app", 4, 0},
		{"succeeded pod is ready", podWith(func(p *corev1.Pod) { p.Status.Phase = corev1.PodSucceeded }), Ready, "Completed", false, "", -1, 0},
		{"unschedulable within grace", podWith(unsched(5 * time.Second)), Progressing, "Unschedulable", false, "", -1, 0},
		{"unschedulable past grace", podWith(unsched(16 * time.Second)), Failed, "Unschedulable", true, "", -1, 0},
		{"terminating pod is progress", podWith(func(p *corev1.Pod) {
			now := metav1.NewTime(t0)
			p.DeletionTimestamp = &now
			waiting("CrashLoopBackOff", "")(p)
		}), Progressing, "Terminating", false, "", -1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Classify(tt.pod, t0, ClassifyOptions{})
			if v.State != tt.state || v.Reason != tt.reason || v.Definitive != tt.definitive {
				t.Fatalf("got %s/%s definitive=%v (%q), want %s/%s definitive=%v", v.State, v.Reason, v.Definitive, v.Message, tt.state, tt.reason, tt.definitive)
			}
			if v.Resource != "pod/web-1" || v.Pod != "web-1" {
				t.Errorf("resource %q pod %q", v.Resource, v.Pod)
			}
			if tt.state == Failed && v.Container != tt.container {
				t.Errorf("container %q, want %q", v.Container, tt.container)
			}
			switch {
			case tt.exit < 0 && v.ExitCode != nil && tt.state == Failed:
				t.Errorf("exit code %d, want none", *v.ExitCode)
			case tt.exit >= 0 && (v.ExitCode == nil || *v.ExitCode != tt.exit):
				t.Errorf("exit code %v, want %d", v.ExitCode, tt.exit)
			}
			if tt.state == Failed && v.Restarts != tt.restarts {
				t.Errorf("restarts %d, want %d", v.Restarts, tt.restarts)
			}
			if tt.state == Failed && v.Message == "" {
				t.Error("failure without a message")
			}
		})
	}
}

func TestClassifyUnschedulableGraceOption(t *testing.T) {
	p := podWith(func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodPending
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse,
			Reason: corev1.PodReasonUnschedulable, LastTransitionTime: metav1.NewTime(t0.Add(-3 * time.Second))}}
	})
	if v := Classify(p, t0, ClassifyOptions{UnschedulableGrace: 2 * time.Second}); v.State != Failed {
		t.Fatalf("grace 2s after 3s: %s", v.State)
	}
	if v := Classify(p, t0, ClassifyOptions{UnschedulableGrace: 4 * time.Second}); v.State != Progressing {
		t.Fatalf("grace 4s after 3s: %s", v.State)
	}
}

func TestClassifyUnstructuredPod(t *testing.T) {
	p := podWith(waiting("CrashLoopBackOff", ""))
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(p)
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: m}
	u.SetAPIVersion("v1")
	u.SetKind("Pod")
	if v := Classify(u, t0, ClassifyOptions{}); v.Reason != "CrashLoopBackOff" || v.Container != "app" {
		t.Fatalf("got %+v", v)
	}
	cm := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "metadata": map[string]any{"name": "c"}}}
	if v := Classify(cm, t0, ClassifyOptions{}); v.State != Ready || v.Reason != "NotTracked" {
		t.Fatalf("configmap: %+v", v)
	}
}
