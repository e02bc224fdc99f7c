package release

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/release"
)

// deployRuns runs Run once per result with distinct values; results[i] is what the Waiter
// answers to the wait of run i (nil: healthy, the run succeeds).
func deployRuns(t *testing.T, f *fixture, w *recordingWaiter, name string, results ...error) {
	t.Helper()
	for i, res := range results {
		w.results = append(w.results, res)
		o := demoOptions(name)
		o.Waiter = w
		o.Values = []map[string]any{{"config": map[string]any{"greeting": fmt.Sprintf("run %d", i+1)}}}
		if _, err := f.d.Run(context.Background(), o); (err != nil) != (res != nil) {
			t.Fatalf("run %d: err = %v, want failure %v", i+1, err, res)
		}
	}
}

func TestHistory(t *testing.T) {
	failWait := errors.New("deployment web: 0 of 1 pods ready")
	tests := []struct {
		name string
		runs []error
		seed []release.Status
		want []string // "N status", newest first
	}{
		{name: "no release", want: []string{}},
		{name: "newest first", runs: []error{nil, failWait, nil},
			want: []string{"3 deployed", "2 failed", "1 superseded"}},
		{name: "pending latest is listed", seed: []release.Status{release.StatusDeployed, release.StatusPendingUpgrade},
			want: []string{"2 pending-upgrade", "1 deployed"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			deployRuns(t, f, &recordingWaiter{}, "web", tc.runs...)
			if tc.seed != nil {
				seed(t, f.store, "web", tc.seed...)
			}
			revs, err := f.d.History(context.Background(), "web")
			if err != nil {
				t.Fatalf("History: %v", err)
			}
			if revs == nil {
				t.Fatal("History returned nil, want an empty slice")
			}
			got := []string{}
			for _, r := range revs {
				got = append(got, fmt.Sprintf("%d %s", r.Revision, r.Status))
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("history = %v, want %v", got, tc.want)
			}
			for i, r := range revs {
				if r.Chart != "demo" || r.ChartVersion != "0.1.0" || r.AppVersion != "1.2.3" || r.Description == "" {
					t.Errorf("revision %+v: want chart demo 0.1.0, app 1.2.3 and a description", r)
				}
				stored, err := f.store.Get("web", r.Revision)
				if err != nil {
					t.Fatal(err)
				}
				if r.Description != stored.Info.Description || !r.Updated.Equal(stored.Info.LastDeployed.Time) {
					t.Errorf("revision %d = %+v, storage has %q updated %v", r.Revision, r, stored.Info.Description, stored.Info.LastDeployed)
				}
				if tc.runs != nil && (r.Updated.IsZero() || i > 0 && r.Updated.After(revs[i-1].Updated)) {
					t.Errorf("revision %d updated %v: want set and not after the newer revision", r.Revision, r.Updated)
				}
			}
			if tc.name == "newest first" && !strings.Contains(revs[1].Description, "0 of 1 pods ready") {
				t.Errorf("failed revision description = %q, want the wait error", revs[1].Description)
			}
		})
	}
}

func TestHistoryCancelled(t *testing.T) {
	f := newFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.d.History(ctx, "web"); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}
