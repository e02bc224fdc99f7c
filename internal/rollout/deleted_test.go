package rollout

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// doomedObject is an object of the given apiVersion and kind in namespace apps ("" for
// cluster-scoped), marked for deletion at deletedAt (zero: not marked) with grace seconds and
// the given finalizers.
func doomedObject(apiVersion, kind, namespace string, deletedAt time.Time, grace int64, finalizers ...string) *unstructured.Unstructured {
	u := &unstructured.Unstructured{Object: map[string]any{}}
	u.SetAPIVersion(apiVersion)
	u.SetKind(kind)
	u.SetName("web-hook")
	u.SetNamespace(namespace)
	if !deletedAt.IsZero() {
		ts := metav1.NewTime(deletedAt)
		u.SetDeletionTimestamp(&ts)
		u.SetDeletionGracePeriodSeconds(&grace)
	}
	u.SetFinalizers(finalizers)
	return u
}

func TestClassifyDeletion(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	ago := now.Add(-40 * time.Second)
	owned := doomedObject("v1", "Pod", ns, time.Time{}, 0)
	yes := true
	owned.SetOwnerReferences([]metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "Job", Name: "migrate", UID: "j", Controller: &yes}})
	terminating := doomedObject("v1", "Pod", ns, now.Add(20*time.Second), 30)
	stuckPod := doomedObject("v1", "Pod", ns, now.Add(-time.Minute), 30)
	_ = unstructured.SetNestedField(stuckPod.Object, "node-7", "spec", "nodeName")

	tests := []struct {
		name       string
		obj        *unstructured.Unstructured
		reason     string
		want       []string // substrings of Describe(now)
		wantNot    []string
		requestAgo time.Duration // how long ago the deletion was requested (0: not requested)
	}{
		{name: "not marked for deletion", obj: doomedObject("v1", "ConfigMap", ns, time.Time{}, 0),
			reason:  "NotMarkedForDeletion",
			want:    []string{"no metadata.deletionTimestamp", "kubectl delete configmap web-hook -n apps"},
			wantNot: []string{"deletion requested", "its controller"}},
		{name: "not marked, with a controller that may recreate it", obj: owned,
			reason: "NotMarkedForDeletion", want: []string{"perhaps by its controller job/migrate", "kubectl delete pod web-hook -n apps"}},
		{name: "a finalizer nobody removes", obj: doomedObject("v1", "ConfigMap", ns, ago, 0, "hda.test/hold"),
			reason: "FinalizerNotRemoved", requestAgo: 40 * time.Second,
			want: []string{"finalizer hda.test/hold is still set", "the controller that owns finalizer hda.test/hold is not removing it",
				"deletion requested 40s ago",
				`kubectl patch configmap web-hook -n apps --type=json -p '[{"op":"remove","path":"/metadata/finalizers"}]'`}},
		{name: "two foreign finalizers, one of Kubernetes", obj: doomedObject("apps/v1", "Deployment", ns, ago, 0, "foregroundDeletion", "a.example.com/x", "b.example.com/y"),
			reason: "FinalizerNotRemoved", requestAgo: 40 * time.Second,
			want: []string{"finalizers a.example.com/x, b.example.com/y are still set", "kubectl patch deployment.apps web-hook -n apps"}},
		{name: "a cluster-scoped custom resource", obj: doomedObject("hda.test/v1", "Widget", "", ago, 0, "widgets.hda.test/cleanup"),
			reason: "FinalizerNotRemoved", requestAgo: 40 * time.Second,
			want: []string{"kubectl patch widget.hda.test web-hook --type=json"}, wantNot: []string{" -n "}},
		{name: "foreground deletion waits for dependents", obj: doomedObject("apps/v1", "Deployment", ns, ago, 0, "foregroundDeletion"),
			reason: "WaitingForDependents", requestAgo: 40 * time.Second, want: []string{"dependents"}, wantNot: []string{"kubectl patch"}},
		{name: "a claim still mounted", obj: doomedObject("v1", "PersistentVolumeClaim", ns, ago, 0, "kubernetes.io/pvc-protection"),
			reason: "ClaimInUse", requestAgo: 40 * time.Second, want: []string{"still mounted by a pod"}, wantNot: []string{"kubectl patch"}},
		{name: "a volume still bound", obj: doomedObject("v1", "PersistentVolume", "", ago, 0, "kubernetes.io/pv-protection"),
			reason: "VolumeInUse", requestAgo: 40 * time.Second, want: []string{"bound to a claim"}},
		{name: "a finalizer of Kubernetes' own controllers", obj: doomedObject("v1", "Pod", ns, ago, 0, "batch.kubernetes.io/job-tracking"),
			reason: "SystemFinalizer", requestAgo: 40 * time.Second, want: []string{"batch.kubernetes.io/job-tracking", "kube-controller-manager"}, wantNot: []string{"kubectl patch"}},
		{name: "a pod within its grace period", obj: terminating,
			reason: "PodTerminating", requestAgo: 10 * time.Second, want: []string{"30s grace period (20s left)", "SIGTERM"}},
		{name: "a pod past its grace period", obj: stuckPod,
			reason: "GracePeriodOver", requestAgo: 90 * time.Second,
			want: []string{"ended 1m0s ago", "kubelet of node node-7", "kubectl delete pod web-hook -n apps --grace-period=0 --force"}},
		{name: "nothing holds it", obj: doomedObject("v1", "ConfigMap", ns, ago, 0),
			reason: "Deleting", requestAgo: 40 * time.Second, want: []string{"no finalizer left"}, wantNot: []string{"what to do"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := ClassifyDeletion(tc.obj, now)
			if l.Reason != tc.reason {
				t.Errorf("reason %q, want %q (%s)", l.Reason, tc.reason, l.Why)
			}
			if want := resourceName(tc.obj.GetKind(), "web-hook"); l.Resource != want {
				t.Errorf("resource %q, want %q", l.Resource, want)
			}
			if got := now.Sub(l.Requested); tc.requestAgo == 0 && !l.Requested.IsZero() || tc.requestAgo != 0 && got != tc.requestAgo {
				t.Errorf("requested %s ago (at %s), want %s", got, l.Requested, tc.requestAgo)
			}
			d := l.Describe(now)
			for _, w := range tc.want {
				if !strings.Contains(d, w) {
					t.Errorf("%q does not say %q", d, w)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(d, w) {
					t.Errorf("%q says %q", d, w)
				}
			}
		})
	}
}

func TestSystemFinalizer(t *testing.T) {
	for f, want := range map[string]bool{
		"foregroundDeletion": true, "orphan": true, "kubernetes": true,
		"kubernetes.io/pvc-protection": true, "batch.kubernetes.io/job-tracking": true,
		"customresourcecleanup.apiextensions.k8s.io": true, "service.kubernetes.io/load-balancer-cleanup": true,
		"hda.test/hold": false, "example.com/kubernetes.io": false, "notkubernetes.io/x": false,
	} {
		if got := systemFinalizer(f); got != want {
			t.Errorf("systemFinalizer(%q) = %v, want %v", f, got, want)
		}
	}
}
