package app

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/config"
	"github.com/helmdeploy/helm-deploy-action/internal/kube"
	"github.com/helmdeploy/helm-deploy-action/internal/release"
	"github.com/helmdeploy/helm-deploy-action/internal/report"
	"github.com/helmdeploy/helm-deploy-action/internal/rollout"
)

// summary turns the steps' typed results into the report: revisions before and after, the
// diagnosis of a failed rollout (masked), the hint from the remediation, and the task's results.
func TestSummaryFromStepResults(t *testing.T) {
	const secret = "sum-secret-91c2"
	cfg := &config.Config{Release: "web", Namespace: "prod", Task: "deploy"}
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	code := int32(137)
	tests := []struct {
		name  string
		state State
		check func(t *testing.T, sum report.Summary)
	}{
		{
			name: "failed rollout rolled back",
			state: State{Config: cfg, Cluster: Cluster{Kube: &kube.Clients{}}, Outcome: report.Failed,
				Err:     errors.New("upgrade failed: password " + secret),
				Release: ReleaseResult{Before: &release.Result{Revision: 3}, After: &release.Result{Release: "web", Namespace: "prod", Revision: 5, Status: "deployed", ChartName: "web"}},
				Lock:    LockResult{Wait: 2 * time.Second, Recovered: "revision 2 was pending-upgrade"},
				Deploy: DeployResult{Phase: Deployed, Remediation: &release.Remediation{Action: "rolled back", Failed: 4, RolledBackTo: 3},
					Failure: &rollout.FailureError{Verdict: rollout.Verdict{Resource: "deployment/web", Reason: "OOMKilled", Pod: "web-1",
						Container: "web", ExitCode: &code, Message: "killed with " + secret},
						LastLogLines: []string{"log says " + secret}, Events: []string{"Warning BackOff"}}},
				Steps: []StepRecord{{Name: "Deploy", Duration: time.Second, Err: errors.New("x")}}},
			check: func(t *testing.T, sum report.Summary) {
				if sum.RevisionBefore != 3 || sum.RevisionAfter != 5 || sum.Status != "deployed" || sum.Outcome != report.Failed {
					t.Errorf("revisions %d → %d, status %q, outcome %q", sum.RevisionBefore, sum.RevisionAfter, sum.Status, sum.Outcome)
				}
				if !strings.HasPrefix(sum.Error, "deployment/web: OOMKilled (pod web-1, container web, exit code 137)") {
					t.Errorf("error %q is not the rollout's headline", sum.Error)
				}
				if !strings.Contains(sum.Hint, "rolled back to revision 3") {
					t.Errorf("hint %q does not say the rollback", sum.Hint)
				}
				if sum.LockWait != 2*time.Second || sum.Recovered == "" || len(sum.Steps) != 1 || !sum.Steps[0].Failed {
					t.Errorf("lock wait %s, recovered %q, steps %+v", sum.LockWait, sum.Recovered, sum.Steps)
				}
				if len(sum.Diagnosis) == 0 || len(sum.LastLogLines) != 1 || len(sum.Events) != 1 {
					t.Errorf("diagnosis %v, log lines %v, events %v", sum.Diagnosis, sum.LastLogLines, sum.Events)
				}
			},
		},
		{
			name: "nothing stored yet: the release before stands",
			state: State{Config: cfg, Outcome: report.Cancelled, Err: ErrCancelled,
				Release: ReleaseResult{Before: &release.Result{Revision: 7, Status: "deployed", ChartName: "web", ChartVersion: "1.2.3"}},
				Deploy:  DeployResult{Phase: HelmBusy}},
			check: func(t *testing.T, sum report.Summary) {
				if sum.RevisionAfter != 7 || sum.ChartVersion != "1.2.3" || sum.Outcome != report.Cancelled || sum.EnvironmentURL != "" {
					t.Errorf("summary %+v", sum)
				}
			},
		},
		{
			name: "status task",
			state: State{Config: &config.Config{Release: "web", Namespace: "prod", Task: "status"}, Outcome: report.Succeeded,
				Task: TaskResult{History: []release.Revision{{Revision: 2, Status: "deployed", Description: "Upgrade " + secret}},
					Workloads: []kube.Readiness{{Kind: "Deployment", Name: "web", Found: true, Ready: 1, Desired: 2}},
					Done:      []string{"read 1 revision"}}},
			check: func(t *testing.T, sum report.Summary) {
				if sum.Task != "status" || len(sum.History) != 1 || len(sum.Workloads) != 1 || sum.Workloads[0].OK || len(sum.Done) != 1 {
					t.Errorf("task summary %+v", sum)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			s := tc.state
			s.Getenv = func(string) string { return "" }
			s.Log = NewLog(&out, s.Getenv)
			s.Log.Mask(secret)
			s.Start, s.Now = start, func() time.Time { return start.Add(3 * time.Second) }
			sum := s.summary()
			if sum.Duration != 3*time.Second {
				t.Errorf("duration %s, want 3s", sum.Duration)
			}
			if md := report.Markdown(sum); strings.Contains(md, secret) {
				t.Errorf("the summary carries the secret:\n%s", md)
			}
			for _, o := range report.Outputs(sum) {
				if strings.Contains(o.Value, secret) {
					t.Errorf("output %s carries the secret: %q", o.Name, o.Value)
				}
			}
			tc.check(t, sum)
		})
	}
}
