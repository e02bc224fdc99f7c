package release

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// Hook Jobs are waited for by the Waiter (marked as hook waits), so a failing migration is
// diagnosed like any workload, and the atomic rollback follows.
func TestHookJobsGoToTheWaiter(t *testing.T) {
	tests := []struct {
		name        string
		results     []error // install (hook, wait), upgrade (hook, ...)
		wantErr     string
		wantHistory []string
		wantCalls   []string // kind of each wait: hook, wait, rollback
	}{
		{
			name:        "hook completes",
			wantHistory: []string{"1:superseded", "2:deployed"},
			wantCalls:   []string{"hook Job/web-migrate", "wait", "hook Job/web-migrate", "wait"},
		},
		{
			name:        "hook fails, remediation rolls back",
			results:     []error{nil, nil, errors.New("job/web-migrate: BackoffLimitExceeded")},
			wantErr:     "BackoffLimitExceeded",
			wantHistory: []string{"1:superseded", "2:failed", "3:deployed"},
			wantCalls:   []string{"hook Job/web-migrate", "wait", "hook Job/web-migrate", "rollback"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			w := &recordingWaiter{results: tt.results}
			o := demoOptions("web")
			o.Waiter = w
			o.Values = []map[string]any{{"hook": true}}
			ctx := context.Background()
			if _, err := f.d.Run(ctx, o); err != nil {
				t.Fatalf("install: %v", err)
			}
			_, err := f.d.Run(ctx, o)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("upgrade error = %v, want %q", err, tt.wantErr)
			}
			if err != nil {
				if _, _, rerr := f.d.Remediate(ctx, RemediateOptions{Release: "web", Wait: true, Waiter: w}); rerr != nil {
					t.Fatalf("Remediate: %v", rerr)
				}
			}
			if got := statuses(t, f.store, "web"); !reflect.DeepEqual(got, tt.wantHistory) {
				t.Errorf("history = %v, want %v", got, tt.wantHistory)
			}
			var kinds []string
			for _, c := range w.Calls() {
				switch {
				case c.hook:
					kinds = append(kinds, "hook "+strings.Join(c.objects, ","))
				case c.rollback:
					kinds = append(kinds, "rollback")
				default:
					kinds = append(kinds, "wait")
				}
			}
			if !reflect.DeepEqual(kinds, tt.wantCalls) {
				t.Errorf("waits = %v, want %v", kinds, tt.wantCalls)
			}
		})
	}
}
