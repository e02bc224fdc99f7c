package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/release"
	"github.com/helmdeploy/helm-deploy-action/internal/rollout"
	"k8s.io/apimachinery/pkg/runtime"
)

// stubWaiter records each wait as name, or name+"/no-window" when the wait skips the
// stabilisation window.
type stubWaiter struct {
	name  string
	calls *[]string
	errs  []error
}

func (s *stubWaiter) Wait(ctx context.Context, _ []runtime.Object, _ time.Duration) error {
	c := s.name
	if rollout.SkipsStabilisation(ctx) {
		c += "/no-window"
	}
	*s.calls = append(*s.calls, c)
	if len(s.errs) == 0 {
		return nil
	}
	err := s.errs[0]
	s.errs = s.errs[1:]
	return err
}

// One tracker serves every wait; after a diagnosed failure, and for rollback and hook waits,
// the stabilisation window is skipped; the first diagnosis is kept.
func TestTrackingKeepsFirstFailureAndSkipsTheWindowAfterIt(t *testing.T) {
	crash := &rollout.FailureError{Verdict: rollout.Verdict{Reason: "CrashLoopBackOff", Resource: "deployment/web"}}
	tests := []struct {
		name      string
		firstErr  error
		second    func(context.Context) context.Context
		wantCalls string
		wantFirst bool
	}{
		{"rollout failure then rollback", fmt.Errorf("wrapped by helm: %w", crash), release.RollbackWaitContext, "main,main/no-window", true},
		{"failure the tracker did not see, then rollback", errors.New("hook failed"), release.RollbackWaitContext, "main,main/no-window", false},
		{"hook Jobs", nil, release.HookWaitContext, "main,main/no-window", false},
		{"two deploy waits", nil, func(c context.Context) context.Context { return c }, "main,main", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var calls []string
			w := &tracking{t: &stubWaiter{name: "main", calls: &calls, errs: []error{tc.firstErr, errors.New("second wait failed")}}}
			_ = w.Wait(t.Context(), nil, time.Second)
			_ = w.Wait(tc.second(t.Context()), nil, time.Second)
			if got := strings.Join(calls, ","); got != tc.wantCalls {
				t.Errorf("calls = %s, want %s", got, tc.wantCalls)
			}
			if (w.failure() != nil) != tc.wantFirst {
				t.Fatalf("first failure kept = %v, want %t", w.failure(), tc.wantFirst)
			}
			if tc.wantFirst && w.failure() != crash {
				t.Errorf("the second wait replaced the first diagnosis")
			}
		})
	}
}
