package rollout

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"
)

var (
	configMaps = schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}
	pods       = schema.GroupVersionResource{Version: "v1", Resource: "pods"}
)

// deletionCluster is a fake clientset (events) and a fake dynamic client holding objs.
func deletionCluster(t *testing.T, objs ...runtime.Object) (*cluster, *dynamicfake.FakeDynamicClient) {
	c := newCluster(t, 1)
	dyn := dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{configMaps: "ConfigMapList", pods: "PodList"}, objs...)
	return c, dyn
}

// manifestOf is what Helm hands to WaitForDelete: the object as built from the manifest.
func manifestOf(u *unstructured.Unstructured) runtime.Object {
	m := &unstructured.Unstructured{Object: map[string]any{}}
	m.SetAPIVersion(u.GetAPIVersion())
	m.SetKind(u.GetKind())
	m.SetName(u.GetName())
	m.SetNamespace(u.GetNamespace())
	return m
}

func TestWaitDeleted(t *testing.T) {
	held := doomedObject("v1", "ConfigMap", ns, time.Now(), 0, "hda.test/hold")
	stopping := doomedObject("v1", "Pod", ns, time.Now().Add(time.Hour), 3600)
	stopping.SetName("web-migrate")
	absent := doomedObject("v1", "ConfigMap", ns, time.Time{}, 0)
	absent.SetName("never-there")
	cancelled := errors.New("workflow cancelled")

	tests := []struct {
		name    string
		present []runtime.Object
		waitFor []runtime.Object
		timeout time.Duration
		// then runs once the wait printed why the held ConfigMap is still there.
		then      func(t *testing.T, dyn *dynamicfake.FakeDynamicClient, cancel context.CancelCauseFunc)
		wantErr   func(error) bool
		wantOut   []string
		wantNot   []string
		wantFirst string // the FailureError's headline must contain it
	}{
		{name: "the finalizer is removed: the wait ends", present: []runtime.Object{held}, timeout: time.Minute,
			waitFor: []runtime.Object{manifestOf(held), manifestOf(absent)},
			then: func(t *testing.T, dyn *dynamicfake.FakeDynamicClient, _ context.CancelCauseFunc) {
				if err := dyn.Resource(configMaps).Namespace(ns).Delete(context.Background(), "web-hook", metav1.DeleteOptions{}); err != nil {
					t.Fatal(err)
				}
			},
			wantErr: func(err error) bool { return err == nil },
			wantOut: []string{"waiting for 1 object(s) to be deleted: configmap/web-hook",
				"configmap/web-hook still present: FinalizerNotRemoved: marked for deletion, but finalizer hda.test/hold is still set",
				"event configmap/web-hook Warning FinalizerStuck", "configmap/web-hook deleted", "deletion complete: 2 object(s) gone"},
			wantNot: []string{"never-there"}},
		{name: "timeout names every object still present", present: []runtime.Object{held, stopping}, timeout: 300 * time.Millisecond,
			waitFor: []runtime.Object{manifestOf(held), manifestOf(stopping)},
			wantErr: func(err error) bool { return errors.Is(err, ErrFailed) },
			wantOut: []string{"also still present after 300ms:\n  pod/web-migrate: PodTerminating: terminating within its 1h0m0s grace period",
				"configmap/web-hook: FinalizerNotRemoved: not deleted after 300ms:",
				`kubectl patch configmap web-hook -n apps --type=json -p '[{"op":"remove","path":"/metadata/finalizers"}]'`,
				"1 more object(s) still present: pod/web-migrate", "warning events:"},
			wantFirst: "the controller that owns finalizer hda.test/hold is not removing it"},
		{name: "cancel says what is still present", present: []runtime.Object{held}, timeout: time.Minute,
			waitFor: []runtime.Object{manifestOf(held)},
			then: func(_ *testing.T, _ *dynamicfake.FakeDynamicClient, cancel context.CancelCauseFunc) {
				cancel(cancelled)
			},
			wantErr: func(err error) bool { return errors.Is(err, cancelled) },
			wantOut: []string{"deletion wait cancelled after", "  configmap/web-hook: FinalizerNotRemoved"}},
		{name: "objects already gone print nothing", timeout: time.Minute,
			waitFor: []runtime.Object{manifestOf(absent)},
			wantErr: func(err error) bool { return err == nil },
			wantNot: []string{"never-there", "deletion"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, dyn := deletionCluster(t, tc.present...)
			c.apply(event("stuck", "ConfigMap", "web-hook", "", "Warning", "FinalizerStuck", "operator gone", 1, time.Now()))
			tr := c.tracker(func(o *Options) { o.Dynamic = dyn })
			ctx, cancel := context.WithCancelCause(context.Background())
			defer cancel(nil)
			ch := make(chan error, 1)
			go func() { ch <- tr.WaitDeleted(ctx, tc.waitFor, tc.timeout) }()
			if tc.then != nil {
				eventually(t, "why line", func() bool { return strings.Contains(c.out.String(), "configmap/web-hook still present") })
				tc.then(t, dyn, cancel)
			}
			err := result(t, ch, 3*time.Second)
			if !tc.wantErr(err) {
				t.Fatalf("WaitDeleted: unexpected error %v\n%s", err, c.out.String())
			}
			out := c.out.String()
			for _, w := range tc.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("the log does not say %q:\n%s", w, out)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(out, w) {
					t.Errorf("the log says %q:\n%s", w, out)
				}
			}
			if tc.wantFirst != "" {
				fe := mustFailure(t, err)
				if !strings.Contains(fe.Headline(), tc.wantFirst) || !strings.Contains(fe.Annotation(), "hda.test/hold") || len(fe.Events) == 0 {
					t.Errorf("failure %q (annotation %q, events %q) does not say %q", fe.Headline(), fe.Annotation(), fe.Events, tc.wantFirst)
				}
			}
		})
	}
}

// A kind the API server no longer serves went with its CustomResourceDefinition: nothing to
// wait for, nothing listed.
func TestWaitDeletedKindGone(t *testing.T) {
	c, dyn := deletionCluster(t)
	tr := c.tracker(func(o *Options) { o.Dynamic, o.RESTMapper = dyn, meta.NewDefaultRESTMapper(nil) })
	widget := doomedObject("hda.test/v1", "Widget", ns, time.Time{}, 0)
	if err := tr.WaitDeleted(context.Background(), []runtime.Object{manifestOf(widget)}, time.Minute); err != nil {
		t.Fatalf("WaitDeleted: %v", err)
	}
	if a := dyn.Actions(); len(a) != 0 {
		t.Errorf("API calls %v, want none", a)
	}
}

// A resource the server will not let us list cannot be waited for: that is an error, as
// Helm's own wait would have had it.
func TestWaitDeletedRefused(t *testing.T) {
	held := doomedObject("v1", "ConfigMap", ns, time.Now(), 0, "hda.test/hold")
	c, dyn := deletionCluster(t, held)
	dyn.PrependReactor("list", "configmaps", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(configMaps.GroupResource(), "", errors.New("RBAC: access denied"))
	})
	tr := c.tracker(func(o *Options) { o.Dynamic = dyn })
	ch := make(chan error, 1)
	go func() { ch <- tr.WaitDeleted(context.Background(), []runtime.Object{manifestOf(held)}, time.Minute) }()
	err := result(t, ch, 3*time.Second)
	if !errors.Is(err, ErrWatch) || !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "configmap/web-hook") {
		t.Fatalf("got %v", err)
	}
	if strings.Contains(c.out.String(), "ready once applied") {
		t.Errorf("the rollout's wording for a refused watch:\n%s", c.out.String())
	}
}
