package rollout

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

const ns = "apps"

// syncBuffer is an io.Writer safe for the tracker's concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// cluster is a fake clientset holding deployment "web" (revision 2) with its
// new ReplicaSet "web-2" and no pods yet.
type cluster struct {
	t   *testing.T
	cs  *fake.Clientset
	dep *appsv1.Deployment
	rs  *appsv1.ReplicaSet
	out *syncBuffer
}

func newCluster(t *testing.T, replicas int32) *cluster {
	t.Helper()
	dep := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns, UID: "dep-uid", Generation: 2,
			Annotations: map[string]string{"deployment.kubernetes.io/revision": "2"}},
		Spec:   appsv1.DeploymentSpec{Replicas: i32(replicas)},
		Status: appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: replicas, UpdatedReplicas: replicas},
	}
	old := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: ns, UID: "rs1-uid",
		Annotations:     map[string]string{"deployment.kubernetes.io/revision": "1"},
		OwnerReferences: []metav1.OwnerReference{ctrlRef("Deployment", "web", "dep-uid")}}}
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web-2", Namespace: ns, UID: "rs2-uid",
		Annotations:     map[string]string{"deployment.kubernetes.io/revision": "2"},
		OwnerReferences: []metav1.OwnerReference{ctrlRef("Deployment", "web", "dep-uid")}},
		Spec: appsv1.ReplicaSetSpec{Replicas: i32(replicas)}}
	return &cluster{t: t, cs: fake.NewSimpleClientset(dep, old, rs), dep: dep, rs: rs, out: &syncBuffer{}}
}

func ctrlRef(kind, name string, uid types.UID) metav1.OwnerReference {
	yes := true
	return metav1.OwnerReference{APIVersion: "apps/v1", Kind: kind, Name: name, UID: uid, Controller: &yes}
}

func (c *cluster) tracker(mutate func(*Options)) *Tracker {
	o := Options{Clientset: c.cs, Namespace: ns, Out: c.out, ProgressEvery: -1}
	if mutate != nil {
		mutate(&o)
	}
	tr := New(o)
	tr.tick = 10 * time.Millisecond
	return tr
}

// pod builds a pod of the given ReplicaSet with container "app" in the given
// state; ready sets the Ready condition.
func (c *cluster) pod(name string, rsUID types.UID, ready bool, restarts int32, state corev1.ContainerState) *corev1.Pod {
	cond := corev1.ConditionFalse
	if ready {
		cond = corev1.ConditionTrue
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: types.UID(name + "-uid"),
			OwnerReferences: []metav1.OwnerReference{ctrlRef("ReplicaSet", "web-2", rsUID)}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning,
			Conditions:        []corev1.PodCondition{{Type: corev1.PodReady, Status: cond}},
			ContainerStatuses: []corev1.ContainerStatus{{Name: "app", Ready: ready, RestartCount: restarts, State: state}}},
	}
}

var running = corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}

func (c *cluster) apply(obj runtime.Object) {
	c.t.Helper()
	ctx := context.Background()
	var err error
	switch o := obj.(type) {
	case *corev1.Pod:
		if _, err = c.cs.CoreV1().Pods(ns).Update(ctx, o, metav1.UpdateOptions{}); err != nil {
			_, err = c.cs.CoreV1().Pods(ns).Create(ctx, o, metav1.CreateOptions{})
		}
	case *appsv1.Deployment:
		_, err = c.cs.AppsV1().Deployments(ns).Update(ctx, o, metav1.UpdateOptions{})
	case *appsv1.ReplicaSet:
		_, err = c.cs.AppsV1().ReplicaSets(ns).Update(ctx, o, metav1.UpdateOptions{})
	case *corev1.Event:
		if _, err = c.cs.CoreV1().Events(ns).Update(ctx, o, metav1.UpdateOptions{}); err != nil {
			_, err = c.cs.CoreV1().Events(ns).Create(ctx, o, metav1.CreateOptions{})
		}
	}
	if err != nil {
		c.t.Fatalf("apply %T: %v", obj, err)
	}
}

// depStatus sets the deployment's ready/available counts.
func (c *cluster) depStatus(ready int32) {
	d := c.dep.DeepCopy()
	d.Status.ReadyReplicas, d.Status.AvailableReplicas = ready, ready
	c.apply(d)
}

// wait runs Wait in the background and returns a channel with its result.
func wait(ctx context.Context, tr *Tracker, objs []runtime.Object, timeout time.Duration) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- tr.Wait(ctx, objs, timeout) }()
	return ch
}

func result(t *testing.T, ch <-chan error, within time.Duration) error {
	t.Helper()
	select {
	case err := <-ch:
		return err
	case <-time.After(within):
		t.Fatalf("Wait did not return within %s", within)
		return nil
	}
}

// eventually polls cond (a test-side helper: the tracker itself watches).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// logReactor serves "previous" logs with the given text; current logs stay
// the fake clientset's "fake logs".
func logReactor(cs *fake.Clientset, previous string) {
	cs.PrependReactor("get", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		g, ok := a.(k8stesting.GenericAction)
		if !ok || a.GetSubresource() != "log" {
			return false, nil, nil
		}
		if o, ok := g.GetValue().(*corev1.PodLogOptions); ok && o.Previous {
			return true, &runtime.Unknown{Raw: []byte(previous)}, nil
		}
		return false, nil, nil
	})
}

func mustFailure(t *testing.T, err error) *FailureError {
	t.Helper()
	var fe *FailureError
	if !errors.As(err, &fe) {
		t.Fatalf("want *FailureError, got %v", err)
	}
	return fe
}
