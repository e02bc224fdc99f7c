package rollout

import (
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Lingering says why an object that a deletion wait waits for is still present.
//
// Reasons:
//   - NotMarkedForDeletion: no deletionTimestamp: the delete did not reach it, or it was created
//     again after it.
//   - FinalizerNotRemoved: finalizers that are not Kubernetes' own are still set: their
//     controller does not remove them (gone, failing, or slow).
//   - WaitingForDependents: foreground deletion: the garbage collector waits for its dependents.
//   - ClaimInUse, VolumeInUse: the storage protection finalizers: a pod still mounts the claim,
//     a claim is still bound to the volume.
//   - SystemFinalizer: another finalizer of Kubernetes' own controllers.
//   - PodTerminating: a pod within its grace period (containers stopping).
//   - GracePeriodOver: a pod whose grace period ended and whose kubelet has not confirmed that
//     its containers stopped.
//   - Deleting: marked for deletion with nothing left holding it: the API server removes it.
type Lingering struct {
	Resource string // "configmap/web-hook"
	Reason   string
	// Why says what holds the object, in our words (names and finalizers come from the cluster).
	Why string
	// Fix is what the user can do about it ("" when waiting is the answer).
	Fix string
	// Requested is when its deletion was requested (zero: not marked for deletion).
	Requested time.Time
}

// Describe is the one-line diagnosis: why, how long ago the deletion was requested, and what
// to do.
func (l Lingering) Describe(now time.Time) string {
	s := l.Why
	if !l.Requested.IsZero() {
		s += fmt.Sprintf(" (deletion requested %s ago)", max(now.Sub(l.Requested), 0).Round(time.Second))
	}
	if l.Fix != "" {
		s += "; what to do: " + l.Fix
	}
	return s
}

// ClassifyDeletion says why u, waited on to disappear, is still there. It is pure: the same
// object and time give the same answer. u must carry its apiVersion and kind.
func ClassifyDeletion(u *unstructured.Unstructured, now time.Time) Lingering {
	gvk := u.GroupVersionKind()
	l := Lingering{Resource: resourceName(gvk.Kind, u.GetName())}
	ref := kubectlRef(gvk, u.GetName(), u.GetNamespace())
	deleted := u.GetDeletionTimestamp()
	if deleted == nil {
		l.Reason = "NotMarkedForDeletion"
		l.Why = "not marked for deletion (no metadata.deletionTimestamp): the delete request did not reach it, or it was created again after it"
		if owner := metav1.GetControllerOfNoCopy(u); owner != nil {
			l.Why += fmt.Sprintf(", perhaps by its controller %s", resourceName(owner.Kind, owner.Name))
		}
		l.Fix = fmt.Sprintf("find what creates it (metadata.managedFields and ownerReferences in kubectl get %s -o yaml), then delete it: kubectl delete %s", ref, ref)
		return l
	}
	l.Requested = deleted.Time
	grace := time.Duration(0)
	if g := u.GetDeletionGracePeriodSeconds(); g != nil && *g > 0 {
		grace = time.Duration(*g) * time.Second
		l.Requested = deleted.Add(-grace) // a pod's deletionTimestamp is the end of its grace period
	}
	pod := gvk.Group == "" && gvk.Kind == "Pod"
	finalizers := u.GetFinalizers()
	switch {
	case pod && grace > 0 && now.Before(deleted.Time):
		l.Reason = "PodTerminating"
		l.Why = fmt.Sprintf("terminating within its %s grace period (%s left): its containers are stopping (preStop hooks, SIGTERM handling)",
			grace, deleted.Sub(now).Round(time.Second))
		if len(finalizers) > 0 {
			l.Why += fmt.Sprintf("; then finalizers %s must be removed", strings.Join(finalizers, ", "))
		}
		l.Fix = "if stopping takes too long, make the process exit promptly on SIGTERM or lower terminationGracePeriodSeconds"
	case len(finalizers) > 0:
		classifyFinalizers(&l, finalizers, ref)
	case pod:
		node, _, _ := unstructured.NestedString(u.Object, "spec", "nodeName")
		l.Reason = "GracePeriodOver"
		l.Why = fmt.Sprintf("its grace period ended %s ago, but the kubelet of node %s has not confirmed that its containers stopped (node down or unreachable, container runtime stuck?)",
			max(now.Sub(deleted.Time), 0).Round(time.Second), orDefault(node, "(none)"))
		l.Fix = fmt.Sprintf("if node %s is gone or broken, force the deletion (its containers may still run there): kubectl delete %s --grace-period=0 --force",
			orDefault(node, "(none)"), ref)
	default:
		l.Reason = "Deleting"
		l.Why = "marked for deletion with no finalizer left: the API server is removing it"
	}
	return l
}

// classifyFinalizers explains the finalizers of an object marked for deletion. Finalizers that
// are not Kubernetes' own come first: they are the usual culprit (an operator uninstalled or
// failing).
func classifyFinalizers(l *Lingering, finalizers []string, ref string) {
	var custom []string
	has := map[string]bool{}
	for _, f := range finalizers {
		has[f] = true
		if !systemFinalizer(f) {
			custom = append(custom, f)
		}
	}
	switch {
	case len(custom) == 1:
		l.Reason = "FinalizerNotRemoved"
		l.Why = fmt.Sprintf("marked for deletion, but finalizer %s is still set: the controller that owns finalizer %s is not removing it", custom[0], custom[0])
	case len(custom) > 1:
		l.Reason = "FinalizerNotRemoved"
		l.Why = fmt.Sprintf("marked for deletion, but finalizers %s are still set: the controllers that own them are not removing them", strings.Join(custom, ", "))
	case has["kubernetes.io/pvc-protection"]:
		l.Reason = "ClaimInUse"
		l.Why = "the claim is still mounted by a pod (finalizer kubernetes.io/pvc-protection): Kubernetes removes it once no pod uses the claim"
		l.Fix = "delete or stop the pods that mount this claim (kubectl get pods -o yaml, look for its claimName)"
		return
	case has["kubernetes.io/pv-protection"]:
		l.Reason = "VolumeInUse"
		l.Why = "the volume is still bound to a claim (finalizer kubernetes.io/pv-protection): Kubernetes removes it once the claim is gone"
		l.Fix = "delete the PersistentVolumeClaim bound to it (spec.claimRef)"
		return
	case has[metav1.FinalizerDeleteDependents] && len(finalizers) == 1:
		l.Reason = "WaitingForDependents"
		l.Why = "deleted in the foreground (finalizer foregroundDeletion): the garbage collector removes it once its dependents that block owner deletion are gone"
		l.Fix = "look at its dependents (objects whose ownerReferences name it) and why they are not deleted"
		return
	default:
		l.Reason = "SystemFinalizer"
		l.Why = fmt.Sprintf("marked for deletion, but finalizers %s are still set: Kubernetes' own controllers remove them", strings.Join(finalizers, ", "))
		l.Fix = "check that kube-controller-manager (and the cloud controller manager, for load balancers) runs and is healthy"
		return
	}
	l.Fix = fmt.Sprintf(`if that controller is gone, remove the finalizers by hand (the cleanup they guard is then skipped): kubectl patch %s --type=json -p '[{"op":"remove","path":"/metadata/finalizers"}]'`, ref)
}

// systemFinalizer reports whether a finalizer belongs to Kubernetes itself: the garbage
// collector's (foregroundDeletion, orphan) and those of the kubernetes.io and k8s.io domains.
func systemFinalizer(f string) bool {
	if f == metav1.FinalizerDeleteDependents || f == metav1.FinalizerOrphanDependents || f == "kubernetes" {
		return true
	}
	domain, _, found := strings.Cut(f, "/")
	if !found {
		domain = f
	}
	for _, d := range []string{"kubernetes.io", "k8s.io"} {
		if domain == d || strings.HasSuffix(domain, "."+d) {
			return true
		}
	}
	return false
}

// kubectlRef names an object for kubectl: "configmap web-hook -n apps", "widget.hda.test w".
func kubectlRef(gvk schema.GroupVersionKind, name, ns string) string {
	typ := lower(gvk.Kind)
	if gvk.Group != "" {
		typ += "." + gvk.Group
	}
	ref := typ + " " + name
	if ns != "" {
		ref += " -n " + ns
	}
	return ref
}
