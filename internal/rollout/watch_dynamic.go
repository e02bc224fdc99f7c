package rollout

import (
	"context"
	"fmt"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/dynamic/dynamicinformer"
	"k8s.io/client-go/tools/cache"
)

// dynamicWatch is the part of an nsWatch that follows kstatus kinds through the dynamic
// client: one informer per resource, whatever the number of objects of that resource. The
// nsWatch of namespace "" holds the cluster-scoped ones.
type dynamicWatch struct {
	dyn       dynamic.Interface
	resources map[string]schema.GroupVersionResource // by informer key
	wg        sync.WaitGroup

	mu      sync.Mutex
	refused map[string]error // informer key → why the server refused to list or watch it
}

// dynamicKey is the informer key of a resource followed through the dynamic client; it cannot
// collide with the kind names of the typed informers.
func dynamicKey(gvr schema.GroupVersionResource) string {
	return "dynamic:" + gvr.String()
}

// wantResource registers a resource followed through the dynamic client. A namespaced one
// brings the namespace's events too: controllers of custom resources report through them.
func (w *nsWatch) wantResource(gvr schema.GroupVersionResource) {
	w.dynamic.resources[dynamicKey(gvr)] = gvr
	if w.ns != "" {
		w.kinds["Event"] = true
	}
}

// startResources runs the dynamic informers, each with its own context so that one the server
// refuses can be stopped alone.
//
// Unlike a refused watch of a hand-written kind, which fails the rollout, a refusal here
// (Forbidden, Unauthorized, or NotFound: the server has no such resource, e.g. a wrong guessed
// plural) is reported once through warn, and the objects of that resource count as ready once
// applied, as they did before kstatus tracking: permissions to list and watch every kind of a
// chart are not required.
func (w *nsWatch) startResources(ctx context.Context, handler cache.ResourceEventHandler, notify func(), warn func(string)) {
	for key, gvr := range w.dynamic.resources {
		inf := dynamicinformer.NewFilteredDynamicInformer(w.dynamic.dyn, gvr, w.ns, 0, cache.Indexers{}, nil).Informer()
		ictx, cancel := context.WithCancel(ctx)
		_, _ = inf.AddEventHandler(handler)
		_ = inf.SetWatchErrorHandlerWithContext(w.refusedHandler(key, gvr, cancel, notify, warn))
		w.informers[key] = inf
		w.dynamic.wg.Add(1)
		go func() {
			defer w.dynamic.wg.Done()
			inf.RunWithContext(ictx)
		}()
	}
}

func (w *nsWatch) refusedHandler(key string, gvr schema.GroupVersionResource, cancel context.CancelFunc, notify func(), warn func(string)) cache.WatchErrorHandlerWithContext {
	var once sync.Once
	return func(_ context.Context, _ *cache.Reflector, err error) {
		if !apierrors.IsForbidden(err) && !apierrors.IsUnauthorized(err) && !apierrors.IsNotFound(err) {
			return // the reflector backs off and lists/watches again
		}
		once.Do(func() {
			w.dynamic.mu.Lock()
			w.dynamic.refused[key] = err
			w.dynamic.mu.Unlock()
			cancel()
			where := "in namespace " + w.ns
			if w.ns == "" {
				where = "cluster-wide"
			}
			warn(fmt.Sprintf("status: cannot watch %s %s (%v); its objects count as ready once applied",
				gvr.GroupResource(), where, err))
			notify()
		})
	}
}

// refusal is why the server refused the informer of key, or nil.
func (w *nsWatch) refusal(key string) error {
	w.dynamic.mu.Lock()
	defer w.dynamic.mu.Unlock()
	return w.dynamic.refused[key]
}

// stopResources waits for the dynamic informers to return once their context ended.
func (w *nsWatch) stopResources() {
	w.dynamic.wg.Wait()
}

// storeKey is the cache key of a named object of this watch's namespace (the bare name for
// cluster-scoped objects).
func (w *nsWatch) storeKey(name string) string {
	if w.ns == "" {
		return name
	}
	return w.ns + "/" + name
}
