package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/helmdeploy/helm-deploy-action/internal/config"
	"github.com/helmdeploy/helm-deploy-action/internal/ghdeploy"
	"github.com/helmdeploy/helm-deploy-action/internal/ghdeploy/ghfake"
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
			state: State{Deploy: DeployResult{Failure: &rollout.FailureError{Verdict: rollout.Verdict{
				State: rollout.Failed, Reason: "CrashLoopBackOff", Resource: "deployment/web", Pod: "web-1", Container: "web",
				ExitCode: &code, Message: "password=" + secret + " ##[set-output name=x;]y",
			}}}, Err: errors.New("upgrade failed: " + secret)},
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

// post sends one JSON request to the fake GitHub as the GITHUB_TOKEN would.
func post(t *testing.T, url, body string) map[string]any {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer ghs_job")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST %s: %s (%v)", url, resp.Status, err)
	}
	return out
}

// With create-deployment: auto, the deployment of the job's own `environment:` is used, and
// another run's running deployment of the same environment is not; a deployment the action
// creates carries this run in its payload.
func TestPrepareGitHubAdoptsOnlyThisRunsDeployment(t *testing.T) {
	tests := []struct {
		name       string
		jobRun     string // the run whose job deployment is running in the environment
		wantAdopts bool
	}{
		{name: "this run's job deployment", jobRun: "4200", wantAdopts: true},
		{name: "another run's job deployment", jobRun: "4199"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := ghfake.Start(t)
			d := post(t, fake.URL+"/repos/octo/app/deployments", `{"ref":"main","environment":"production","required_contexts":[]}`)
			statuses := fmt.Sprintf("%s/repos/octo/app/deployments/%v/statuses", fake.URL, d["id"])
			post(t, statuses, `{"state":"in_progress","log_url":"https://github.com/octo/app/actions/runs/`+tt.jobRun+`/job/9"}`)

			env := map[string]string{
				"GITHUB_REPOSITORY": "octo/app", "GITHUB_API_URL": fake.URL, "GITHUB_RUN_ID": "4200",
				"GITHUB_RUN_ATTEMPT": "1", "GITHUB_JOB": "deploy", "GITHUB_ACTION": "__helmdeploy_helm-deploy-action",
			}
			getenv := func(k string) string { return env[k] }
			var out bytes.Buffer
			s := &State{Getenv: getenv, Log: NewLog(&out, getenv), Config: &config.Config{Release: "web",
				GitHub: config.GitHubSpec{Token: "ghs_job", Environment: "production", CreateDeployment: "auto", Ref: "main", AutoInactive: true}}}
			if err := (prepareGitHub{}).Run(t.Context(), s); err != nil {
				t.Fatal(err)
			}
			if adopted := s.GitHub == nil; adopted != tt.wantAdopts {
				t.Fatalf("adopted the job's deployment: %t, want %t\n%s", adopted, tt.wantAdopts, out.String())
			}
			if tt.wantAdopts {
				return
			}
			s.GitHub.InProgress(t.Context())
			ds := fake.Deployments()
			if len(ds) != 2 {
				t.Fatalf("%d deployments, want the other run's and ours", len(ds))
			}
			payload, _ := ds[1].Payload.(map[string]any)
			marker, _ := payload[ghdeploy.MarkerKey].(map[string]any)
			if marker["run_id"] != "4200" || marker["run_attempt"] != "1" || marker["job"] != "deploy" || marker["nonce"] == "" {
				t.Errorf("payload marker = %v", payload[ghdeploy.MarkerKey])
			}
			if got := ds[0].States(); len(got) != 1 {
				t.Errorf("the other run's deployment got statuses %v", got)
			}
		})
	}
}
