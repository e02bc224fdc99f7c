package rollout

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	k8stesting "k8s.io/client-go/testing"
)

var crashLoop = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}

func ownedPod(c *cluster, name, kind, owner string, uid types.UID, ready bool, state corev1.ContainerState, lbl map[string]string) *corev1.Pod {
	p := c.pod(name, uid, ready, 0, state)
	p.OwnerReferences = []metav1.OwnerReference{ctrlRef(kind, owner, uid)}
	p.Labels = lbl
	return p
}

func (c *cluster) create(objs ...runtime.Object) {
	c.t.Helper()
	for _, o := range objs {
		if err := c.cs.Tracker().Add(o); err != nil {
			c.t.Fatal(err)
		}
	}
}

func (c *cluster) update(gvr string, o runtime.Object) {
	c.t.Helper()
	res := map[string]struct{ g, v, r string }{
		"statefulsets": {"apps", "v1", "statefulsets"}, "jobs": {"batch", "v1", "jobs"},
		"pods": {"", "v1", "pods"}, "persistentvolumeclaims": {"", "v1", "persistentvolumeclaims"}, "services": {"", "v1", "services"},
	}[gvr]
	if err := c.cs.Tracker().Update(schema.GroupVersionResource{Group: res.g, Version: res.v, Resource: res.r}, o, ns); err != nil {
		c.t.Fatal(err)
	}
}

func TestWaitOldRevisionPodsAreIgnored(t *testing.T) {
	c := newCluster(t, 1)
	c.apply(ownedPod(c, "web-1-old", "ReplicaSet", "web-1", "rs1-uid", false, crashLoop, nil))
	c.apply(c.pod("web-2-a", "rs2-uid", true, 0, running))
	c.depStatus(1)
	if err := result(t, wait(context.Background(), c.tracker(nil), manifestObjs(t), time.Minute), 2*time.Second); err != nil {
		t.Fatalf("old ReplicaSet's crashing pod failed the rollout: %v", err)
	}
}

func TestWaitStatefulSetCurrentRevision(t *testing.T) {
	c := newCluster(t, 1)
	sts := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: ns, UID: "sts-uid", Generation: 1},
		Spec:   appsv1.StatefulSetSpec{Replicas: i32(2)},
		Status: appsv1.StatefulSetStatus{ObservedGeneration: 1, ReadyReplicas: 1, AvailableReplicas: 1, UpdatedReplicas: 1, CurrentRevision: "db-1", UpdateRevision: "db-2"}}
	c.create(sts,
		ownedPod(c, "db-0", "StatefulSet", "db", "sts-uid", false, crashLoop, map[string]string{appsv1.ControllerRevisionHashLabelKey: "db-1"}),
		ownedPod(c, "db-1", "StatefulSet", "db", "sts-uid", true, running, map[string]string{appsv1.ControllerRevisionHashLabelKey: "db-2"}))
	ch := wait(context.Background(), c.tracker(nil), []runtime.Object{&appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "db"}}}, time.Minute)
	eventually(t, "progress", func() bool { return strings.Contains(c.out.String(), "statefulset/db 1/2 ready, 1 updating") })
	c.update("pods", ownedPod(c, "db-0", "StatefulSet", "db", "sts-uid", false, crashLoop, map[string]string{appsv1.ControllerRevisionHashLabelKey: "db-2"}))
	fe := mustFailure(t, result(t, ch, 2*time.Second))
	if fe.Verdict.Resource != "statefulset/db" || fe.Verdict.Pod != "db-0" || fe.Verdict.Reason != "CrashLoopBackOff" {
		t.Fatalf("verdict %+v", fe.Verdict)
	}
}

func TestWaitJobPodFailuresWaitForBackoffLimit(t *testing.T) {
	c := newCluster(t, 1)
	job := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "migrate", Namespace: ns, UID: "job-uid"}}
	failed := ownedPod(c, "migrate-x", "Job", "migrate", "job-uid", false,
		corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error"}}, nil)
	failed.Status.Phase = corev1.PodFailed
	c.create(job, failed)
	ch := wait(context.Background(), c.tracker(nil), []runtime.Object{&batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "migrate"}}}, time.Minute)
	eventually(t, "job progress", func() bool { return strings.Contains(c.out.String(), "job/migrate 0 active") })
	select {
	case err := <-ch:
		t.Fatalf("a failed pod of a retrying Job ended the wait: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	job = job.DeepCopy()
	job.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, Reason: "BackoffLimitExceeded", Message: "Job has reached the specified backoff limit"}}
	c.update("jobs", job)
	fe := mustFailure(t, result(t, ch, 2*time.Second))
	if fe.Verdict.Reason != "BackoffLimitExceeded" || fe.Verdict.Resource != "job/migrate" {
		t.Fatalf("verdict %+v", fe.Verdict)
	}
}

func TestWaitBarePodPVCAndLoadBalancer(t *testing.T) {
	c := newCluster(t, 1)
	pod := c.pod("tool", "", false, 0, corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ErrImagePull"}})
	pod.OwnerReferences = nil
	pvc := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "data", Namespace: ns}}
	lb := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "lb", Namespace: ns}, Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer}}
	c.create(pod, pvc, lb)
	objs := []runtime.Object{pod.DeepCopy(), pvc.DeepCopy(), lb.DeepCopy(), &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "plain"}}}
	tr := c.tracker(nil)
	ch := wait(context.Background(), tr, objs, time.Minute)
	eventually(t, "pull counted", func() bool { return strings.Contains(c.out.String(), "pod/tool") })
	ready := c.pod("tool", "", true, 0, running)
	ready.OwnerReferences = nil
	c.update("pods", ready)
	pvc = pvc.DeepCopy()
	pvc.Status.Phase = corev1.ClaimBound
	c.update("persistentvolumeclaims", pvc)
	eventually(t, "pvc bound", func() bool { return strings.Contains(c.out.String(), "persistentvolumeclaim/data claim is bound") })
	select {
	case err := <-ch:
		t.Fatalf("returned before the load balancer had an address: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	lb = lb.DeepCopy()
	lb.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "127.0.0.10"}}
	c.update("services", lb)
	if err := result(t, ch, 2*time.Second); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if n := len(tr.Report().Resources); n != 3 {
		t.Errorf("report has %d resources, want 3 (plain Service not tracked)", n)
	}
}

func TestWaitReestablishesClosedWatch(t *testing.T) {
	c := newCluster(t, 1)
	var calls atomic.Int32
	c.cs.PrependWatchReactor("pods", func(k8stesting.Action) (bool, watch.Interface, error) {
		if calls.Add(1) == 1 {
			w := watch.NewFake()
			go func() { time.Sleep(20 * time.Millisecond); w.Stop() }()
			return true, w, nil
		}
		return false, nil, nil
	})
	ch := wait(context.Background(), c.tracker(nil), manifestObjs(t), time.Minute)
	eventually(t, "first watch closed", func() bool { return calls.Load() >= 1 })
	time.Sleep(50 * time.Millisecond)
	c.apply(c.pod("web-2-a", "rs2-uid", false, 0, crashLoop))
	fe := mustFailure(t, result(t, ch, 5*time.Second))
	lists := 0
	for _, a := range c.cs.Actions() {
		if a.GetVerb() == "list" && a.GetResource().Resource == "pods" {
			lists++
		}
	}
	// The pod was created after the only watch the reflector had closed, so
	// the verdict proves that list/watch was established again.
	if fe.Verdict.Pod != "web-2-a" || lists+int(calls.Load()) < 3 {
		t.Fatalf("verdict %+v after %d pod lists and %d watches", fe.Verdict, lists, calls.Load())
	}
}
