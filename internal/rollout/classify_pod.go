package rollout

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// waitingRule says how a container waiting reason is judged.
type waitingRule struct {
	definitive bool
	what       string
}

// waitingRules lists the container waiting reasons that are failures.
//
// CrashLoopBackOff is definitive at once: the kubelet only backs off after the
// container already crashed repeatedly, so waiting for more crashes only
// delays the verdict. ErrImagePull and ImagePullBackOff are transient (a
// registry hiccup or a just-pushed tag): they count against the allowance.
// ErrImageNeverPull and InvalidImageName can only be fixed by a new manifest.
// CreateContainerConfigError (missing ConfigMap/Secret or key) is definitive
// except for the kubelet's "failed to sync ... cache" variant, which clears on
// its own (Krane makes the same exception). CreateContainerError is often a
// runtime race (name in use) and counts; RunContainerError (the runtime could
// not start the process: bad command, mount, permissions) is definitive.
var waitingRules = map[string]waitingRule{
	"CrashLoopBackOff":           {true, "the container keeps crashing"},
	"ErrImagePull":               {false, "the image could not be pulled"},
	"ImagePullBackOff":           {false, "the image could not be pulled; the kubelet is backing off"},
	"ErrImageNeverPull":          {true, "the image is not on the node and imagePullPolicy is Never"},
	"InvalidImageName":           {true, "the image reference is invalid"},
	"CreateContainerConfigError": {true, "the container configuration references something missing"},
	"CreateContainerError":       {false, "the container could not be created"},
	"RunContainerError":          {true, "the container could not be started"},
}

// benignWaiting are waiting reasons of a pod that is simply on its way.
var benignWaiting = map[string]bool{"ContainerCreating": true, "PodInitializing": true, "": true}

// ClassifyPod judges one pod: its phase, scheduling, init and app containers.
func ClassifyPod(pod *corev1.Pod, now time.Time, opts ClassifyOptions) Verdict {
	base := Verdict{Resource: resourceName("Pod", pod.Name), Pod: pod.Name}
	if pod.DeletionTimestamp != nil {
		return with(base, Progressing, "Terminating", "pod is terminating", false)
	}
	switch pod.Status.Phase {
	case corev1.PodSucceeded:
		return with(base, Ready, "Completed", "pod completed", false)
	case corev1.PodFailed:
		return podFailed(pod, base)
	}
	if v, ok := unschedulable(pod, base, now, opts); ok {
		return v
	}
	never := pod.Spec.RestartPolicy == corev1.RestartPolicyNever
	for _, cs := range pod.Status.InitContainerStatuses {
		if v, ok := containerFailure(cs, base, never, true); ok {
			return v
		}
	}
	for _, cs := range pod.Status.ContainerStatuses {
		if v, ok := containerFailure(cs, base, never, false); ok {
			return v
		}
	}
	if podReady(pod) {
		return with(base, Ready, "Ready", "pod is ready", false)
	}
	return with(base, Progressing, podProgressReason(pod), podProgressMessage(pod), false)
}

func with(v Verdict, s State, reason, msg string, definitive bool) Verdict {
	v.State, v.Reason, v.Message, v.Definitive = s, reason, msg, definitive
	return v
}

func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func podFailed(pod *corev1.Pod, base Verdict) Verdict {
	reason := pod.Status.Reason
	if reason == "" {
		reason = "PodFailed"
	}
	msg := pod.Status.Message
	all := append(append([]corev1.ContainerStatus{}, pod.Status.InitContainerStatuses...), pod.Status.ContainerStatuses...)
	for _, cs := range all {
		if t := cs.State.Terminated; t != nil && t.ExitCode != 0 {
			base.Container, base.ExitCode, base.Restarts = cs.Name, int32Ptr(t.ExitCode), cs.RestartCount
			if t.Reason != "" && pod.Status.Reason == "" {
				reason = t.Reason
			}
			if msg == "" {
				msg = terminatedMessage(t)
			}
			break
		}
	}
	if msg == "" {
		msg = "pod phase is Failed"
	}
	return with(base, Failed, reason, msg, !nodeCaused[pod.Status.Reason])
}

// nodeCaused are pod failure reasons set by the node rather than by the
// workload (eviction under pressure, node shutdown, preemption): a controller
// replaces such pods, so they count against the allowance instead of failing
// the rollout at once.
var nodeCaused = map[string]bool{"Evicted": true, "NodeShutdown": true, "Terminated": true,
	"Shutdown": true, "NodeLost": true, "Preempting": true, "UnexpectedAdmissionError": true}

// unschedulable fails a pod that the scheduler has rejected for longer than
// the grace period.
func unschedulable(pod *corev1.Pod, base Verdict, now time.Time, opts ClassifyOptions) (Verdict, bool) {
	for _, c := range pod.Status.Conditions {
		if c.Type != corev1.PodScheduled || c.Status != corev1.ConditionFalse || c.Reason != corev1.PodReasonUnschedulable {
			continue
		}
		since := c.LastTransitionTime.Time
		if since.IsZero() {
			since = pod.CreationTimestamp.Time
		}
		msg := c.Message
		if msg == "" {
			msg = "no node fits the pod"
		}
		if !since.IsZero() && now.Sub(since) >= opts.unschedulableGrace() {
			return with(base, Failed, "Unschedulable", fmt.Sprintf("unschedulable for %s: %s", now.Sub(since).Round(time.Second), msg), true), true
		}
		return with(base, Progressing, "Unschedulable", msg, false), true
	}
	return Verdict{}, false
}

// containerFailure checks one container (or init container) status.
func containerFailure(cs corev1.ContainerStatus, base Verdict, never, init bool) (Verdict, bool) {
	base.Container, base.Restarts = cs.Name, cs.RestartCount
	last := cs.LastTerminationState.Terminated
	if last != nil && last.ExitCode != 0 {
		base.ExitCode = int32Ptr(last.ExitCode)
	}
	if w := cs.State.Waiting; w != nil && !benignWaiting[w.Reason] {
		rule, known := waitingRules[w.Reason]
		if !known && !looksLikeFailure(w.Reason) {
			return Verdict{}, false
		}
		reason, msg := w.Reason, w.Message
		if msg == "" {
			msg = orDefault(rule.what, "container is waiting: "+w.Reason)
		}
		definitive := rule.definitive
		if w.Reason == "CreateContainerConfigError" && strings.Contains(msg, "failed to sync") {
			definitive = false
		}
		if w.Reason == "CrashLoopBackOff" && last != nil {
			if last.Reason == "OOMKilled" {
				reason = "OOMKilled"
			}
			msg = fmt.Sprintf("%s; last exit: %s", msg, terminatedMessage(last))
		}
		return with(base, Failed, reason, msg, definitive), true
	}
	if t := cs.State.Terminated; t != nil && t.ExitCode != 0 {
		base.ExitCode = int32Ptr(t.ExitCode)
		reason := t.Reason
		if reason == "" || reason == "Error" {
			reason = "Error"
			if init {
				reason = "InitContainerFailed"
			}
		}
		return with(base, Failed, reason, terminatedMessage(t), never), true
	}
	if last != nil && last.ExitCode != 0 && cs.RestartCount > 0 {
		reason := last.Reason
		if reason == "" || reason == "Error" {
			reason = "Restarted"
		}
		return with(base, Failed, reason, fmt.Sprintf("restarted %d time(s); last exit: %s", cs.RestartCount, terminatedMessage(last)), false), true
	}
	return Verdict{}, false
}

// looksLikeFailure is Argo CD's heuristic for waiting reasons we do not know
// by name: Err*, *Error and *BackOff are failures (transient ones).
func looksLikeFailure(reason string) bool {
	return strings.HasPrefix(reason, "Err") || strings.HasSuffix(reason, "Error") || strings.HasSuffix(reason, "BackOff")
}

func terminatedMessage(t *corev1.ContainerStateTerminated) string {
	s := fmt.Sprintf("exit code %d", t.ExitCode)
	if t.Reason != "" {
		s = fmt.Sprintf("%s (%s)", t.Reason, s)
	}
	if t.Message != "" {
		s += ": " + strings.TrimSpace(t.Message)
	}
	return s
}

func podProgressReason(pod *corev1.Pod) string {
	for _, cs := range append(append([]corev1.ContainerStatus{}, pod.Status.InitContainerStatuses...), pod.Status.ContainerStatuses...) {
		if w := cs.State.Waiting; w != nil && w.Reason != "" {
			return w.Reason
		}
	}
	if pod.Status.Phase == corev1.PodPending || pod.Status.Phase == "" {
		return "Pending"
	}
	return "NotReady"
}

// podWaitingMessage is the first container waiting message of the pod, with its container.
func podWaitingMessage(pod *corev1.Pod) string {
	for _, cs := range append(append([]corev1.ContainerStatus{}, pod.Status.InitContainerStatuses...), pod.Status.ContainerStatuses...) {
		if w := cs.State.Waiting; w != nil && w.Message != "" {
			return fmt.Sprintf("container %s: %s", cs.Name, strings.Join(strings.Fields(w.Message), " "))
		}
	}
	return ""
}

func podProgressMessage(pod *corev1.Pod) string {
	ready, total := 0, len(pod.Spec.Containers)
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.Ready {
			ready++
		}
	}
	return fmt.Sprintf("%s, %d/%d containers ready", phaseOr(pod.Status.Phase), ready, total)
}

func phaseOr(p corev1.PodPhase) string {
	if p == "" {
		return "Pending"
	}
	return string(p)
}
