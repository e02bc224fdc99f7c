package rollout

import (
	"errors"
	"strings"
	"testing"
)

func TestFailureErrorFormatting(t *testing.T) {
	tests := []struct {
		name       string
		err        *FailureError
		headline   string
		contains   []string
		annotation string
		sentinel   error
	}{
		{
			name: "crash with logs and events",
			err: &FailureError{Verdict: Verdict{State: Failed, Reason: "CrashLoopBackOff", Resource: "deployment/web", Pod: "web-1",
				Container: "app", ExitCode: int32Ptr(1), Restarts: 3, Message: "back-off 40s\nrestarting"},
				LastLogLines: []string{"boot", "fatal: no config"}, Events: []string{"event pod/web-1 Warning BackOff (1s ago): Back-off"}},
			headline:   "deployment/web: CrashLoopBackOff (pod web-1, container app, exit code 1, 3 restarts): back-off 40s restarting",
			contains:   []string{"\nwhat to do: the container keeps exiting", "\nlast 2 log lines of web-1/app:\n  boot\n  fatal: no config", "\nwarning events:\n  event pod/web-1"},
			annotation: "::error title=Rollout failed%3A deployment/web CrashLoopBackOff::deployment/web: CrashLoopBackOff (pod web-1, container app, exit code 1, 3 restarts): back-off 40s restarting%0Awhat to do: the container keeps exiting",
			sentinel:   ErrFailed,
		},
		{
			name:       "timeout without pod",
			err:        &FailureError{Verdict: Verdict{State: Failed, Reason: "Timeout", Resource: "job/migrate", Message: "not ready after 1m0s: 1 active"}},
			headline:   "job/migrate: Timeout: not ready after 1m0s: 1 active",
			contains:   []string{"raise the timeout"},
			annotation: "::error title=Rollout failed%3A job/migrate Timeout::job/migrate: Timeout: not ready after 1m0s: 1 active%0Awhat to do:",
			sentinel:   ErrTimeout,
		},
		{
			name:       "unknown reason has no hint",
			err:        &FailureError{Verdict: Verdict{State: Failed, Reason: "ErrSomethingNew", Resource: "pod/p", Pod: "p", Container: "c", Message: "100% broken"}},
			headline:   "pod/p: ErrSomethingNew (pod p, container c): 100% broken",
			annotation: "::error title=Rollout failed%3A pod/p ErrSomethingNew::pod/p: ErrSomethingNew (pod p, container c): 100%25 broken",
			sentinel:   ErrFailed,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Headline(); got != tt.headline {
				t.Errorf("headline %q\nwant     %q", got, tt.headline)
			}
			msg := tt.err.Error()
			if !strings.HasPrefix(msg, tt.headline) {
				t.Errorf("Error() does not start with the headline: %q", msg)
			}
			for _, c := range tt.contains {
				if !strings.Contains(msg, c) {
					t.Errorf("Error() lacks %q:\n%s", c, msg)
				}
			}
			if tt.contains == nil && strings.Contains(msg, "what to do") {
				t.Errorf("unexpected hint: %s", msg)
			}
			if got := tt.err.Annotation(); !strings.HasPrefix(got, tt.annotation) || strings.Contains(got, "\n") {
				t.Errorf("annotation %q\nwant prefix %q", got, tt.annotation)
			}
			if !errors.Is(tt.err, tt.sentinel) {
				t.Errorf("errors.Is(%v) false", tt.sentinel)
			}
		})
	}
}

func TestWarningAnnotation(t *testing.T) {
	w := Warning{Resource: "deployment/web", Message: "replicas 1, maxUnavailable 100%"}
	want := "::warning title=Rollout safety%3A deployment/web::replicas 1, maxUnavailable 100%25"
	if got := w.Annotation(); got != want {
		t.Fatalf("got %q want %q", got, want)
	}
}
