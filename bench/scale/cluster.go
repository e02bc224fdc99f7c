package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// podsPerNode is the pod capacity of each fake node the bench adds (the kubelet default).
const podsPerNode = 110

// ensureNodes adds fake KWOK nodes (hda-scale-node-<i>, address 127.0.0.1 like the cluster's
// own two) until the cluster holds pods pods, and waits until they are Ready.
func ensureNodes(ctx context.Context, cs kubernetes.Interface, pods int) (int, error) {
	want := (pods + podsPerNode - 1) / podsPerNode
	for i := 1; i <= want; i++ {
		name := fmt.Sprintf("hda-scale-node-%d", i)
		capacity := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("32"),
			corev1.ResourceMemory: resource.MustParse("128Gi"), corev1.ResourcePods: *resource.NewQuantity(podsPerNode, resource.DecimalSI)}
		node := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: name,
				Annotations: map[string]string{"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
				Labels: map[string]string{"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
					"kubernetes.io/arch": "amd64", "type": "kwok"}},
			Status: corev1.NodeStatus{Capacity: capacity, Allocatable: capacity,
				Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}, {Type: corev1.NodeHostName, Address: name}}},
		}
		if _, err := cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return 0, fmt.Errorf("create node %s: %w", name, err)
		}
	}
	err := wait.PollUntilContextTimeout(ctx, time.Second, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: "type=kwok"})
		if err != nil {
			return false, nil
		}
		ready := 0
		for _, n := range nodes.Items {
			for _, c := range n.Status.Conditions {
				if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
					ready++
				}
			}
		}
		return ready >= want, nil
	})
	if err != nil {
		return 0, fmt.Errorf("fake nodes not Ready: %w", err)
	}
	return want, nil
}

// freshNamespace deletes ns if it exists, waits until it is gone, and creates it.
func freshNamespace(ctx context.Context, cs kubernetes.Interface, ns string) error {
	if err := deleteNamespace(ctx, cs, ns); err != nil {
		return err
	}
	obj := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"hda.test/bench": "scale"}}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, obj, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create namespace %s: %w", ns, err)
	}
	return nil
}

// deleteNamespace deletes ns and waits until it and its pods are gone, so the next run starts
// on a quiet cluster.
func deleteNamespace(ctx context.Context, cs kubernetes.Interface, ns string) error {
	err := cs.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete namespace %s: %w", ns, err)
	}
	err = wait.PollUntilContextTimeout(ctx, time.Second, 10*time.Minute, false, func(ctx context.Context) (bool, error) {
		_, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	if err != nil {
		return fmt.Errorf("namespace %s not gone: %w", ns, err)
	}
	return nil
}

// signals records the first time each state was seen through a watch of one namespace:
// "waiting:<Reason>" of a container of a pod created after the watch started, and
// "release:v<N>:<status>" of Helm's release Secrets.
type signals struct {
	mu    sync.Mutex
	first map[string]time.Time
	old   map[types.UID]bool
}

func (s *signals) mark(key string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.first[key]; !ok {
		s.first[key] = at
	}
}

func (s *signals) at(key string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.first[key]
}

// watchNamespace starts informers on the namespace's pods and the release's Secrets; it
// returns once their caches are synced. They stop with ctx.
func watchNamespace(ctx context.Context, cs kubernetes.Interface, ns, rel string) (*signals, error) {
	s := &signals{first: map[string]time.Time{}, old: map[types.UID]bool{}}
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list pods: %w", err)
	}
	for _, p := range pods.Items {
		s.old[p.UID] = true
	}
	f := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace(ns))
	onPod := func(obj any) {
		p, ok := obj.(*corev1.Pod)
		if !ok || s.old[p.UID] || p.DeletionTimestamp != nil {
			return
		}
		for _, c := range p.Status.ContainerStatuses {
			if w := c.State.Waiting; w != nil && w.Reason != "" {
				s.mark("waiting:"+w.Reason, time.Now())
			}
		}
	}
	onSecret := func(obj any) {
		if sec, ok := obj.(*corev1.Secret); ok && sec.Labels["owner"] == "helm" && sec.Labels["name"] == rel {
			s.mark(fmt.Sprintf("release:v%s:%s", sec.Labels["version"], sec.Labels["status"]), time.Now())
		}
	}
	for inf, fn := range map[cache.SharedIndexInformer]func(any){
		f.Core().V1().Pods().Informer(): onPod, f.Core().V1().Secrets().Informer(): onSecret} {
		h := cache.ResourceEventHandlerFuncs{AddFunc: fn, UpdateFunc: func(_, obj any) { fn(obj) }}
		if _, err := inf.AddEventHandler(h); err != nil {
			return nil, fmt.Errorf("event handler: %w", err)
		}
	}
	f.Start(ctx.Done())
	for typ, ok := range f.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return nil, fmt.Errorf("cache of %v did not sync", typ)
		}
	}
	return s, nil
}
