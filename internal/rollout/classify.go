// Package rollout tracks a Helm release's rollout: it decides readiness and
// failure of the release's objects from their status (Classify, pure: the
// table of tracked kinds in kinds.go gives each kind a hand-written rule, or
// kstatus through ClassifyStatus, or none), lints a rendered manifest for
// rollout hazards (Lint, pure), and follows the rollout live through watches
// per namespace and kind, streaming pod logs and events (Tracker, which
// satisfies the release package's Waiter shape).
package rollout

import (
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// State is the coarse state of one resource.
type State string

// The three states Classify can return.
const (
	Progressing State = "Progressing"
	Ready       State = "Ready"
	Failed      State = "Failed"
)

// DefaultUnschedulableGrace is how long a pod may stay Unschedulable before
// Classify calls it failed. kstatus (Helm 4, Flux) uses 15 s; we use the same:
// the scheduler retries unschedulable pods with a back-off, and 15 s covers a
// few retries after a node or PVC becomes available, while still failing a
// hopeless rollout four to forty times sooner than a typical --timeout.
const DefaultUnschedulableGrace = 15 * time.Second

// ClassifyOptions tunes Classify.
type ClassifyOptions struct {
	// UnschedulableGrace: see DefaultUnschedulableGrace (used when zero).
	UnschedulableGrace time.Duration
}

func (o ClassifyOptions) unschedulableGrace() time.Duration {
	if o.UnschedulableGrace <= 0 {
		return DefaultUnschedulableGrace
	}
	return o.UnschedulableGrace
}

// Verdict is Classify's answer for one object.
//
// A Failed verdict with Definitive false is a transient failure (an image pull
// hiccup, one crash): the tracker counts it against the per-replica failure
// allowance (see Budget) instead of failing at once.
type Verdict struct {
	State     State
	Reason    string
	Message   string
	Resource  string // "kind/name", e.g. "deployment/web" or "pod/web-7d9f-x2"
	Pod       string
	Container string
	ExitCode  *int32
	Restarts  int32
	// Definitive marks a failure that no amount of waiting fixes.
	Definitive bool
}

// Failed reports whether the verdict is a failure.
func (v Verdict) Failed() bool { return v.State == Failed }

// Classify decides the state of one object. It is pure: the same object and
// time always give the same verdict. Unstructured objects of the kinds with a
// hand-written rule are converted to their typed form first; the kinds the table
// of tracked kinds gives to kstatus (custom resources, CronJob, Ingress, ...)
// are judged by ClassifyStatus; kinds that are only applied are Ready.
func Classify(obj runtime.Object, now time.Time, opts ClassifyOptions) Verdict {
	if u, ok := obj.(*unstructured.Unstructured); ok {
		typed, err := fromUnstructured(u)
		if err != nil {
			return Verdict{State: Failed, Reason: "InvalidObject", Definitive: true,
				Resource: resourceName(u.GetKind(), u.GetName()), Message: err.Error()}
		}
		obj = typed
	}
	switch o := obj.(type) {
	case *corev1.Pod:
		return ClassifyPod(o, now, opts)
	case *appsv1.Deployment:
		return ClassifyDeployment(o)
	case *appsv1.ReplicaSet:
		return ClassifyReplicaSet(o)
	case *appsv1.StatefulSet:
		return ClassifyStatefulSet(o)
	case *appsv1.DaemonSet:
		return ClassifyDaemonSet(o)
	case *batchv1.Job:
		return ClassifyJob(o)
	case *corev1.PersistentVolumeClaim:
		return ClassifyPVC(o)
	case *corev1.Service:
		return ClassifyService(o)
	case nil:
		return Verdict{State: Ready, Reason: "NotTracked"}
	default:
		return classifyByTable(obj)
	}
}

// fromUnstructured converts the kinds Classify knows into typed objects and
// returns other objects unchanged.
func fromUnstructured(u *unstructured.Unstructured) (runtime.Object, error) {
	var typed runtime.Object
	gk := u.GroupVersionKind().GroupKind()
	switch {
	case gk.Group == "" && gk.Kind == "Pod":
		typed = &corev1.Pod{}
	case gk.Group == "" && gk.Kind == "PersistentVolumeClaim":
		typed = &corev1.PersistentVolumeClaim{}
	case gk.Group == "" && gk.Kind == "Service":
		typed = &corev1.Service{}
	case gk.Group == "apps" && gk.Kind == "Deployment":
		typed = &appsv1.Deployment{}
	case gk.Group == "apps" && gk.Kind == "ReplicaSet":
		typed = &appsv1.ReplicaSet{}
	case gk.Group == "apps" && gk.Kind == "StatefulSet":
		typed = &appsv1.StatefulSet{}
	case gk.Group == "apps" && gk.Kind == "DaemonSet":
		typed = &appsv1.DaemonSet{}
	case gk.Group == "batch" && gk.Kind == "Job":
		typed = &batchv1.Job{}
	default:
		return u, nil
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, typed); err != nil {
		return nil, fmt.Errorf("convert %s %q: %w", gk.Kind, u.GetName(), err)
	}
	return typed, nil
}

// resourceName is the "kind/name" form used in messages ("deployment/web").
func resourceName(kind, name string) string {
	return fmt.Sprintf("%s/%s", lower(kind), name)
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func int32Ptr(v int32) *int32 { return &v }

func replicasOr1(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}
