package release

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"helm.sh/helm/v3/pkg/kube"
	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// errUnsupported is returned when Helm asks the wrapped client for an optional
// capability the inner client does not have.
var errUnsupported = errors.New("kube client does not support this operation")

// waitingClient wraps Helm's kube client. Wait and WaitWithJobs (and hook waits made only of
// Jobs and Pods) go to the Waiter of the current call when there is one, and WaitForDelete
// when that Waiter is also a DeleteWaiter; every other call, including the optional interfaces
// Helm type-asserts (InterfaceExt, InterfaceThreeWayMerge, InterfaceLogs,
// InterfaceDeletionPropagation, InterfaceResources), is delegated.
//
// Helm never decides when a wait ends: the Waiter does, with the caller's context. Helm itself
// runs on a context that is never cancelled (see Run), so a cancelled deploy is a wait that
// returned an error, which Helm handles like any failed wait: it marks the revision failed and
// returns. There is no atomic rollback inside Helm to race with (Remediate is ours).
type waitingClient struct {
	inner kube.Interface

	mu       sync.Mutex
	waiter   Waiter
	ctx      context.Context
	rollback bool // the current call is our rollback: its waits are marked RollbackWaitContext
	// onDelete, when set, sees every DeleteWithPropagationPolicy call and its errors: Helm
	// deletes a release's resources through it (hooks use Delete), so Uninstall learns whether
	// deletion happened and why it failed.
	onDelete func(kube.ResourceList, []error)
}

var (
	_ kube.Interface                    = (*waitingClient)(nil)
	_ kube.InterfaceExt                 = (*waitingClient)(nil)
	_ kube.InterfaceThreeWayMerge       = (*waitingClient)(nil)
	_ kube.InterfaceLogs                = (*waitingClient)(nil)
	_ kube.InterfaceDeletionPropagation = (*waitingClient)(nil)
	_ kube.InterfaceResources           = (*waitingClient)(nil)
)

// use sets the waiter and context for one call; the returned func clears them.
func (c *waitingClient) use(ctx context.Context, w Waiter, rollback bool) func() {
	c.mu.Lock()
	c.ctx, c.waiter, c.rollback = ctx, w, rollback
	c.mu.Unlock()
	return func() {
		c.mu.Lock()
		c.ctx, c.waiter, c.rollback = nil, nil, false
		c.mu.Unlock()
	}
}

// watchDeletes sets onDelete for one call; the returned func clears it.
func (c *waitingClient) watchDeletes(fn func(kube.ResourceList, []error)) func() {
	c.mu.Lock()
	c.onDelete = fn
	c.mu.Unlock()
	return func() {
		c.mu.Lock()
		c.onDelete = nil
		c.mu.Unlock()
	}
}

// wait routes one of Helm's waits to the Waiter, with the call's context.
func (c *waitingClient) wait(resources kube.ResourceList, timeout time.Duration, helmWait func(kube.ResourceList, time.Duration) error) error {
	return c.waitMarked(resources, timeout, helmWait, false)
}

// waitMarked is wait; hook marks the waiter's context with HookWaitContext.
func (c *waitingClient) waitMarked(resources kube.ResourceList, timeout time.Duration, helmWait func(kube.ResourceList, time.Duration) error, hook bool) error {
	c.mu.Lock()
	ctx, w, rollback := c.ctx, c.waiter, c.rollback
	c.mu.Unlock()
	if ctx == nil {
		ctx = context.Background()
	}
	if hook {
		ctx = HookWaitContext(ctx)
	}
	if rollback {
		ctx = RollbackWaitContext(ctx)
	}
	return callWaiter(ctx, w, resources, timeout, helmWait)
}

type rollbackWaitKey struct{}

// RollbackWaitContext marks ctx as the context of a wait for a rollback (Remediate).
func RollbackWaitContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, rollbackWaitKey{}, true)
}

type hookWaitKey struct{}

// HookWaitContext marks ctx as the context of a wait for a Helm hook (Jobs that must complete).
func HookWaitContext(ctx context.Context) context.Context {
	return context.WithValue(ctx, hookWaitKey{}, true)
}

// IsHookWait tells a Waiter that it is waiting for hook Jobs to complete: no stabilisation
// window applies to them.
func IsHookWait(ctx context.Context) bool {
	v, _ := ctx.Value(hookWaitKey{}).(bool)
	return v
}

// IsRollbackWait tells a Waiter that it is waiting for a rollback (the previous revision coming
// back), not for the revision being deployed.
func IsRollbackWait(ctx context.Context) bool {
	v, _ := ctx.Value(rollbackWaitKey{}).(bool)
	return v
}

// DeleteWaiter is the optional side of a Waiter that also waits for deletions: Helm's
// WaitForDelete (hooks deleted before they are created again or after they succeeded, an
// uninstall with Wait) goes to WaitDeleted, with the call's context, instead of Helm's silent
// poll. It receives the objects Helm deleted and Helm's timeout, and must honour ctx.
type DeleteWaiter interface {
	WaitDeleted(ctx context.Context, objs []runtime.Object, timeout time.Duration) error
}

// callWaiter calls the Waiter with the objects of the resource list, or Helm's
// own wait when there is no Waiter.
func callWaiter(ctx context.Context, w Waiter, resources kube.ResourceList, timeout time.Duration, helmWait func(kube.ResourceList, time.Duration) error) error {
	if w == nil {
		return helmWait(resources, timeout)
	}
	return w.Wait(ctx, objectsOf(resources), timeout)
}

// objectsOf is the objects of a resource list, as a Waiter receives them.
func objectsOf(resources kube.ResourceList) []runtime.Object {
	objs := make([]runtime.Object, 0, len(resources))
	for _, info := range resources {
		if info != nil && info.Object != nil {
			objs = append(objs, info.Object)
		}
	}
	return objs
}

func (c *waitingClient) Wait(resources kube.ResourceList, timeout time.Duration) error {
	return c.wait(resources, timeout, c.inner.Wait)
}

func (c *waitingClient) WaitWithJobs(resources kube.ResourceList, timeout time.Duration) error {
	return c.wait(resources, timeout, c.inner.WaitWithJobs)
}

func (c *waitingClient) Create(resources kube.ResourceList) (*kube.Result, error) {
	return c.inner.Create(resources)
}

func (c *waitingClient) Delete(resources kube.ResourceList) (*kube.Result, []error) {
	return c.inner.Delete(resources)
}

// WatchUntilReady is Helm's wait for a hook. Hooks made of Jobs and bare Pods go to the Waiter
// too (marked HookWaitContext: they must complete), so a failing hook is diagnosed with its
// pod, reason and log lines like any workload; other hook kinds stay Helm's.
func (c *waitingClient) WatchUntilReady(resources kube.ResourceList, timeout time.Duration) error {
	if !onlyJobsAndPods(resources) {
		return c.inner.WatchUntilReady(resources, timeout)
	}
	return c.waitMarked(resources, timeout, c.inner.WatchUntilReady, true)
}

func onlyJobsAndPods(resources kube.ResourceList) bool {
	if len(resources) == 0 {
		return false
	}
	for _, info := range resources {
		if info == nil || info.Object == nil {
			return false
		}
		gvk := info.Object.GetObjectKind().GroupVersionKind()
		job := gvk.Group == "batch" && gvk.Kind == "Job"
		pod := gvk.Group == "" && gvk.Kind == "Pod"
		if !job && !pod {
			return false
		}
	}
	return true
}

func (c *waitingClient) Update(original, target kube.ResourceList, force bool) (*kube.Result, error) {
	return c.inner.Update(original, target, force)
}

func (c *waitingClient) Build(reader io.Reader, validate bool) (kube.ResourceList, error) {
	return c.inner.Build(reader, validate)
}

func (c *waitingClient) WaitAndGetCompletedPodPhase(name string, timeout time.Duration) (v1.PodPhase, error) {
	return c.inner.WaitAndGetCompletedPodPhase(name, timeout)
}

func (c *waitingClient) IsReachable() error { return c.inner.IsReachable() }

// WaitForDelete is Helm's wait for deletions (hooks by delete policy, an uninstall with Wait).
// It goes to the current call's Waiter when that is a DeleteWaiter, with the call's context
// (unmarked); else to Helm's own wait, which is a no-op when the inner client has none (Helm
// would skip it then).
func (c *waitingClient) WaitForDelete(resources kube.ResourceList, timeout time.Duration) error {
	c.mu.Lock()
	ctx, w := c.ctx, c.waiter
	c.mu.Unlock()
	if dw, ok := w.(DeleteWaiter); ok {
		if ctx == nil {
			ctx = context.Background()
		}
		return dw.WaitDeleted(ctx, objectsOf(resources), timeout)
	}
	if ext, ok := c.inner.(kube.InterfaceExt); ok {
		return ext.WaitForDelete(resources, timeout)
	}
	return nil
}

func (c *waitingClient) UpdateThreeWayMerge(original, target kube.ResourceList, force bool) (*kube.Result, error) {
	if m, ok := c.inner.(kube.InterfaceThreeWayMerge); ok {
		return m.UpdateThreeWayMerge(original, target, force)
	}
	return nil, fmt.Errorf("three-way merge update: %w", errUnsupported)
}

func (c *waitingClient) GetPodList(namespace string, opts metav1.ListOptions) (*v1.PodList, error) {
	if l, ok := c.inner.(kube.InterfaceLogs); ok {
		return l.GetPodList(namespace, opts)
	}
	return nil, fmt.Errorf("list pods: %w", errUnsupported)
}

func (c *waitingClient) OutputContainerLogsForPodList(pods *v1.PodList, namespace string, writer func(namespace, pod, container string) io.Writer) error {
	if l, ok := c.inner.(kube.InterfaceLogs); ok {
		return l.OutputContainerLogsForPodList(pods, namespace, writer)
	}
	return fmt.Errorf("container logs: %w", errUnsupported)
}

func (c *waitingClient) DeleteWithPropagationPolicy(resources kube.ResourceList, policy metav1.DeletionPropagation) (*kube.Result, []error) {
	var (
		res  *kube.Result
		errs []error
	)
	if d, ok := c.inner.(kube.InterfaceDeletionPropagation); ok {
		res, errs = d.DeleteWithPropagationPolicy(resources, policy)
	} else {
		res, errs = c.inner.Delete(resources)
	}
	c.mu.Lock()
	onDelete := c.onDelete
	c.mu.Unlock()
	if onDelete != nil {
		onDelete(resources, errs)
	}
	return res, errs
}

func (c *waitingClient) Get(resources kube.ResourceList, related bool) (map[string][]runtime.Object, error) {
	if r, ok := c.inner.(kube.InterfaceResources); ok {
		return r.Get(resources, related)
	}
	return nil, fmt.Errorf("get resources: %w", errUnsupported)
}

func (c *waitingClient) BuildTable(reader io.Reader, validate bool) (kube.ResourceList, error) {
	if r, ok := c.inner.(kube.InterfaceResources); ok {
		return r.BuildTable(reader, validate)
	}
	return nil, fmt.Errorf("build table: %w", errUnsupported)
}
