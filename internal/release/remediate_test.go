package release

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/release"
)

// Every remediation path on Helm's memory driver, checked against the stored history.
func TestRemediate(t *testing.T) {
	failWait := errors.New("deployment web: 0 of 1 pods ready")
	tests := []struct {
		name string
		// runs are the results of the waits of successive Runs (nil: healthy; one Run per
		// entry), before Remediate is called.
		runs        []error
		seed        []release.Status // stored history instead of runs (oldest first)
		rollbackErr error            // the rollback's wait answers this
		wantAction  string
		wantTo      int
		wantErr     string
		wantHistory []string
		atomicOff   bool // Remediate is not called (atomic: false): Run itself must leave the failed revision
	}{
		{name: "rollback to the last deployed revision", runs: []error{nil, failWait},
			wantAction: "rolled back", wantTo: 1, wantHistory: []string{"1:superseded", "2:failed", "3:deployed"}},
		{name: "rollback past several failed revisions to the last good one", runs: []error{nil, nil, failWait, failWait},
			wantAction: "rolled back", wantTo: 2, wantHistory: []string{"1:superseded", "2:superseded", "3:failed", "4:failed", "5:deployed"}},
		{name: "failed first install is uninstalled", runs: []error{failWait},
			wantAction: "uninstalled", wantHistory: nil},
		{name: "only failed revisions from earlier runs stay", seed: []release.Status{release.StatusFailed, release.StatusFailed},
			wantAction: "", wantHistory: []string{"1:failed", "2:failed"}},
		{name: "latest revision not failed: nothing to do", runs: []error{nil},
			wantAction: "", wantHistory: []string{"1:deployed"}},
		{name: "atomic off: the failed revision stays (Run never rolls back by itself)", runs: []error{nil, failWait}, atomicOff: true,
			wantHistory: []string{"1:deployed", "2:failed"}},
		{name: "atomic off on a first install: the failed release stays", runs: []error{failWait}, atomicOff: true,
			wantHistory: []string{"1:failed"}},
		{name: "rollback that itself fails", runs: []error{nil, failWait}, rollbackErr: errors.New("old pods crash too"),
			wantErr: "old pods crash too", wantHistory: []string{"1:deployed", "2:failed", "3:failed"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			w := &recordingWaiter{}
			for i, res := range tc.runs {
				w.results = append(w.results, res)
				o := demoOptions("web")
				o.Waiter = w
				o.Values = []map[string]any{{"config": map[string]any{"greeting": string(rune('a' + i))}}}
				if _, err := f.d.Run(ctx, o); (err != nil) != (res != nil) {
					t.Fatalf("run %d: err = %v, want failure %v", i+1, err, res)
				}
			}
			if tc.seed != nil {
				seed(t, f.store, "web", tc.seed...)
			}
			if tc.atomicOff {
				if got := statuses(t, f.store, "web"); !reflect.DeepEqual(got, tc.wantHistory) {
					t.Errorf("history = %v, want %v", got, tc.wantHistory)
				}
				return
			}
			w.results = append(w.results, tc.rollbackErr)
			before := len(w.Calls())
			rem, res, err := f.d.Remediate(ctx, RemediateOptions{Release: "web", Wait: true, Waiter: w})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
			} else if err != nil {
				t.Fatalf("Remediate: %v", err)
			}
			if tc.wantErr == "" && (rem.Action != tc.wantAction || rem.RolledBackTo != tc.wantTo) {
				t.Errorf("remediation %+v, want %q to %d", rem, tc.wantAction, tc.wantTo)
			}
			if got := statuses(t, f.store, "web"); !reflect.DeepEqual(got, tc.wantHistory) {
				t.Errorf("history = %v, want %v", got, tc.wantHistory)
			}
			if rem != nil && rem.Action == "rolled back" {
				calls := w.Calls()[before:]
				if len(calls) != 1 || !calls[0].rollback {
					t.Errorf("rollback waits %+v, want one, marked as a rollback wait", calls)
				}
				if res == nil || res.Revision != len(tc.wantHistory) || res.Status != "deployed" {
					t.Errorf("result %+v, want the rollback revision deployed", res)
				}
			}
		})
	}
}
