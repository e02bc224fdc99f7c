package rollout

import (
	"fmt"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
)

// readyFailureReasons are the reasons of a Ready=False condition that mean failure rather than
// progress. kstatus calls every Ready=False in progress (it cannot tell a retry from a dead end);
// a controller that writes the reason Failed has told us which.
var readyFailureReasons = map[string]bool{"Failed": true}

// ClassifyStatus judges an object by kstatus (sigs.k8s.io/cli-utils/pkg/kstatus/status), the
// status conventions Helm 4, Flux and kpt wait on: a deletion timestamp, status.observedGeneration
// behind metadata.generation, the Reconciling and Stalled conditions, built-in rules for some
// kinds (CronJob, PodDisruptionBudget, CustomResourceDefinition, ...), then a Ready condition;
// an object none of these apply to is Current.
//
//   - Current is Ready (reason Current);
//   - InProgress is Progressing, with the Reconciling condition's reason;
//   - Failed (Stalled=True, or a built-in failure rule) is a definitive failure with the
//     condition's reason and message;
//   - Terminating is Progressing (reason Terminating); NotFound is Progressing (NotFound).
//
// Two additions to kstatus: a Ready=False condition with a reason of readyFailureReasons is a
// definitive failure once the controller observed the current generation and is not
// Reconciling; and a status.observedGeneration written as a string (Argo Rollouts) is read as a
// number, or ignored when it is not one, instead of making the status uncomputable.
func ClassifyStatus(u *unstructured.Unstructured) Verdict {
	if u == nil {
		return Verdict{State: Progressing, Reason: "NotFound", Message: "not created yet"}
	}
	base := Verdict{Resource: resourceName(u.GetKind(), u.GetName())}
	u = numericObservedGeneration(u)
	res, err := status.Compute(u)
	if err != nil {
		return with(base, Progressing, "Unknown", "cannot compute the status: "+err.Error(), false)
	}
	switch res.Status {
	case status.CurrentStatus:
		return with(base, Ready, "Current", res.Message, false)
	case status.FailedStatus:
		reason, msg := "Failed", res.Message
		if c, ok := resultCondition(res, status.ConditionStalled); ok {
			reason, msg = orDefault(c.Reason, reason), orDefault(c.Message, msg)
		}
		return with(base, Failed, reason, msg, true)
	case status.InProgressStatus:
		if c, ok := readyFailed(u, res); ok {
			return with(base, Failed, c.Reason, orDefault(c.Message, "the Ready condition is False"), true)
		}
		reason := "InProgress"
		if c, ok := resultCondition(res, status.ConditionReconciling); ok {
			reason = orDefault(c.Reason, reason)
		}
		return with(base, Progressing, reason, res.Message, false)
	case status.TerminatingStatus:
		return with(base, Progressing, "Terminating", res.Message, false)
	case status.NotFoundStatus:
		return with(base, Progressing, "NotFound", "not created yet", false)
	}
	return with(base, Progressing, orDefault(string(res.Status), "Unknown"), res.Message, false)
}

func resultCondition(res *status.Result, t status.ConditionType) (status.Condition, bool) {
	for _, c := range res.Conditions {
		if c.Type == t {
			return c, true
		}
	}
	return status.Condition{}, false
}

// readyFailed finds a Ready=False condition with a failure reason on an object kstatus found
// in progress only because of that condition: not while the controller has yet to observe the
// current generation (the condition would be about the previous spec) or says it is
// Reconciling.
func readyFailed(u *unstructured.Unstructured, res *status.Result) (status.BasicCondition, bool) {
	if c, ok := resultCondition(res, status.ConditionReconciling); ok && c.Reason == "LatestGenerationNotObserved" {
		return status.BasicCondition{}, false
	}
	obj, err := status.GetObjectWithConditions(u.Object)
	if err != nil {
		return status.BasicCondition{}, false
	}
	var ready *status.BasicCondition
	for i, c := range obj.Status.Conditions {
		if c.Type == string(status.ConditionReconciling) && c.Status == corev1.ConditionTrue {
			return status.BasicCondition{}, false
		}
		if c.Type == "Ready" {
			ready = &obj.Status.Conditions[i]
		}
	}
	if ready == nil || ready.Status != corev1.ConditionFalse || !readyFailureReasons[ready.Reason] {
		return status.BasicCondition{}, false
	}
	return *ready, true
}

// numericObservedGeneration returns u with a string status.observedGeneration replaced by its
// number, or removed when it is not a number (an old Argo Rollouts spec hash), on a copy.
func numericObservedGeneration(u *unstructured.Unstructured) *unstructured.Unstructured {
	og, found, _ := unstructured.NestedFieldNoCopy(u.Object, "status", "observedGeneration")
	s, isString := og.(string)
	if !found || !isString {
		return u
	}
	u = u.DeepCopy()
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		_ = unstructured.SetNestedField(u.Object, n, "status", "observedGeneration")
	} else {
		unstructured.RemoveNestedField(u.Object, "status", "observedGeneration")
	}
	return u
}

// classifyByTable judges an object Classify has no typed rule for: by kstatus when the table
// gives its kind to kstatus (every kind it does not list), Ready when it is only applied.
func classifyByTable(obj runtime.Object) Verdict {
	gvk, ok := gvkOf(obj)
	if !ok {
		return Verdict{State: Ready, Reason: "NotTracked", Message: fmt.Sprintf("%T is not tracked", obj)}
	}
	if rule, _ := ruleFor(gvk.GroupKind()); rule.class != classStatus {
		return Verdict{State: Ready, Reason: "NotTracked", Message: gvk.Kind + " is not tracked"}
	}
	u, err := asUnstructured(obj, gvk)
	if err != nil {
		return Verdict{State: Failed, Reason: "InvalidObject", Definitive: true, Message: err.Error()}
	}
	return ClassifyStatus(u)
}

// StatusGrace is how long a custom resource with no status at all is given for its controller
// to report one. kstatus calls such an object Current at once, which would end the wait
// before the operator has even seen the object; after the grace it is counted as ready (a kind
// nothing reports on).
const StatusGrace = 5 * time.Second

// evaluateStatus refreshes a kstatus target's verdict from its dynamic informer.
func (tg *target) evaluateStatus(w *nsWatch, now time.Time) {
	if err := w.refusal(tg.watchKey); err != nil {
		tg.verdict = Verdict{State: Ready, Reason: "NotWatched", Resource: tg.res,
			Message: "cannot be watched; counted as ready once applied"}
		return
	}
	obj, _ := w.get(tg.watchKey, tg.name)
	u, ok := obj.(*unstructured.Unstructured)
	if !ok {
		tg.verdict = Verdict{State: Progressing, Reason: "NotFound", Resource: tg.res, Message: "not created yet"}
		return
	}
	tg.uid, tg.pods = u.GetUID(), nil
	tg.owners = []types.UID{tg.uid}
	if tg.seenAt.IsZero() {
		tg.seenAt = now
	}
	tg.verdict = ClassifyStatus(u)
	tg.verdict.Resource = tg.res
	if tg.custom && tg.verdict.State == Ready && !hasStatus(u) {
		if waited := now.Sub(tg.seenAt); waited < StatusGrace {
			tg.verdict = Verdict{State: Progressing, Reason: "NoStatus", Resource: tg.res,
				Message: "waiting for its controller to report a status"}
		} else {
			tg.verdict.Message = fmt.Sprintf("no status after %s: counted as ready (nothing reports on it)", StatusGrace)
		}
	}
}

// hasStatus reports whether the object carries a non-empty status.
func hasStatus(u *unstructured.Unstructured) bool {
	st, ok := u.Object["status"].(map[string]any)
	return ok && len(st) > 0
}
