package rollout

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

const ownerIndex = "controllerUID"

// nsWatch holds the informers of one namespace ("": of cluster-scoped objects),
// one per kind or resource, never one per object. Informers list once and then
// watch; their reflectors re-establish a watch that the server closes (and
// re-list when the resource version is too old), so nothing here polls.
type nsWatch struct {
	cs      kubernetes.Interface
	ns      string
	kinds   map[string]bool // typed kinds
	dynamic dynamicWatch    // kstatus kinds (watch_dynamic.go)
	f       informers.SharedInformerFactory
	cancel  context.CancelFunc

	informers map[string]cache.SharedIndexInformer // by kind, or by dynamicKey
	events    eventQueue                           // events changed since the last flush (events_queue.go)
}

func newNSWatch(cs kubernetes.Interface, dyn dynamic.Interface, ns string) *nsWatch {
	return &nsWatch{cs: cs, ns: ns, kinds: map[string]bool{}, informers: map[string]cache.SharedIndexInformer{},
		dynamic: dynamicWatch{dyn: dyn, resources: map[string]schema.GroupVersionResource{}, refused: map[string]error{}}}
}

// want registers a tracked kind and the kinds needed to follow it.
func (w *nsWatch) want(kind string) {
	w.kinds[kind] = true
	w.kinds["Event"] = true
	switch kind {
	case "Deployment":
		w.kinds["ReplicaSet"] = true
		w.kinds["Pod"] = true
	case "StatefulSet", "DaemonSet", "Job":
		w.kinds["Pod"] = true
	}
}

// start runs the informers. A watch that is refused (Forbidden or
// Unauthorized) is reported on fatal for tracked kinds; for events, which are
// only decoration, warn is called once and tracking goes on without them.
func (w *nsWatch) start(ctx context.Context, notify func(), fatal chan<- error, warn func(string)) {
	ctx, w.cancel = context.WithCancel(ctx)
	w.f = informers.NewSharedInformerFactoryWithOptions(w.cs, 0, informers.WithNamespace(w.ns))
	handler := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { notify() },
		UpdateFunc: func(any, any) { notify() },
		DeleteFunc: func(any) { notify() },
	}
	for kind := range w.kinds {
		var inf cache.SharedIndexInformer
		switch kind {
		case "Deployment":
			inf = w.f.Apps().V1().Deployments().Informer()
		case "ReplicaSet":
			inf = w.f.Apps().V1().ReplicaSets().Informer()
		case "StatefulSet":
			inf = w.f.Apps().V1().StatefulSets().Informer()
		case "DaemonSet":
			inf = w.f.Apps().V1().DaemonSets().Informer()
		case "Job":
			inf = w.f.Batch().V1().Jobs().Informer()
		case "Pod":
			inf = w.f.Core().V1().Pods().Informer()
		case "PersistentVolumeClaim":
			inf = w.f.Core().V1().PersistentVolumeClaims().Informer()
		case "Service":
			inf = w.f.Core().V1().Services().Informer()
		case "Event":
			inf = w.f.Core().V1().Events().Informer()
		default:
			continue
		}
		if kind == "Pod" || kind == "ReplicaSet" {
			_ = inf.AddIndexers(cache.Indexers{ownerIndex: controllerUID})
		}
		if kind == "Event" {
			// One handler queues the event and then notifies: the evaluation finds it queued.
			_, _ = inf.AddEventHandler(w.events.handler(notify))
		} else {
			_, _ = inf.AddEventHandler(handler)
		}
		_ = inf.SetWatchErrorHandlerWithContext(w.errorHandler(kind, fatal, warn))
		w.informers[kind] = inf
	}
	w.f.Start(ctx.Done())
	w.startResources(ctx, handler, notify, warn)
}

func (w *nsWatch) errorHandler(kind string, fatal chan<- error, warn func(string)) cache.WatchErrorHandlerWithContext {
	var once sync.Once
	return func(_ context.Context, _ *cache.Reflector, err error) {
		if !apierrors.IsForbidden(err) && !apierrors.IsUnauthorized(err) {
			return // the reflector backs off and lists/watches again
		}
		if kind == "Event" {
			once.Do(func() {
				warn(fmt.Sprintf("events: cannot watch events in namespace %s (%v); continuing without them", w.ns, err))
			})
			return
		}
		select {
		case fatal <- fmt.Errorf("%w: %s in namespace %s: %w", ErrWatch, kind, w.ns, err):
		default:
		}
	}
}

// synced waits for the initial lists of the tracked kinds (events excluded:
// they are optional, and so are dynamic informers the server refused); it fails
// only when ctx ends first.
func (w *nsWatch) synced(ctx context.Context) error {
	for kind, inf := range w.informers {
		if kind == "Event" {
			continue
		}
		for !inf.HasSynced() && w.refusal(kind) == nil {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
	return nil
}

func (w *nsWatch) stop() {
	if w.cancel != nil {
		w.cancel()
		w.f.Shutdown()
		w.stopResources()
	}
}

func controllerUID(obj any) ([]string, error) {
	m, ok := obj.(metav1.Object)
	if !ok {
		return nil, nil
	}
	if ref := metav1.GetControllerOfNoCopy(m); ref != nil {
		return []string{string(ref.UID)}, nil
	}
	return nil, nil
}

// get returns the named object of a tracked kind (or dynamicKey) from the
// cache and its desired replica count (for the failure allowance).
func (w *nsWatch) get(kind, name string) (runtime.Object, int32) {
	inf := w.informers[kind]
	if inf == nil {
		return nil, 0
	}
	item, ok, err := inf.GetStore().GetByKey(w.storeKey(name))
	if err != nil || !ok {
		return nil, 0
	}
	obj := item.(runtime.Object)
	switch o := obj.(type) {
	case *appsv1.Deployment:
		return o, replicasOr1(o.Spec.Replicas)
	case *appsv1.StatefulSet:
		return o, replicasOr1(o.Spec.Replicas)
	case *appsv1.DaemonSet:
		return o, o.Status.DesiredNumberScheduled
	case *batchv1.Job:
		return o, replicasOr1(o.Spec.Parallelism)
	}
	return obj, 1
}

// newReplicaSet finds the Deployment's ReplicaSet of the current revision.
func (w *nsWatch) newReplicaSet(d *appsv1.Deployment) *appsv1.ReplicaSet {
	inf := w.informers["ReplicaSet"]
	if inf == nil {
		return nil
	}
	items, _ := inf.GetIndexer().ByIndex(ownerIndex, string(d.UID))
	want := d.Annotations["deployment.kubernetes.io/revision"]
	var best *appsv1.ReplicaSet
	bestRev := int64(-1)
	for _, it := range items {
		rs := it.(*appsv1.ReplicaSet)
		rev := rs.Annotations["deployment.kubernetes.io/revision"]
		if want != "" && rev == want {
			return rs
		}
		if n, err := strconv.ParseInt(rev, 10, 64); err == nil && n > bestRev {
			best, bestRev = rs, n
		}
	}
	if want != "" {
		return nil // the controller has not created or labelled it yet
	}
	return best
}

// podsOwnedBy returns the cached pods whose controller has this UID.
func (w *nsWatch) podsOwnedBy(uid types.UID) []*corev1.Pod {
	inf := w.informers["Pod"]
	if inf == nil {
		return nil
	}
	items, _ := inf.GetIndexer().ByIndex(ownerIndex, string(uid))
	out := make([]*corev1.Pod, 0, len(items))
	for _, it := range items {
		out = append(out, it.(*corev1.Pod))
	}
	return out
}
