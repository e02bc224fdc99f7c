package release

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestRunOutputsFromStorageAfterFailure(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	o := demoOptions("web")
	o.CleanupOnFail = true
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

// A cancellation during the wait ends the wait at once (the Waiter sees Run's context); Helm
// marks the revision failed once and returns, nothing is written afterwards, and the Deployer
// can remediate right away.
func TestRunCancelDuringWait(t *testing.T) {
	f := newFixture(t)
	w := &recordingWaiter{results: []error{nil, errBlock, nil}}
	o := demoOptions("web")
	o.Waiter = w
	if _, err := f.d.Run(context.Background(), o); err != nil {
		t.Fatalf("install: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.onCall = func(n int) {
		if n == 2 {
			cancel()
		}
	}
	began := time.Now()
	res, err := f.d.Run(ctx, o)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(began); d > time.Second {
		t.Errorf("Run returned %s after the cancel", d)
	}
	if res.Revision != 2 || res.Status != "failed" {
		t.Errorf("result = %+v, want revision 2 failed", summary(res))
	}
	before := statuses(t, f.store, "web")
	if want := []string{"1:deployed", "2:failed"}; !reflect.DeepEqual(before, want) {
		t.Errorf("history = %v, want %v", before, want)
	}
	rem, after, err := f.d.Remediate(context.Background(), RemediateOptions{Release: "web", Waiter: w})
	if err != nil || rem.Action != "rolled back" || rem.RolledBackTo != 1 || after.Revision != 3 {
		t.Fatalf("Remediate after a cancelled run = %+v, %+v, %v", rem, after, err)
	}
	if got, want := statuses(t, f.store, "web"), []string{"1:superseded", "2:failed", "3:deployed"}; !reflect.DeepEqual(got, want) {
		t.Errorf("history = %v, want %v", got, want)
	}
}

// A cancellation while Helm applies: Helm finishes applying (its work is not interruptible),
// its wait returns at once with the cancellation, the revision is failed, never deployed.
func TestRunCancelDuringApply(t *testing.T) {
	f := newFixture(t)
	w := &recordingWaiter{results: []error{nil, errBlock}}
	o := demoOptions("web")
	o.Waiter = w
	if _, err := f.d.Run(context.Background(), o); err != nil {
		t.Fatalf("install: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f.kube.beforeUpdate = func(n int) {
		if n == 1 { // the upgrade's apply
			cancel()
		}
	}
	if _, err := f.d.Run(ctx, o); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if got, want := statuses(t, f.store, "web"), []string{"1:deployed", "2:failed"}; !reflect.DeepEqual(got, want) {
		t.Errorf("history = %v, want %v", got, want)
	}
}
