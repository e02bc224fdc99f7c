package rollout

import (
	"fmt"
	"sort"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// target is one tracked resource of the release and what was last seen of it.
type target struct {
	kind, name, ns, res string
	class               classifier
	watchKey            string                      // the informer that holds it: the kind, or a dynamicKey
	gvr                 schema.GroupVersionResource // of a kstatus target, for the dynamic client
	custom              bool                        // a kind outside the table: a custom resource
	complete            bool                        // a hook: a Pod must have Succeeded
	seenAt              time.Time                   // when a kstatus target was first seen

	uid     types.UID   // of the workload, once seen
	owners  []types.UID // UIDs whose events belong to this target (workload, new ReplicaSet)
	pods    []*corev1.Pod
	verdict Verdict
	budget  *Budget
}

// statusLine is the compact progress line, e.g. "deployment/web 2/3 ready, 1 updating".
func (tg *target) statusLine() string {
	msg := orDefault(tg.verdict.Message, tg.verdict.Reason)
	if r := tg.verdict.Reason; r == "Paused" || r == "NotFound" || r == "NotWatched" {
		msg = tg.verdict.Reason + ": " + msg
	}
	if tg.budget != nil && tg.budget.Used() > 0 {
		msg += fmt.Sprintf(" (%d/%d transient failures allowed)", tg.budget.Used(), tg.budget.Allowed())
	}
	return fmt.Sprintf("%s %s", tg.res, msg)
}

// evaluate refreshes the target's verdict from the watch caches.
func (tg *target) evaluate(w *nsWatch, now time.Time, copts ClassifyOptions, perReplica int) {
	if tg.class == classStatus {
		tg.evaluateStatus(w, now)
		return
	}
	obj, replicas := w.get(tg.kind, tg.name)
	if obj == nil {
		tg.verdict = Verdict{State: Progressing, Reason: "NotFound", Resource: tg.res, Message: "not created yet"}
		return
	}
	acc, _ := obj.(metav1.Object)
	tg.uid = acc.GetUID()
	tg.owners = []types.UID{tg.uid}
	if tg.budget == nil {
		tg.budget = NewBudget(Allowance(perReplica, replicas))
		if per := PerPodAllowance(perReplica); per > 0 {
			tg.budget.PerPod = per
		}
	}
	v := Classify(obj, now, copts)
	v.Resource = tg.res
	if p, isPod := obj.(*corev1.Pod); isPod && tg.complete && v.State == Ready && p.Status.Phase != corev1.PodSucceeded {
		v = Verdict{State: Progressing, Reason: "Running", Resource: tg.res, Pod: p.Name,
			Message: "a hook Pod must run to completion"}
	}
	if v.Failed() {
		if tg.budget.Observe(v) {
			tg.verdict = v
			return
		}
		v.State = Progressing // a transient failure within the allowance
	}
	if v.Reason == "ObservedGeneration" || v.Reason == "Paused" {
		// The controller has not seen the new spec: its "current" revision
		// (and so its pods) would still be the previous one. A paused
		// Deployment is reported, not tracked.
		tg.pods, tg.verdict = nil, v
		return
	}
	pods, rsFail := tg.currentPods(w, obj)
	if rsFail != nil {
		tg.verdict = *rsFail
		return
	}
	tg.pods = pods
	if tg.kind == "Pod" {
		tg.pods = []*corev1.Pod{obj.(*corev1.Pod)}
	}
	for _, p := range tg.pods {
		if tg.kind == "Pod" {
			break // judged above
		}
		pv := ClassifyPod(p, now, copts)
		if !pv.Failed() || (tg.kind == "Job" && jobRetries(pv)) {
			continue
		}
		pv.Resource = tg.res
		if tg.budget.Observe(pv) {
			if !pv.Definitive {
				pv.Message = fmt.Sprintf("%s (%d transient failures, %d allowed)", pv.Message, tg.budget.Used(), tg.budget.Allowed())
			}
			tg.verdict = pv
			return
		}
	}
	tg.verdict = v
}

// jobRetries: a Job's own backoffLimit decides about exited pods; only
// waiting-reason failures (image, config, scheduling) are judged per pod.
func jobRetries(v Verdict) bool {
	_, waiting := waitingRules[v.Reason]
	return !waiting && v.Reason != "Unschedulable"
}

// currentPods returns the pods of the workload's current revision: the new
// ReplicaSet's pods for a Deployment, the update revision's for a
// StatefulSet, the current template generation's for a DaemonSet, all of a
// Job's. Pods being deleted are left out.
func (tg *target) currentPods(w *nsWatch, obj runtime.Object) ([]*corev1.Pod, *Verdict) {
	owner := tg.uid
	var match func(*corev1.Pod) bool
	switch o := obj.(type) {
	case *appsv1.Deployment:
		rs := w.newReplicaSet(o)
		if rs == nil {
			return nil, nil
		}
		owner = rs.UID
		tg.owners = append(tg.owners, rs.UID)
		if v := ClassifyReplicaSet(rs); v.Failed() {
			v.Message = fmt.Sprintf("replicaset/%s: %s", rs.Name, v.Message)
			v.Resource = tg.res
			return nil, &v
		}
	case *appsv1.StatefulSet:
		if rev := o.Status.UpdateRevision; rev != "" {
			match = func(p *corev1.Pod) bool { return p.Labels[appsv1.ControllerRevisionHashLabelKey] == rev }
		}
	case *appsv1.DaemonSet:
		if gen, ok := o.Annotations[appsv1.DeprecatedTemplateGeneration]; ok {
			match = func(p *corev1.Pod) bool {
				g, has := p.Labels["pod-template-generation"]
				return !has || g == gen
			}
		}
	case *batchv1.Job:
	default:
		return nil, nil
	}
	var out []*corev1.Pod
	for _, p := range w.podsOwnedBy(owner) {
		if p.DeletionTimestamp == nil && (match == nil || match(p)) {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
