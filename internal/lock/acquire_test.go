package lock

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	k8stesting "k8s.io/client-go/testing"
)

func TestAcquireFreeLock(t *testing.T) {
	tests := []struct {
		name            string
		setup           func(t *testing.T, api *fakeAPI)
		wantTransitions int32
	}{
		{name: "no Lease yet", setup: func(*testing.T, *fakeAPI) {}, wantTransitions: 0},
		{name: "released Lease", setup: func(t *testing.T, api *fakeAPI) {
			api.putLease(t, "", 60, t0.Add(-time.Hour))
		}, wantTransitions: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t)
			tc.setup(t, api)
			h := mustAcquire(t, api.opts(holderA))
			l := api.lease(t)
			if got := holderOf(l); got != h.Identity() || !strings.HasPrefix(got, "acme/web run 100 attempt 1 job deploy #") {
				t.Fatalf("holder = %q, Held.Identity = %q", got, h.Identity())
			}
			if h.Waited != 0 || h.TookOver != nil {
				t.Fatalf("Waited = %s, TookOver = %v; want 0, nil", h.Waited, h.TookOver)
			}
			if *l.Spec.LeaseDurationSeconds != 60 || !l.Spec.RenewTime.Time.Equal(t0) || *l.Spec.LeaseTransitions != tc.wantTransitions {
				t.Fatalf("spec = %+v", l.Spec)
			}
			if l.Annotations[AnnotationRunURL] != holderA.RunURL || l.Annotations[AnnotationRelease] != testRelease ||
				l.Labels[managedByLabel] != managedByValue {
				t.Fatalf("metadata: annotations %v labels %v", l.Annotations, l.Labels)
			}
			if h.LeaseName() != "helm-deploy-web" || h.Namespace() != testNS {
				t.Fatalf("lease %s/%s", h.Namespace(), h.LeaseName())
			}
		})
	}
}

func TestAcquireHeldFailsAtOnceWithTimeoutZero(t *testing.T) {
	tests := []struct {
		name       string
		setup      func(t *testing.T, api *fakeAPI) (holder, runURL string)
		waiter     Holder
		wantInText []string
	}{
		{name: "held by another run", waiter: holderB, setup: func(t *testing.T, api *fakeAPI) (string, string) {
			h := mustAcquire(t, api.opts(holderA))
			return h.Identity(), holderA.RunURL
		}, wantInText: []string{"since 2026-03-01T12:00:00Z"}},
		{name: "same run, another process", waiter: holderA, setup: func(t *testing.T, api *fakeAPI) (string, string) {
			h := mustAcquire(t, api.opts(holderA))
			return h.Identity(), holderA.RunURL
		}},
		{name: "ancient renewTime is not stale at first sight", waiter: holderB, setup: func(t *testing.T, api *fakeAPI) (string, string) {
			api.putLease(t, "ghost", 60, time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC))
			return "ghost", "https://ci.example/run/9"
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t)
			holder, runURL := tc.setup(t, api)
			before := api.lease(t).ResourceVersion
			var waits []Info
			opts := api.opts(tc.waiter)
			opts.OnWait = func(i Info) { waits = append(waits, i) }
			h, err := Acquire(context.Background(), opts, 0)
			var he *HeldError
			if h != nil || !errors.As(err, &he) {
				t.Fatalf("Acquire = %v, %v; want *HeldError", h, err)
			}
			if !errors.Is(err, ErrHeld) || errors.Is(err, ErrTimeout) {
				t.Fatalf("err %v: want ErrHeld and not ErrTimeout", err)
			}
			if he.Info.Identity != holder || he.Info.RunURL() != runURL {
				t.Fatalf("HeldError.Info = %+v, want holder %q", he.Info, holder)
			}
			msg := err.Error()
			for _, want := range append([]string{holder, runURL, "lock-timeout", "kubectl -n apps delete lease helm-deploy-web"}, tc.wantInText...) {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q lacks %q", msg, want)
				}
			}
			if len(waits) != 1 || waits[0].Identity != holder {
				t.Errorf("OnWait calls = %+v, want one naming %q", waits, holder)
			}
			if api.count("watch") != 0 || api.lease(t).ResourceVersion != before {
				t.Error("timeout 0 watched or wrote the Lease")
			}
		})
	}
}

func TestAcquireHandlesAnotherWriterInBetween(t *testing.T) {
	intervene := func(api *fakeAPI, change func(l *coordinationv1.Lease) *coordinationv1.Lease) {
		var done atomic.Bool
		api.cs.PrependReactor("get", "leases", func(k8stesting.Action) (bool, runtime.Object, error) {
			if done.Swap(true) {
				return false, nil, nil
			}
			obj, err := api.cs.Tracker().Get(leaseGVR, testNS, LeaseName(testRelease))
			old, _ := obj.(*coordinationv1.Lease)
			if apierrors.IsNotFound(err) { // someone creates it right after our read
				old = &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: LeaseName(testRelease), Namespace: testNS}}
			} else if err != nil {
				return true, nil, err
			}
			l := change(old.DeepCopy())
			if apierrors.IsNotFound(err) {
				l.ResourceVersion = "1"
				_ = api.cs.Tracker().Create(leaseGVR, l, testNS)
			} else if _, werr := api.write(l); werr != nil {
				return true, nil, werr
			}
			return true, old, err
		})
	}
	sneaky := func(l *coordinationv1.Lease) *coordinationv1.Lease {
		id, secs := "sneaky", int32(60)
		l.Spec.HolderIdentity, l.Spec.LeaseDurationSeconds = &id, &secs
		return l
	}
	labelOnly := func(l *coordinationv1.Lease) *coordinationv1.Lease {
		l.Labels = map[string]string{"touched": "yes"}
		return l
	}
	tests := []struct {
		name        string
		existing    bool
		change      func(*coordinationv1.Lease) *coordinationv1.Lease
		wantHolder  string // "" = us
		wantUpdates int
	}{
		{name: "writer takes the free lock first", existing: true, change: sneaky, wantHolder: "sneaky", wantUpdates: 1},
		{name: "writer only touches labels", existing: true, change: labelOnly, wantUpdates: 2},
		{name: "writer creates the Lease first", change: sneaky, wantHolder: "sneaky", wantUpdates: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := newFakeAPI(t)
			if tc.existing {
				api.putLease(t, "", 60, t0)
			}
			intervene(api, tc.change)
			h, err := Acquire(context.Background(), api.opts(holderB), 0)
			if tc.wantHolder == "" {
				if err != nil {
					t.Fatalf("Acquire: %v", err)
				}
				defer h.Release(context.Background())
				if l := api.lease(t); holderOf(l) != h.Identity() || l.Labels["touched"] != "yes" {
					t.Fatalf("lease = %+v", l)
				}
			} else {
				var he *HeldError
				if !errors.As(err, &he) || he.Info.Identity != tc.wantHolder {
					t.Fatalf("Acquire err = %v, want held by %q", err, tc.wantHolder)
				}
				if got := holderOf(api.lease(t)); got != tc.wantHolder {
					t.Fatalf("holder overwritten: %q", got)
				}
			}
			if got := api.count("update"); got != tc.wantUpdates {
				t.Fatalf("updates = %d, want %d", got, tc.wantUpdates)
			}
		})
	}
}

func TestAcquireForbidden(t *testing.T) {
	tests := []struct {
		verb  string
		setup func(t *testing.T, api *fakeAPI)
	}{
		{verb: "get", setup: func(*testing.T, *fakeAPI) {}},
		{verb: "create", setup: func(*testing.T, *fakeAPI) {}},
		{verb: "update", setup: func(t *testing.T, api *fakeAPI) { api.putLease(t, "", 60, t0) }},
		{verb: "watch", setup: func(t *testing.T, api *fakeAPI) { api.putLease(t, "other", 60, t0) }},
	}
	for _, tc := range tests {
		t.Run(tc.verb, func(t *testing.T) {
			api := newFakeAPI(t)
			tc.setup(t, api)
			denied := apierrors.NewForbidden(leaseGVR.GroupResource(), "helm-deploy-web",
				errors.New(`User "system:serviceaccount:ci:deployer" cannot `+tc.verb))
			if tc.verb == "watch" {
				api.cs.PrependWatchReactor("leases", func(k8stesting.Action) (bool, watch.Interface, error) {
					return true, nil, denied
				})
			} else {
				api.cs.PrependReactor(tc.verb, "leases", func(k8stesting.Action) (bool, runtime.Object, error) {
					return true, nil, denied
				})
			}
			_, err := Acquire(context.Background(), api.opts(holderB), time.Minute)
			if !errors.Is(err, ErrForbidden) || !apierrors.IsForbidden(err) {
				t.Fatalf("err = %v, want ErrForbidden wrapping the API error", err)
			}
			for _, want := range []string{tc.verb + " Lease apps/helm-deploy-web", "get, create, update and watch",
				"leases.coordination.k8s.io", `namespace "apps"`, "rbac.yaml"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("message %q lacks %q", err, want)
				}
			}
		})
	}
}

func TestAcquireRejectsBadOptions(t *testing.T) {
	api := newFakeAPI(t)
	tests := []struct {
		name    string
		mutate  func(*Options)
		timeout time.Duration
		want    string
	}{
		{name: "no client", mutate: func(o *Options) { o.Client = nil }, want: "no Kubernetes client"},
		{name: "no namespace", mutate: func(o *Options) { o.Namespace = "" }, want: "no namespace"},
		{name: "no release", mutate: func(o *Options) { o.Release = " " }, want: "no release name"},
		{name: "renewal not shorter than TTL", mutate: func(o *Options) { o.RenewEvery = time.Minute }, want: "shorter than the TTL"},
		{name: "negative TTL", mutate: func(o *Options) { o.TTL = -time.Second }, want: "negative TTL"},
		{name: "negative timeout", mutate: func(*Options) {}, timeout: -time.Second, want: "negative lock timeout"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := api.opts(holderA)
			tc.mutate(&opts)
			if _, err := Acquire(context.Background(), opts, tc.timeout); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	if len(api.cs.Actions()) != 0 {
		t.Fatal("bad options reached the API")
	}
}
