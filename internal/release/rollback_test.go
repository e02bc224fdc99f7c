package release

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/release"
)

// Every rollback target rule and error on Helm's memory driver, checked against the stored history.
func TestRollback(t *testing.T) {
	failWait := errors.New("deployment web: 0 of 1 pods ready")
	tests := []struct {
		name      string
		runs      []error          // results of the waits of successive Runs (one Run each)
		seed      []release.Status // stored history instead of runs (oldest first)
		uninstall bool             // Uninstall with KeepHistory after the runs
		revision  int
		waitErr   error // the rollback's wait answers this
		// wantTo and wantRev are the restored revision and the new one (0: none created).
		wantTo, wantRev int
		wantStatus      string
		wantErr         string // substring of the error
		wantReason      string // *RevisionError reason substring
		wantIs          error  // errors.Is target
		wantHistory     []string
	}{
		{name: "0 rolls back to the previous deployed revision", runs: []error{nil, nil},
			wantTo: 1, wantRev: 3, wantStatus: "deployed", wantHistory: []string{"1:superseded", "2:superseded", "3:deployed"}},
		{name: "0 skips failed revisions", runs: []error{nil, nil, failWait, failWait},
			wantTo: 2, wantRev: 5, wantStatus: "deployed",
			wantHistory: []string{"1:superseded", "2:superseded", "3:failed", "4:failed", "5:deployed"}},
		{name: "explicit superseded revision", runs: []error{nil, nil, nil}, revision: 1,
			wantTo: 1, wantRev: 4, wantStatus: "deployed",
			wantHistory: []string{"1:superseded", "2:superseded", "3:superseded", "4:deployed"}},
		{name: "explicit deployed revision behind a failed one", runs: []error{nil, nil, failWait}, revision: 2,
			wantTo: 2, wantRev: 4, wantStatus: "deployed",
			wantHistory: []string{"1:superseded", "2:superseded", "3:failed", "4:deployed"}},
		{name: "0 after an uninstall with kept history restores the uninstalled revision", runs: []error{nil, nil}, uninstall: true,
			wantTo: 2, wantRev: 3, wantStatus: "deployed", wantHistory: []string{"1:superseded", "2:uninstalled", "3:deployed"}},
		{name: "revision does not exist", runs: []error{nil, nil}, revision: 7,
			wantReason: "it does not exist", wantHistory: []string{"1:superseded", "2:deployed"}},
		{name: "revision is the current one", runs: []error{nil, nil}, revision: 2,
			wantReason: "it is the current revision (deployed)", wantHistory: []string{"1:superseded", "2:deployed"}},
		{name: "revision was never deployed", runs: []error{nil, failWait, nil}, revision: 2,
			wantReason: "it was never deployed (status failed)", wantHistory: []string{"1:superseded", "2:failed", "3:deployed"}},
		{name: "0 with no previous deployed revision", runs: []error{nil},
			wantReason: "no revision before the current revision 1 was ever deployed", wantHistory: []string{"1:deployed"}},
		{name: "0 when every revision failed", seed: []release.Status{release.StatusFailed, release.StatusFailed},
			wantReason: "no revision before", wantHistory: []string{"1:failed", "2:failed"}},
		{name: "not installed", wantIs: ErrNotInstalled, wantErr: `release "web" not found`},
		{name: "pending latest revision", seed: []release.Status{release.StatusDeployed, release.StatusPendingUpgrade},
			wantIs: ErrPending, wantHistory: []string{"1:deployed", "2:pending-upgrade"}},
		{name: "wait of the new revision fails", runs: []error{nil, nil}, waitErr: errors.New("old pods crash"),
			wantTo: 1, wantRev: 3, wantStatus: "failed", wantErr: "old pods crash",
			wantHistory: []string{"1:superseded", "2:deployed", "3:failed"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			w := &recordingWaiter{}
			deployRuns(t, f, w, "web", tc.runs...)
			if tc.seed != nil {
				seed(t, f.store, "web", tc.seed...)
			}
			if tc.uninstall {
				if _, err := f.d.Uninstall(ctx, UninstallOptions{Release: "web", KeepHistory: true}); err != nil {
					t.Fatalf("Uninstall: %v", err)
				}
			}
			w.results = append(w.results, tc.waitErr)
			before := len(w.Calls())
			planned, planErr := f.d.RollbackTarget(ctx, "web", tc.revision)

			res, err := f.d.Rollback(ctx, RollbackOptions{Release: "web", Revision: tc.revision, Wait: true, Waiter: w, HistoryMax: 10})

			wantFail := tc.wantErr != "" || tc.wantReason != "" || tc.wantIs != nil
			if (err != nil) != wantFail || err != nil && !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("err = %v, want errors.Is %v", err, tc.wantIs)
			}
			var re *RevisionError
			if got := errors.As(err, &re); got != (tc.wantReason != "") {
				t.Fatalf("err = %v (%T), want a *RevisionError: %v", err, err, tc.wantReason != "")
			}
			if re != nil {
				if !strings.Contains(re.Reason, tc.wantReason) || re.Release != "web" || re.Wanted != tc.revision || len(re.Available) != len(tc.wantHistory) {
					t.Errorf("revision error %+v, want reason %q and the %d revisions", re, tc.wantReason, len(tc.wantHistory))
				}
			}
			if got := statuses(t, f.store, "web"); !reflect.DeepEqual(got, tc.wantHistory) {
				t.Errorf("history = %v, want %v", got, tc.wantHistory)
			}
			if tc.wantRev == 0 {
				if planErr == nil || planErr.Error() != err.Error() {
					t.Errorf("RollbackTarget error = %v, want Rollback's: %v", planErr, err)
				}
				if res != nil {
					t.Errorf("result = %+v, want none (no revision created)", summary(res))
				}
				if calls := w.Calls()[before:]; len(calls) != 0 {
					t.Errorf("waits %+v, want none", calls)
				}
				return
			}
			if res == nil || res.Revision != tc.wantRev || res.Status != tc.wantStatus || res.RolledBackTo != tc.wantTo ||
				res.PreviousRevision != tc.wantRev-1 || res.ChartName != "demo" || len(res.Resources) == 0 {
				t.Fatalf("result = %+v, want revision %d %s, rolled back to %d", res, tc.wantRev, tc.wantStatus, tc.wantTo)
			}
			if planErr != nil || planned.Revision != tc.wantTo || planned.Chart != "demo" {
				t.Errorf("RollbackTarget = %+v, %v, want revision %d", planned, planErr, tc.wantTo)
			}
			target, err := f.store.Get("web", tc.wantTo)
			if err != nil {
				t.Fatal(err)
			}
			if res.Manifest != target.Manifest {
				t.Errorf("new revision manifest differs from revision %d's", tc.wantTo)
			}
			calls := w.Calls()[before:]
			if len(calls) != 1 || calls[0].rollback || calls[0].hook || len(calls[0].objects) == 0 {
				t.Errorf("rollback waits %+v, want one for the objects, not marked as a remediation wait", calls)
			}
		})
	}
}

func TestRevisionErrorMessage(t *testing.T) {
	f := newFixture(t)
	deployRuns(t, f, &recordingWaiter{}, "web", nil, errors.New("not ready"), nil)
	_, err := f.d.Rollback(context.Background(), RollbackOptions{Release: "web", Revision: 9})
	var re *RevisionError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want a *RevisionError", err)
	}
	for _, want := range []string{
		`cannot roll release "web" back to revision 9: it does not exist`,
		"3 deployed demo-0.1.0 (app 1.2.3) [current], 2 failed demo-0.1.0 (app 1.2.3), 1 superseded demo-0.1.0 (app 1.2.3)",
		"can roll back to: 1)",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
	_, err = f.d.Rollback(context.Background(), RollbackOptions{Release: "none"})
	if !errors.Is(err, ErrNotInstalled) {
		t.Errorf("err = %v, want ErrNotInstalled", err)
	}
	re = &RevisionError{Release: "web", Reason: "no revision before the current revision 1 was ever deployed",
		Available: []Revision{{Revision: 1, Status: "failed", Chart: "demo", ChartVersion: "0.1.0"}}}
	if got := re.Error(); !strings.HasSuffix(got, "(revisions, newest first: 1 failed demo-0.1.0 [current]; no revision can be rolled back to)") {
		t.Errorf("message = %q", got)
	}
}
