package ghdeploy

import (
	"context"
	"testing"

	"github.com/google/go-github/v60/github"
)

const runs = "https://github.com/octo/app/actions/runs/"

// jobDeployment makes a deployment the way GitHub does for a job's `environment:`: no
// payload, statuses linking to the job's run. The token decides the creator.
func jobDeployment(t *testing.T, c *Client, token, env string, payload any, link string, states ...string) int64 {
	t.Helper()
	c.opts.Token = token
	gh, err := c.newGitHub()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	d, _, err := gh.Repositories.CreateDeployment(ctx, "octo", "app", &github.DeploymentRequest{
		Ref: github.String("0123456789abcdef0123456789abcdef01234567"), Environment: github.String(env),
		Payload: payload, RequiredContexts: &[]string{},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range states {
		if _, _, err := gh.Repositories.CreateDeploymentStatus(ctx, "octo", "app", d.GetID(), &github.DeploymentStatusRequest{
			State: github.String(st), LogURL: github.String(link),
		}); err != nil {
			t.Fatal(err)
		}
	}
	return d.GetID()
}

// Only the deployment GitHub made for this very job is adopted, never another run's.
func TestFindActive(t *testing.T) {
	this := Run{ID: "4200", Attempt: "2", Job: "deploy"}
	tests := []struct {
		name    string
		token   string // ghs_: the GITHUB_TOKEN (github-actions[bot]); ghp_: a user
		env     string
		payload any
		link    string
		states  []string
		newer   bool // another run's running deployment is made after this one
		noRun   bool // FindActive is not told the run
		want    bool
	}{
		{name: "this job's, in progress", link: runs + "4200/job/77", states: []string{"queued", "in_progress"}, want: true},
		{name: "this attempt's link", link: runs + "4200/attempts/2", states: []string{"in_progress"}, want: true},
		{name: "this run's, with another run's newer one", link: runs + "4200", states: []string{"in_progress"}, newer: true, want: true},
		{name: "another run's running deployment", link: runs + "4199/job/76", states: []string{"in_progress"}},
		{name: "a run whose id starts with this one", link: runs + "42001/job/7", states: []string{"in_progress"}},
		{name: "an earlier attempt of this run", link: runs + "4200/attempts/1", states: []string{"in_progress"}},
		{name: "this run's, finished", link: runs + "4200/job/77", states: []string{"in_progress", "success"}},
		{name: "no status yet: nothing says whose", link: runs + "4200/job/77"},
		{name: "made by a tool with a payload", payload: map[string]any{MarkerKey: this}, link: runs + "4200", states: []string{"in_progress"}},
		{name: "made with a personal token", token: "ghp_user", link: runs + "4200", states: []string{"in_progress"}},
		{name: "another environment", env: "staging", link: runs + "4200", states: []string{"in_progress"}},
		{name: "not on Actions (no run id)", link: runs + "4200", states: []string{"in_progress"}, noRun: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, c, _ := newFake(t, nil)
			token, env, lookup := "ghs_test", "production", this
			if tc.token != "" {
				token = tc.token
			}
			if tc.env != "" {
				env = tc.env
			}
			if tc.noRun {
				lookup = Run{}
			}
			id := jobDeployment(t, c, token, env, tc.payload, tc.link, tc.states...)
			if tc.newer {
				jobDeployment(t, c, "ghs_test", "production", nil, runs+"4201/job/78", "in_progress")
			}
			c.opts.Token = "ghs_test"
			got, found, err := c.FindActive(t.Context(), lookup, "production")
			if err != nil {
				t.Fatal(err)
			}
			if found != tc.want || (found && got != id) {
				t.Fatalf("FindActive = %d, %t; want %t (deployment %d)", got, found, tc.want, id)
			}
			if v := s.ValidationErrors(); len(v) > 0 {
				t.Fatalf("requests or responses off the OpenAPI description: %v", v)
			}
		})
	}
}

func TestRunLinks(t *testing.T) {
	tests := []struct {
		run  Run
		link string
		want bool
	}{
		{run: Run{ID: "9"}, link: "https://ghes.example.com/o/r/actions/runs/9/job/1", want: true},
		{run: Run{ID: "9", Attempt: "3"}, link: "https://github.com/o/r/actions/runs/9/attempts/3", want: true},
		{run: Run{ID: "9", Attempt: "3"}, link: "https://github.com/o/r/actions/runs/9/attempts/2"},
		{run: Run{ID: "9"}, link: "https://github.com/o/r/actions/runs/9?check_suite_focus=true", want: true},
		{run: Run{ID: "9"}, link: "https://github.com/o/r/actions/runs/99"},
		{run: Run{ID: "9"}, link: "https://github.com/o/r/deployments/9"},
		{run: Run{ID: "9"}, link: ""},
		{run: Run{}, link: "https://github.com/o/r/actions/runs/9"},
	}
	for _, tt := range tests {
		if got := tt.run.links(tt.link); got != tt.want {
			t.Errorf("%+v links %q = %t, want %t", tt.run, tt.link, got, tt.want)
		}
	}
}
