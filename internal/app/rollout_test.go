package app

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/release"
	"github.com/helmdeploy/helm-deploy-action/internal/rollout"
	"k8s.io/apimachinery/pkg/runtime"
)

type stubWaiter struct {
	name  string
	calls *[]string
	err   error
}

func (s stubWaiter) Wait(context.Context, []runtime.Object, time.Duration) error {
	*s.calls = append(*s.calls, s.name)
	return s.err
}

func TestTrackingKeepsFirstFailureAndUsesRollbackTracker(t *testing.T) {
	crash := &rollout.FailureError{Verdict: rollout.Verdict{Reason: "CrashLoopBackOff", Resource: "deployment/web"}}
	tests := []struct {
		name      string
		firstErr  error
		wantCalls string
		wantFirst bool
	}{
		{"rollout failure then rollback", fmt.Errorf("wrapped by helm: %w", crash), "main,rollback", true},
		{"success", nil, "main,main", false},
		{"other error is not a diagnosis", errors.New("boom"), "main,main", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var calls []string
			w := &tracking{
				t:        stubWaiter{name: "main", calls: &calls, err: tc.firstErr},
				rollback: stubWaiter{name: "rollback", calls: &calls, err: errors.New("rollback wait failed")},
			}
			_ = w.Wait(t.Context(), nil, time.Second)
			_ = w.Wait(t.Context(), nil, time.Second)
			if got := fmt.Sprint(calls[0]) + "," + calls[1]; got != tc.wantCalls {
				t.Errorf("calls = %s, want %s", got, tc.wantCalls)
			}
			if (w.failure() != nil) != tc.wantFirst {
				t.Fatalf("first failure kept = %v, want %t", w.failure(), tc.wantFirst)
			}
			if tc.wantFirst && w.failure() != crash {
				t.Errorf("the rollback's wait replaced the first diagnosis")
			}
		})
	}
}

// A rollback after a failure the tracker did not see (a failing hook, an apply error) must
// skip the stabilisation window too: Helm marks its wait as a rollback wait.
func TestTrackingRollbackWaitWithoutDiagnosis(t *testing.T) {
	var calls []string
	w := &tracking{
		t:        stubWaiter{name: "main", calls: &calls},
		rollback: stubWaiter{name: "rollback", calls: &calls},
	}
	_ = w.Wait(release.RollbackWaitContext(t.Context()), nil, time.Second)
	if len(calls) != 1 || calls[0] != "rollback" {
		t.Fatalf("calls = %v, want the rollback tracker", calls)
	}
}
