package rollout

import (
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// ClassifyDeployment is stricter than Helm's wait: the controller must have
// seen the current generation, and updated = ready = available = total =
// desired replicas (no maxUnavailable slack, no old pods left). A paused
// Deployment is Ready with reason Paused (as Helm and Argo CD treat it: the
// rollout cannot progress until someone resumes it), so it is reported rather
// than waited for until the timeout.
func ClassifyDeployment(d *appsv1.Deployment) Verdict {
	base := Verdict{Resource: resourceName("Deployment", d.Name)}
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentProgressing && c.Status == corev1.ConditionFalse && c.Reason == "ProgressDeadlineExceeded" {
			return with(base, Failed, "ProgressDeadlineExceeded", c.Message, true)
		}
		if c.Type == appsv1.DeploymentReplicaFailure && c.Status == corev1.ConditionTrue {
			return with(base, Failed, orDefault(c.Reason, "ReplicaFailure"), c.Message, true)
		}
	}
	if d.Spec.Paused {
		return with(base, Ready, "Paused", "deployment is paused; its rollout is not tracked", false)
	}
	if d.Status.ObservedGeneration < d.Generation {
		return with(base, Progressing, "ObservedGeneration", "waiting for the controller to observe the new spec", false)
	}
	want, s := replicasOr1(d.Spec.Replicas), d.Status
	msg := replicaMessage(s.ReadyReplicas, want, s.UpdatedReplicas, s.Replicas)
	if s.UpdatedReplicas == want && s.ReadyReplicas == want && s.AvailableReplicas == want && s.Replicas == want {
		return with(base, Ready, "Ready", msg, false)
	}
	return with(base, Progressing, "Rolling", msg, false)
}

// replicaMessage renders "2/3 ready, 1 updating, 1 old" style progress.
func replicaMessage(ready, want, updated, total int32) string {
	parts := []string{fmt.Sprintf("%d/%d ready", ready, want)}
	if n := want - updated; n > 0 {
		parts = append(parts, fmt.Sprintf("%d updating", n))
	}
	if old := total - updated; old > 0 {
		parts = append(parts, fmt.Sprintf("%d old", old))
	}
	return strings.Join(parts, ", ")
}

// ClassifyReplicaSet fails on the ReplicaFailure condition the controller sets
// when it cannot create pods (quota exceeded, admission webhook or Pod Security
// rejection: FailedCreate).
func ClassifyReplicaSet(rs *appsv1.ReplicaSet) Verdict {
	base := Verdict{Resource: resourceName("ReplicaSet", rs.Name)}
	for _, c := range rs.Status.Conditions {
		if c.Type == appsv1.ReplicaSetReplicaFailure && c.Status == corev1.ConditionTrue {
			return with(base, Failed, orDefault(c.Reason, "ReplicaFailure"), c.Message, true)
		}
	}
	want := replicasOr1(rs.Spec.Replicas)
	msg := fmt.Sprintf("%d/%d ready", rs.Status.ReadyReplicas, want)
	if rs.Status.ObservedGeneration >= rs.Generation && rs.Status.ReadyReplicas == want && rs.Status.AvailableReplicas == want {
		return with(base, Ready, "Ready", msg, false)
	}
	return with(base, Progressing, "Rolling", msg, false)
}

// ClassifyStatefulSet handles partitioned rolling updates (only ordinals >=
// partition are updated) and OnDelete (pods are replaced only when someone
// deletes them, so only readiness of the existing pods is required).
func ClassifyStatefulSet(s *appsv1.StatefulSet) Verdict {
	base := Verdict{Resource: resourceName("StatefulSet", s.Name)}
	if s.Status.ObservedGeneration < s.Generation {
		return with(base, Progressing, "ObservedGeneration", "waiting for the controller to observe the new spec", false)
	}
	want, st := replicasOr1(s.Spec.Replicas), s.Status
	ready := st.ReadyReplicas == want && st.AvailableReplicas == want
	if s.Spec.UpdateStrategy.Type == appsv1.OnDeleteStatefulSetStrategyType {
		msg := fmt.Sprintf("%d/%d ready (OnDelete: pods update only when deleted)", st.ReadyReplicas, want)
		if ready {
			return with(base, Ready, "Ready", msg, false)
		}
		return with(base, Progressing, "Rolling", msg, false)
	}
	var partition int32
	if ru := s.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil {
		partition = *ru.Partition
	}
	wantUpdated := max(want-partition, 0)
	msg := fmt.Sprintf("%d/%d ready", st.ReadyReplicas, want)
	if n := wantUpdated - st.UpdatedReplicas; n > 0 {
		msg += fmt.Sprintf(", %d updating", n)
	}
	if partition > 0 {
		msg += fmt.Sprintf(" (partition %d)", partition)
	}
	revisionDone := partition > 0 || st.UpdateRevision == "" || st.CurrentRevision == st.UpdateRevision
	if ready && st.UpdatedReplicas >= wantUpdated && revisionDone {
		return with(base, Ready, "Ready", msg, false)
	}
	return with(base, Progressing, "Rolling", msg, false)
}

// ClassifyDaemonSet: every scheduled node runs an updated, available pod.
func ClassifyDaemonSet(d *appsv1.DaemonSet) Verdict {
	base := Verdict{Resource: resourceName("DaemonSet", d.Name)}
	if d.Status.ObservedGeneration < d.Generation {
		return with(base, Progressing, "ObservedGeneration", "waiting for the controller to observe the new spec", false)
	}
	st := d.Status
	want := st.DesiredNumberScheduled
	msg := fmt.Sprintf("%d/%d ready", st.NumberReady, want)
	if n := want - st.UpdatedNumberScheduled; n > 0 {
		msg += fmt.Sprintf(", %d updating", n)
	}
	updated := st.UpdatedNumberScheduled == want || d.Spec.UpdateStrategy.Type == appsv1.OnDeleteDaemonSetStrategyType
	if updated && st.NumberAvailable == want && st.NumberReady == want {
		return with(base, Ready, "Ready", msg, false)
	}
	return with(base, Progressing, "Rolling", msg, false)
}

// ClassifyJob: Complete is Ready; the Failed condition (BackoffLimitExceeded,
// DeadlineExceeded, PodFailurePolicy) is a definitive failure.
func ClassifyJob(j *batchv1.Job) Verdict {
	base := Verdict{Resource: resourceName("Job", j.Name)}
	for _, c := range j.Status.Conditions {
		if c.Status != corev1.ConditionTrue {
			continue
		}
		switch c.Type {
		case batchv1.JobFailed:
			return with(base, Failed, orDefault(c.Reason, "JobFailed"), orDefault(c.Message, "job failed"), true)
		case batchv1.JobComplete:
			return with(base, Ready, "Complete", fmt.Sprintf("%d succeeded", j.Status.Succeeded), false)
		case batchv1.JobSuspended:
			return with(base, Progressing, "Suspended", "job is suspended", false)
		}
	}
	msg := fmt.Sprintf("%d active, %d succeeded, %d failed", j.Status.Active, j.Status.Succeeded, j.Status.Failed)
	return with(base, Progressing, "Running", msg, false)
}

// ClassifyPVC: Bound is Ready, Lost is a definitive failure.
func ClassifyPVC(p *corev1.PersistentVolumeClaim) Verdict {
	base := Verdict{Resource: resourceName("PersistentVolumeClaim", p.Name)}
	switch p.Status.Phase {
	case corev1.ClaimBound:
		return with(base, Ready, "Bound", "claim is bound", false)
	case corev1.ClaimLost:
		return with(base, Failed, "ClaimLost", "the claim's volume is lost", true)
	}
	return with(base, Progressing, "Pending", "claim is not bound yet", false)
}

// ClassifyService: a LoadBalancer Service is Ready once it has an ingress
// address (or external IPs); other Services are Ready at once.
func ClassifyService(s *corev1.Service) Verdict {
	base := Verdict{Resource: resourceName("Service", s.Name)}
	if s.Spec.Type != corev1.ServiceTypeLoadBalancer {
		return with(base, Ready, "Ready", "", false)
	}
	if len(s.Status.LoadBalancer.Ingress) > 0 || len(s.Spec.ExternalIPs) > 0 {
		return with(base, Ready, "Ready", "load balancer has an address", false)
	}
	return with(base, Progressing, "Pending", "waiting for a load balancer address", false)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
