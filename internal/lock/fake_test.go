package lock

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
	clocktesting "k8s.io/utils/clock/testing"
)

const (
	testNS      = "apps"
	testRelease = "web"
)

var (
	leaseGVR = coordinationv1.SchemeGroupVersion.WithResource("leases")
	t0       = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	holderA  = Holder{Repository: "acme/web", Workflow: "deploy", RunID: "100", RunAttempt: "1", Job: "deploy",
		RunURL: "https://github.com/acme/web/actions/runs/100/attempts/1", Actor: "alice"}
	holderB = Holder{Repository: "acme/web", Workflow: "deploy", RunID: "200", RunAttempt: "2", Job: "deploy",
		RunURL: "https://github.com/acme/web/actions/runs/200/attempts/2", Actor: "bob"}
)

// fakeAPI is a fake clientset whose Lease writes behave like the API
// server: every write gets a new resourceVersion, and an update whose
// resourceVersion is not the stored one fails with Conflict.
type fakeAPI struct {
	cs    *fake.Clientset
	clock *clocktesting.FakeClock
	rv    atomic.Int64
	// serverNow, when set, is the API server's clock: dry-run creates return it as their
	// creationTimestamp (whole seconds, as the server does). Unset, they return no timestamp.
	serverNow func() time.Time
}

func newFakeAPI(t *testing.T) *fakeAPI {
	t.Helper()
	f := &fakeAPI{cs: fake.NewClientset(), clock: clocktesting.NewFakeClock(t0)}
	f.rv.Store(100)
	f.cs.PrependReactor("create", "leases", func(a k8stesting.Action) (bool, runtime.Object, error) {
		l := a.(k8stesting.CreateAction).GetObject().(*coordinationv1.Lease).DeepCopy()
		if ca, ok := a.(k8stesting.CreateActionImpl); ok && len(ca.CreateOptions.DryRun) > 0 {
			l.Name = l.GenerateName + "x1y2z"
			if f.serverNow != nil {
				l.CreationTimestamp = metav1.NewTime(f.serverNow().Truncate(time.Second))
			}
			return true, l, nil
		}
		l.ResourceVersion = strconv.FormatInt(f.rv.Add(1), 10)
		if err := f.cs.Tracker().Create(leaseGVR, l, l.Namespace); err != nil {
			return true, nil, err
		}
		return true, l.DeepCopy(), nil
	})
	f.cs.PrependReactor("update", "leases", func(a k8stesting.Action) (bool, runtime.Object, error) {
		l, err := f.write(a.(k8stesting.UpdateAction).GetObject().(*coordinationv1.Lease).DeepCopy())
		return true, l, err
	})
	return f
}

// write stores l like an update through the API server would.
func (f *fakeAPI) write(l *coordinationv1.Lease) (*coordinationv1.Lease, error) {
	obj, err := f.cs.Tracker().Get(leaseGVR, l.Namespace, l.Name)
	if err != nil {
		return nil, err
	}
	if l.ResourceVersion != "" && l.ResourceVersion != obj.(*coordinationv1.Lease).ResourceVersion {
		return nil, apierrors.NewConflict(leaseGVR.GroupResource(), l.Name, errors.New("the object has been modified"))
	}
	l.ResourceVersion = strconv.FormatInt(f.rv.Add(1), 10)
	if err := f.cs.Tracker().Update(leaseGVR, l, l.Namespace); err != nil {
		return nil, err
	}
	return l.DeepCopy(), nil
}

func (f *fakeAPI) opts(h Holder) Options {
	return Options{Client: f.cs, Namespace: testNS, Release: testRelease, Holder: h, TTL: time.Minute, Clock: f.clock}
}

// lease returns the stored Lease, or nil when there is none.
func (f *fakeAPI) lease(t *testing.T) *coordinationv1.Lease {
	t.Helper()
	l, err := f.cs.CoordinationV1().Leases(testNS).Get(context.Background(), LeaseName(testRelease), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatalf("get lease: %v", err)
	}
	return l
}

// putLease creates a Lease held by holder, as another process would.
func (f *fakeAPI) putLease(t *testing.T, holder string, seconds int32, renewed time.Time) {
	t.Helper()
	rt := metav1.NewMicroTime(renewed)
	l := &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Name: LeaseName(testRelease), Namespace: testNS,
			Annotations: map[string]string{AnnotationRunURL: "https://ci.example/run/9"}},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &seconds,
			AcquireTime: &rt, RenewTime: &rt},
	}
	if _, err := f.cs.CoordinationV1().Leases(testNS).Create(context.Background(), l, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create lease: %v", err)
	}
}

// count is the number of recorded calls with this verb on leases.
func (f *fakeAPI) count(verb string) int {
	n := 0
	for _, a := range f.cs.Actions() {
		if a.GetVerb() == verb && a.GetResource().Resource == "leases" {
			n++
		}
	}
	return n
}

func holderOf(l *coordinationv1.Lease) string {
	if l == nil || l.Spec.HolderIdentity == nil {
		return ""
	}
	return *l.Spec.HolderIdentity
}

// waitUntil polls cond in real time; the fake clock never moves by itself.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

type acquired struct {
	held *Held
	err  error
}

// acquireAsync runs Acquire in a goroutine.
func acquireAsync(ctx context.Context, opts Options, timeout time.Duration) <-chan acquired {
	ch := make(chan acquired, 1)
	go func() {
		h, err := Acquire(ctx, opts, timeout)
		ch <- acquired{h, err}
	}()
	return ch
}

func receive(t *testing.T, ch <-chan acquired) acquired {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(5 * time.Second):
		t.Fatal("Acquire did not return")
		return acquired{}
	}
}

func assertPending(t *testing.T, ch <-chan acquired) {
	t.Helper()
	select {
	case r := <-ch:
		t.Fatalf("Acquire returned early: held=%v err=%v", r.held != nil, r.err)
	default:
	}
}

func mustAcquire(t *testing.T, opts Options) *Held {
	t.Helper()
	h, err := Acquire(context.Background(), opts, 0)
	if err != nil {
		t.Fatalf("Acquire: %v", err)
	}
	t.Cleanup(func() { _ = h.Release(context.Background()) })
	return h
}
