package app

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/helmdeploy/helm-deploy-action/internal/rollout"
)

// The GitHub status description is composed of our words and object names only: no
// termination message, no error text (which may quote a rendered Secret), and no secret in any
// encoding.
func TestGitHubReasonIsComposed(t *testing.T) {
	const secret = "db-pass-7f3e9a"
	code := int32(1)
	tests := []struct {
		name  string
		state State
		want  string
	}{
		{
			name: "rollout failure",
			state: State{Failure: &rollout.FailureError{Verdict: rollout.Verdict{
				State: rollout.Failed, Reason: "CrashLoopBackOff", Resource: "deployment/web", Pod: "web-1", Container: "web",
				ExitCode: &code, Message: "password=" + secret + " ##[set-output name=x;]y",
			}}, Err: errors.New("upgrade failed: " + secret)},
			want: "deployment/web: CrashLoopBackOff (pod web-1, container web, exit code 1)",
		},
		{
			name: "a step failed",
			state: State{Steps: []StepRecord{{Name: "Read inputs"}, {Name: "Deploy", Err: errors.New(`Secret "db" is invalid: data[password]: ` + secret)}},
				Err: errors.New("x")},
			want: "Deploy failed; the reason is in the run's log",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			s := tc.state
			s.Log = NewLog(&out, func(string) string { return "" })
			s.Log.Mask(secret)
			got := githubReason(&s)
			if got != tc.want {
				t.Errorf("githubReason = %q, want %q", got, tc.want)
			}
			if strings.Contains(got, secret) || strings.Contains(got, "##[") {
				t.Errorf("githubReason %q carries workload text", got)
			}
		})
	}
}
