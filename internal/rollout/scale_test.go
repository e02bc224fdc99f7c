package rollout

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
)

// manyDeployments adds n Deployments "app-00"… with their new ReplicaSets and pods each
// (running, not ready, names "app-00-2-000"…), and returns the objects Helm would hand to Wait.
func manyDeployments(c *cluster, n, pods int) []runtime.Object {
	var objs []runtime.Object
	for i := range n {
		name := fmt.Sprintf("app-%02d", i)
		depUID, rsUID := types.UID(name+"-dep"), types.UID(name+"-rs")
		dep := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, UID: depUID, Generation: 2,
				Annotations: map[string]string{"deployment.kubernetes.io/revision": "2"}},
			Spec:   appsv1.DeploymentSpec{Replicas: i32(int32(pods))},
			Status: appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: int32(pods), UpdatedReplicas: int32(pods)},
		}
		rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: name + "-2", Namespace: ns, UID: rsUID,
			Annotations:     map[string]string{"deployment.kubernetes.io/revision": "2"},
			OwnerReferences: []metav1.OwnerReference{ctrlRef("Deployment", name, depUID)}}}
		c.create(dep, rs)
		for j := range pods {
			c.create(ownedPod(c, fmt.Sprintf("%s-2-%03d", name, j), "ReplicaSet", rs.Name, rsUID, false, running, nil))
		}
		objs = append(objs, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name}})
	}
	return objs
}

// A release of 200 pods in 10 Deployments: one list and one watch per kind (never per pod or
// per workload), at most MaxLogStreams log streams open at once, and the one crash-looping pod,
// last in every order, followed all the same.
func TestWaitManyPodsOneWatchPerKindAndBoundedStreams(t *testing.T) {
	c := newCluster(t, 1)
	objs := manyDeployments(c, 10, 20)
	crash := "app-09-2-019"
	p, err := c.cs.CoreV1().Pods(ns).Get(context.Background(), crash, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p.Status.ContainerStatuses[0].RestartCount = 2
	p.Status.ContainerStatuses[0].LastTerminationState.Terminated = &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error"}
	c.update("pods", p)
	c.cs.ClearActions()

	const limit = 8
	tr := c.tracker(func(o *Options) { o.MaxLogStreams = limit; o.MaxPodsPerWorkload = 50 })
	held := holdLogs(c, tr)
	ch := wait(context.Background(), tr, objs, time.Minute)
	eventually(t, "crash-looping pod followed", func() bool {
		_, follows := held.counts()
		return follows[crash] == 1 && strings.Contains(c.out.String(), crash+"/app crashed")
	})
	// It crashes again: CrashLoopBackOff fails the rollout.
	p = p.DeepCopy()
	p.Status.ContainerStatuses[0].RestartCount = 3
	p.Status.ContainerStatuses[0].State = crashLoop
	c.apply(p)
	fe := mustFailure(t, result(t, ch, 3*time.Second))
	if v := fe.Verdict; v.Reason != "CrashLoopBackOff" || v.Pod != crash {
		t.Fatalf("verdict %+v", v)
	}

	watches, lists := map[string]int{}, map[string]int{}
	for _, a := range c.cs.Actions() {
		switch {
		case a.GetVerb() == "watch":
			watches[a.GetResource().Resource]++
		case a.GetVerb() == "list":
			lists[a.GetResource().Resource]++
		case a.GetVerb() == "get" && a.GetSubresource() != "log":
			t.Errorf("a get of one object: %s %s", a.GetResource().Resource, a.GetSubresource())
		}
	}
	want := map[string]int{"deployments": 1, "replicasets": 1, "pods": 1, "events": 1}
	if fmt.Sprint(watches) != fmt.Sprint(want) || fmt.Sprint(lists) != fmt.Sprint(want) {
		t.Errorf("watches %v, lists %v, want one of each per kind: %v", watches, lists, want)
	}

	peak, follows := held.counts()
	if peak > limit || follows[crash] != 1 {
		t.Errorf("peak %d streams open (limit %d); crash-looping pod followed %d times", peak, limit, follows[crash])
	}
	st := tr.Stats()
	if st.LogStreamsPeak != limit || st.LogStreamsPreempted != 1 || st.LogStreamsOpened > limit+1 {
		t.Errorf("stats %+v", st)
	}
	countChecks(t, c.out.String(), []textCount{
		{"one line for the limit", "logs: following 9 of 200 pods (max-log-streams); the failing pods are always followed\n", 1},
		{"no final line: the counts did not change", "logs: followed", 0},
		{"no per-workload lines", "max pods per workload", 0},
		{"app-01 has no slot left", "app-01-2-", 0},
	})
}
