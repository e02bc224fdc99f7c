package release

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/release"
)

func TestRunInstallThenUpgrade(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()

	res, err := f.d.Run(ctx, demoOptions("web"))
	if err != nil {
		t.Fatalf("install: %v", err)
	}
	want := Result{Release: "web", Namespace: testNS, Revision: 1, PreviousRevision: 0, Status: "deployed",
		ChartName: "demo", ChartVersion: "0.1.0", AppVersion: "1.2.3", Description: "Install complete", Installed: true}
	if got := summary(res); !reflect.DeepEqual(got, want) {
		t.Errorf("install result:\n got %+v\nwant %+v", got, want)
	}
	wantRes := []Resource{{Kind: "ConfigMap", Name: "web-config"}, {Kind: "Deployment", Name: "web"}}
	if !reflect.DeepEqual(res.Resources, wantRes) {
		t.Errorf("resources = %+v, want %+v", res.Resources, wantRes)
	}

	res, err = f.d.Run(ctx, demoOptions("web"))
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	want.Revision, want.PreviousRevision, want.Installed, want.Description = 2, 1, false, "Upgrade complete"
	if got := summary(res); !reflect.DeepEqual(got, want) {
		t.Errorf("upgrade result:\n got %+v\nwant %+v", got, want)
	}
	if !strings.Contains(res.Manifest, `revision: "2"`) {
		t.Errorf("manifest of revision 2 does not render revision 2:\n%s", res.Manifest)
	}
	if got, want := statuses(t, f.store, "web"), []string{"1:superseded", "2:deployed"}; !reflect.DeepEqual(got, want) {
		t.Errorf("history = %v, want %v", got, want)
	}
}

// summary drops the long fields so results compare with ==.
func summary(r *Result) Result {
	c := *r
	c.Manifest, c.Resources = "", nil
	return c
}

func TestRunFirstInstallFailedThenRetry(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	o := demoOptions("api")
	o.Atomic = false // keep the failed revision, as a non-atomic helm install does

	f.kube.CreateError = errors.New("admission webhook denied the request")
	res, err := f.d.Run(ctx, o)
	if err == nil || !strings.Contains(err.Error(), "admission webhook denied") {
		t.Fatalf("first install: err = %v, want the create error", err)
	}
	if res == nil || res.Status != "failed" || res.Revision != 1 || !res.Installed || res.ChartName != "demo" {
		t.Fatalf("failed install result = %+v, want revision 1 failed from storage", res)
	}

	f.kube.CreateError = nil
	res, err = f.d.Run(ctx, o)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if res.Revision != 1 || res.Status != "deployed" || !res.Installed || res.PreviousRevision != 1 {
		t.Errorf("retry result = %+v, want a fresh install at revision 1 (previous 1)", summary(res))
	}
	if got, want := statuses(t, f.store, "api"), []string{"1:deployed"}; !reflect.DeepEqual(got, want) {
		t.Errorf("history = %v, want %v (the failed first install removed)", got, want)
	}
}

func TestDecide(t *testing.T) {
	tests := []struct {
		name    string
		history []release.Status // oldest first
		want    path
	}{
		{"no release", nil, pathInstall},
		{"only uninstalled", []release.Status{release.StatusUninstalled}, pathInstall},
		{"deployed", []release.Status{release.StatusDeployed}, pathUpgrade},
		{"first install failed", []release.Status{release.StatusFailed}, pathReinstall},
		{"failed twice never deployed", []release.Status{release.StatusFailed, release.StatusFailed}, pathReinstall},
		{"failed upgrade after deploy", []release.Status{release.StatusDeployed, release.StatusFailed}, pathUpgrade},
		{"failed after superseded", []release.Status{release.StatusSuperseded, release.StatusDeployed, release.StatusFailed}, pathUpgrade},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hist []*release.Release
			for i := len(tt.history) - 1; i >= 0; i-- { // newest first
				hist = append(hist, &release.Release{Version: i + 1, Info: &release.Info{Status: tt.history[i]}})
			}
			if got := decide(hist); got != tt.want {
				t.Errorf("decide = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRunPendingReleaseIsReported(t *testing.T) {
	for _, st := range []release.Status{release.StatusPendingInstall, release.StatusPendingUpgrade, release.StatusPendingRollback} {
		t.Run(st.String(), func(t *testing.T) {
			f := newFixture(t)
			seed(t, f.store, "db", release.StatusDeployed, st)

			res, err := f.d.Run(context.Background(), demoOptions("db"))
			var pe *PendingError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *PendingError", err)
			}
			want := PendingError{Release: "db", Namespace: testNS, Revision: 2, Status: st.String()}
			if *pe != want {
				t.Errorf("PendingError = %+v, want %+v", *pe, want)
			}
			if !errors.Is(err, ErrPending) || !strings.Contains(err.Error(), st.String()) {
				t.Errorf("error %q: want errors.Is ErrPending and the status named", err)
			}
			if res == nil || res.Status != st.String() || res.Revision != 2 {
				t.Errorf("result = %+v, want the stored pending revision", res)
			}
			if got, want := statuses(t, f.store, "db"), []string{"1:deployed", "2:" + st.String()}; !reflect.DeepEqual(got, want) {
				t.Errorf("history changed: %v, want %v", got, want)
			}
		})
	}
}

func TestRunAtomicRollbackOnFailingWait(t *testing.T) {
	tests := []struct {
		name        string
		waiter      *recordingWaiter // nil: Helm's wait, i.e. FailingKubeClient.WaitError
		wantHistory []string
		wantStatus  string
		wantErr     []string
	}{
		{
			name:        "rollback succeeds",
			waiter:      &recordingWaiter{results: []error{nil, errors.New("deployment web: 0 of 1 pods ready"), nil}},
			wantHistory: []string{"1:superseded", "2:failed", "3:deployed"},
			wantStatus:  "deployed",
			wantErr:     []string{"0 of 1 pods ready", "rolled back"},
		},
		{
			name:        "rollback wait fails too",
			wantHistory: []string{"1:deployed", "2:failed", "3:failed"},
			wantStatus:  "failed",
			wantErr:     []string{"timed out waiting", "rolling back"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			o := demoOptions("web")
			if tt.waiter != nil {
				o.Waiter = tt.waiter
			}
			if _, err := f.d.Run(ctx, o); err != nil {
				t.Fatalf("install: %v", err)
			}
			if tt.waiter == nil {
				f.kube.WaitError = errors.New("timed out waiting for the condition")
			}
			res, err := f.d.Run(ctx, o)
			if err == nil {
				t.Fatal("upgrade succeeded, want the wait failure")
			}
			for _, s := range tt.wantErr {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not contain %q", err, s)
				}
			}
			if got := statuses(t, f.store, "web"); !reflect.DeepEqual(got, tt.wantHistory) {
				t.Errorf("history = %v, want %v", got, tt.wantHistory)
			}
			latest, lerr := f.d.Latest(ctx, "web")
			if lerr != nil || latest == nil {
				t.Fatalf("Latest = %v, %v", latest, lerr)
			}
			if res.Status != tt.wantStatus || res.Revision != 3 || res.PreviousRevision != 1 || res.Installed {
				t.Errorf("result = %+v, want revision 3 %s (previous 1, upgrade)", summary(res), tt.wantStatus)
			}
			if res.Status != latest.Status || res.Revision != latest.Revision || res.Description != latest.Description {
				t.Errorf("result %+v differs from storage %+v", summary(res), summary(latest))
			}
			if tail := f.d.HelmLog().Tail(); !strings.Contains(tail, "atomic is set, rolling back") {
				t.Errorf("Helm log tail lacks the rollback line:\n%s", tail)
			}
			if tt.waiter != nil && len(tt.waiter.Calls()) != 3 {
				t.Errorf("waiter calls = %d, want 3 (install, upgrade, rollback)", len(tt.waiter.Calls()))
			}
		})
	}
}

func TestRunOutputsFromStorageAfterFailure(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	o := demoOptions("web")
	o.Atomic, o.CleanupOnFail = false, true
	if _, err := f.d.Run(ctx, o); err != nil {
		t.Fatalf("install: %v", err)
	}
	f.kube.WaitError = errors.New("timed out waiting for the condition")
	o.Values = []map[string]any{{"config": map[string]any{"greeting": "hi"}}}
	res, err := f.d.Run(ctx, o)
	if err == nil {
		t.Fatal("upgrade succeeded, want the wait failure")
	}
	latest, _ := f.d.Latest(ctx, "web")
	if res.Revision != 2 || res.Status != "failed" || res.PreviousRevision != 1 {
		t.Errorf("result = %+v, want revision 2 failed, previous 1", summary(res))
	}
	if !reflect.DeepEqual(summary(res), Result{Release: latest.Release, Namespace: latest.Namespace, Revision: latest.Revision, PreviousRevision: 1,
		Status: latest.Status, ChartName: latest.ChartName, ChartVersion: latest.ChartVersion, AppVersion: latest.AppVersion,
		Description: latest.Description}) {
		t.Errorf("result %+v is not what storage holds: %+v", summary(res), summary(latest))
	}
	if !strings.Contains(res.Manifest, `greeting: "hi"`) || !strings.Contains(res.Description, "timed out") {
		t.Errorf("stored failed revision not reported: description %q", res.Description)
	}
}

func TestRunDryRunStoresNothing(t *testing.T) {
	tests := []struct {
		name          string
		installFirst  bool
		wantInstalled bool
		wantRevision  int
		wantHistory   []string
	}{
		{"install", false, true, 1, nil},
		{"upgrade", true, false, 2, []string{"1:deployed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			if tt.installFirst {
				if _, err := f.d.Run(ctx, demoOptions("web")); err != nil {
					t.Fatal(err)
				}
			}
			f.applied.Reset()
			w := &recordingWaiter{}
			o := demoOptions("web")
			o.DryRun, o.Waiter = true, w
			o.Values = []map[string]any{{"config": map[string]any{"colour": "green"}}}
			res, err := f.d.Run(ctx, o)
			if err != nil {
				t.Fatalf("dry run: %v", err)
			}
			if !res.DryRun || res.Installed != tt.wantInstalled || res.Revision != tt.wantRevision {
				t.Errorf("result = %+v", summary(res))
			}
			if !strings.Contains(res.Manifest, `colour: "green"`) {
				t.Errorf("dry-run manifest lacks the values:\n%s", res.Manifest)
			}
			if got := statuses(t, f.store, "web"); !reflect.DeepEqual(got, tt.wantHistory) {
				t.Errorf("history = %v, want %v", got, tt.wantHistory)
			}
			if f.applied.Len() != 0 || len(w.Calls()) != 0 {
				t.Errorf("dry run applied %q and waited %d times", f.applied.String(), len(w.Calls()))
			}
		})
	}
}

func TestRunWaiterReplacesHelmWait(t *testing.T) {
	f := newFixture(t)
	f.kube.WaitError = errors.New("helm's own wait must not run")
	w := &recordingWaiter{}
	o := demoOptions("web")
	o.Waiter, o.Timeout = w, 42*time.Second
	if _, err := f.d.Run(context.Background(), o); err != nil {
		t.Fatalf("install: %v", err)
	}
	o.Wait, o.Atomic = false, false
	if _, err := f.d.Run(context.Background(), o); err != nil {
		t.Fatalf("upgrade without wait: %v", err)
	}
	want := []waitCall{{objects: []string{"ConfigMap/web-config", "Deployment/web"}, timeout: 42 * time.Second}}
	if got := w.Calls(); !reflect.DeepEqual(got, want) {
		t.Errorf("waiter calls = %+v, want %+v (none for wait=false)", got, want)
	}
}

func TestRunInspectSeesManifestBeforeApply(t *testing.T) {
	f := newFixture(t)
	var seen []string
	o := demoOptions("web")
	o.Inspect = func(m string) {
		if f.applied.Len() != 0 {
			t.Errorf("Inspect called after something was applied: %q", f.applied.String())
		}
		seen = append(seen, m)
	}
	o.Values = []map[string]any{{"image": "registry.example/demo:9.9.9"}}
	if _, err := f.d.Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || !strings.Contains(seen[0], "kind: Deployment") || !strings.Contains(seen[0], "demo:9.9.9") {
		t.Errorf("Inspect saw %q, want the rendered manifest once", seen)
	}
}

func TestRunContextCancelledBeforeStart(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.d.Run(ctx, demoOptions("web"))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if got := statuses(t, f.store, "web"); got != nil {
		t.Errorf("history = %v, want nothing stored", got)
	}
}

func TestRunCancelDuringWaitRollsBackWithinGrace(t *testing.T) {
	f := newFixture(t)
	w := &recordingWaiter{results: []error{nil, errBlock, nil}}
	o := demoOptions("web")
	o.Waiter, o.CancelGrace = w, 5*time.Second
	if _, err := f.d.Run(context.Background(), o); err != nil {
		t.Fatalf("install: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for len(w.Calls()) < 2 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	res, err := f.d.Run(ctx, o)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	time.Sleep(100 * time.Millisecond) // Helm's upgrade goroutine must not act after Run returned
	if got, want := statuses(t, f.store, "web"), []string{"1:superseded", "2:failed", "3:deployed"}; !reflect.DeepEqual(got, want) {
		t.Errorf("history = %v, want %v", got, want)
	}
	if res.Revision != 3 || res.Status != "deployed" {
		t.Errorf("result = %+v, want the rollback revision 3 deployed", summary(res))
	}
	if calls := w.Calls(); len(calls) != 3 {
		t.Errorf("waiter calls = %d, want 3", len(calls))
	}
	if _, err := f.d.Run(context.Background(), o); !errors.Is(err, ErrAbandoned) {
		t.Errorf("Run after a cancelled run: err = %v, want ErrAbandoned", err)
	}
	if latest, err := f.d.Latest(context.Background(), "web"); err != nil || latest.Revision != 3 {
		t.Errorf("Latest after a cancelled run = %+v, %v", latest, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if !errors.Is(w.ctxErrs[1], context.Canceled) || w.ctxErrs[2] != nil {
		t.Errorf("wait context errors = %v, want the upgrade's cancelled and the rollback's live (grace)", w.ctxErrs)
	}
}

func TestRunCreateNamespaceOnInstallOnly(t *testing.T) {
	f := newFixture(t)
	o := demoOptions("web")
	o.CreateNamespace = true
	if _, err := f.d.Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	want := []string{"Namespace/" + testNS, "ConfigMap/web-config", "Deployment/web"}
	if got := f.kube.Created(); !reflect.DeepEqual(got, want) {
		t.Errorf("install created %v, want %v", got, want)
	}
	if _, err := f.d.Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if got := f.kube.Created(); !reflect.DeepEqual(got, want) {
		t.Errorf("upgrade created more objects: %v", got)
	}
}

func TestRunHistoryMax(t *testing.T) {
	tests := []struct {
		name string
		max  int
		runs int
		want []string
	}{
		{"limit 2", 2, 4, []string{"3:superseded", "4:deployed"}},
		{"unlimited", 0, 3, []string{"1:superseded", "2:superseded", "3:deployed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			o := demoOptions("web")
			o.HistoryMax = tt.max
			for i := 0; i < tt.runs; i++ {
				if _, err := f.d.Run(context.Background(), o); err != nil {
					t.Fatal(err)
				}
			}
			if got := statuses(t, f.store, "web"); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("history = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRunAtomicInstallFailureReportsUninstalled(t *testing.T) {
	f := newFixture(t)
	f.kube.WaitError = errors.New("timed out waiting for the condition")
	res, err := f.d.Run(context.Background(), demoOptions("web"))
	if err == nil || !strings.Contains(err.Error(), "uninstalled due to atomic") {
		t.Fatalf("err = %v, want the atomic uninstall", err)
	}
	if got := statuses(t, f.store, "web"); got != nil {
		t.Errorf("history = %v, want nothing left after the atomic uninstall", got)
	}
	// Nothing is stored; the result is the release object Helm returned, which
	// its atomic path marked uninstalled.
	if res.Status != "uninstalled" || res.Revision != 1 || res.ChartName != "demo" || !res.Installed {
		t.Errorf("result = %+v, want the uninstalled release Helm returned", summary(res))
	}
}

func TestRunNamespaceMismatch(t *testing.T) {
	f := newFixture(t)
	f.d.namespace = "team-a"
	o := demoOptions("web")
	o.Namespace = "team-b"
	if _, err := f.d.Run(context.Background(), o); !errors.Is(err, ErrNamespaceMismatch) {
		t.Fatalf("err = %v, want ErrNamespaceMismatch", err)
	}
}

// A cancellation that arrives while Helm applies the upgrade: Helm's context
// handler rolls back while its upgrade goroutine is still applying. When that
// goroutine reaches its own wait, the wait must not proceed (it would mark the
// upgrade deployed after the rollback).
func TestRunCancelDuringApplyDoesNotDeployAfterRollback(t *testing.T) {
	f := newFixture(t)
	w := &recordingWaiter{}
	o := demoOptions("web")
	o.Waiter, o.CancelGrace = w, 5*time.Second
	if _, err := f.d.Run(context.Background(), o); err != nil {
		t.Fatalf("install: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f.kube.beforeUpdate = func(n int) {
		if n == 1 { // the upgrade's apply: cancel, then let the rollback get ahead
			cancel()
			time.Sleep(100 * time.Millisecond)
		}
	}
	_, err := f.d.Run(ctx, o)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	time.Sleep(200 * time.Millisecond)
	if got, want := statuses(t, f.store, "web"), []string{"1:superseded", "2:failed", "3:deployed"}; !reflect.DeepEqual(got, want) {
		t.Errorf("history = %v, want %v", got, want)
	}
}
