package app

import (
	"strings"
	"testing"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/report"
)

// The Roll back finalizer decides from the run's outcome and how far the deploy got, never
// from which fields happen to be nil.
func TestDecideRemedy(t *testing.T) {
	failed := remedyInput{outcome: report.Failed, phase: Deployed, atomic: true, wait: true}
	with := func(f func(*remedyInput)) remedyInput { in := failed; f(&in); return in }
	tests := []struct {
		name   string
		in     remedyInput
		act    bool
		wait   bool
		warn   bool
		whyHas string
	}{
		{"failed rollout: roll back and watch", failed, true, true, false, ""},
		{"failed without wait", with(func(i *remedyInput) { i.wait = false }), true, false, false, ""},
		{"succeeded", with(func(i *remedyInput) { i.outcome = report.Succeeded }), false, false, false, "nothing to roll back"},
		{"dry run that failed", with(func(i *remedyInput) { i.dryRun = true }), false, false, false, "nothing to roll back"},
		{"a step before the deploy failed", with(func(i *remedyInput) { i.phase = NotDeployed }), false, false, false, "never started"},
		{"Helm did not start (pending)", with(func(i *remedyInput) { i.helmNotStarted = true }), false, false, false, "Helm did not start"},
		{"atomic off", with(func(i *remedyInput) { i.atomic = false }), false, false, false, "atomic is false"},
		{"lock lost", with(func(i *remedyInput) { i.lockLost = true }), false, false, true, "lock was lost"},
		{"cancelled while Helm applies", with(func(i *remedyInput) { i.outcome, i.phase, i.cancelled = report.Cancelled, HelmBusy, true }),
			false, false, true, "still applying"},
		{"cancelled with time left: roll back, no wait", with(func(i *remedyInput) {
			i.outcome, i.cancelled, i.left, i.hasDeadlineAfter = report.Cancelled, true, 5*time.Second, true
		}), true, false, false, "without waiting"},
		{"cancelled too late", with(func(i *remedyInput) {
			i.outcome, i.cancelled, i.left, i.hasDeadlineAfter = report.Cancelled, true, 1500*time.Millisecond, true
		}), false, false, true, "cancelled with 1.5s left"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := decideRemedy(tc.in)
			if got.act != tc.act || got.wait != tc.wait || got.warn != tc.warn || !strings.Contains(got.why, tc.whyHas) {
				t.Errorf("decideRemedy = %+v, want act=%t wait=%t warn=%t why containing %q", got, tc.act, tc.wait, tc.warn, tc.whyHas)
			}
		})
	}
}
