package release

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

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
			if tt.waiter != nil {
				// install, upgrade, then the atomic rollback: only the last is a rollback wait.
				calls := tt.waiter.Calls()
				if len(calls) != 3 || calls[0].rollback || calls[1].rollback || !calls[2].rollback {
					t.Errorf("rollback flags of the waits = %+v, want false, false, true", calls)
				}
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
