package ghdeploy

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-github/v60/github"
	"github.com/helmdeploy/helm-deploy-action/internal/ghdeploy/ghfake"
)

// seed creates a deployment of env with the given statuses, oldest first,
// none of which inactivates another deployment.
func seed(t *testing.T, c *Client, env string, states ...string) int64 {
	t.Helper()
	gh, err := c.newGitHub()
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	d, _, err := gh.Repositories.CreateDeployment(ctx, "octo", "app", &github.DeploymentRequest{
		Ref: github.String("main"), Environment: github.String(env), RequiredContexts: &[]string{},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range states {
		if _, _, err := gh.Repositories.CreateDeploymentStatus(ctx, "octo", "app", d.GetID(), &github.DeploymentStatusRequest{
			State: github.String(st), AutoInactive: github.Bool(false),
		}); err != nil {
			t.Fatal(err)
		}
	}
	return d.GetID()
}

// latest is the newest status of every deployment, by ID.
func latest(s *ghfake.Server) map[int64]ghfake.DeploymentStatus {
	out := map[int64]ghfake.DeploymentStatus{}
	for _, d := range s.Deployments() {
		if n := len(d.Statuses); n > 0 {
			out[d.ID] = d.Statuses[n-1]
		}
	}
	return out
}

func TestDeactivateEnvironment(t *testing.T) {
	mixed := [][]string{
		{"success"}, {"queued", "in_progress"}, {"pending"}, {}, {"queued"}, // deactivated
		{"success", "failure"}, {"error"}, {"success", "inactive"}, // left alone
	}
	tests := []struct {
		name     string
		env      string
		states   [][]string // deployments of env, oldest first
		fail     int        // status the second inactive status is refused with
		want     []int      // indexes into states deactivated, newest first
		wantErr  error
		wantLeft []int // with wantErr: what was deactivated before
	}{
		{name: "mixed latest states", env: "pr-7", states: mixed, want: []int{4, 3, 2, 1, 0}},
		{name: "only failures and inactive ones", env: "pr-7", states: [][]string{{"failure"}, {"success", "inactive"}, {"error"}}},
		{name: "no deployments", env: "pr-8"},
		{name: "name with a slash", env: "review/pr-7", states: [][]string{{"success"}, {"failure"}}, want: []int{0}},
		{name: "empty name would touch every environment", env: "", wantErr: ErrInvalid},
		{name: "refused", env: "pr-7", states: mixed, fail: http.StatusForbidden, wantErr: ErrPermission, wantLeft: []int{4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c, _ := newFake(t, nil)
			other := seed(t, c, "staging", "success")
			ids := make([]int64, len(tt.states))
			for i, st := range tt.states {
				ids[i] = seed(t, c, tt.env, st...)
			}
			if tt.fail != 0 {
				s.Script(ghfake.Failure{Match: "repos/create-deployment-status", Times: 1, Status: 0}) // the first passes
				s.FailNext("repos/create-deployment-status", tt.fail, nil, noPermission, 1)
			}
			before := latest(s)
			got, err := c.DeactivateEnvironment(t.Context(), tt.env)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			want := tt.want
			if tt.wantErr != nil {
				want = tt.wantLeft
			}
			var wantIDs []int64
			for _, i := range want {
				wantIDs = append(wantIDs, ids[i])
			}
			if !slices.Equal(got, wantIDs) {
				t.Errorf("deactivated %v, want %v", got, wantIDs)
			}
			after := latest(s)
			for id, st := range after {
				switch {
				case slices.Contains(wantIDs, id):
					if st.State != "inactive" || st.Description != DeactivatedDescription {
						t.Errorf("deployment %d: latest status %+v, want inactive", id, st)
					}
				case st != before[id]:
					t.Errorf("deployment %d (other %t) changed: %+v, was %+v", id, id == other, st, before[id])
				}
			}
			if err != nil && strings.Contains(err.Error(), "ghs_test") {
				t.Errorf("error shows the token: %v", err)
			}
		})
	}
}

// More than one page of deployments: every page is read, only env is touched.
func TestDeactivateEnvironmentPaginates(t *testing.T) {
	s, c, _ := newFake(t, nil)
	var active []int64
	for i := range 130 {
		state := "failure"
		if i%2 == 0 {
			state = "success"
		}
		id := seed(t, c, "pr-9", state)
		if state == "success" {
			active = append(active, id)
		}
	}
	other := seed(t, c, "pr-90", "success")
	got, err := c.DeactivateEnvironment(t.Context(), "pr-9")
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(active) // newest first
	if !slices.Equal(got, active) {
		t.Fatalf("deactivated %d deployments %v, want %d", len(got), got, len(active))
	}
	pages := 0
	for _, call := range s.Calls() {
		if call.Op == "repos/list-deployments" && strings.Contains(call.Query, "environment=pr-9") {
			pages++
		}
	}
	if pages != 2 {
		t.Errorf("listed %d pages of deployments, want 2", pages)
	}
	if st := latest(s)[other]; st.State != "success" {
		t.Errorf("deployment of another environment is now %s", st.State)
	}
}

func TestDeleteEnvironment(t *testing.T) {
	const gone = `{"message":"Not Found","documentation_url":"https://docs.github.com/rest/deployments/environments#list-environments","status":"404"}`
	tests := []struct {
		name      string
		env       string
		exists    bool
		forbid    int // ForbidEnvironmentDelete
		script    func(*ghfake.Server)
		wantErr   error
		wantInMsg []string
		wantLeft  bool // the environment is still there
	}{
		{name: "deleted", env: "pr-7", exists: true},
		{name: "name with a slash", env: "review/pr-7", exists: true},
		{name: "already gone", env: "pr-7"},
		{name: "deleted by an attempt whose answer was lost", env: "pr-7", exists: true,
			script: func(s *ghfake.Server) { s.FailAfter("repos/delete-an-environment", http.StatusBadGateway, 1) }},
		{name: "GITHUB_TOKEN gets 403", env: "pr-7", exists: true, forbid: http.StatusForbidden, wantLeft: true,
			wantErr: ErrForbidden, wantInMsg: []string{`"Administration: write"`, "GITHUB_TOKEN", "HTTP 403"}},
		{name: "not an admin gets 404 though it exists", env: "pr-7", exists: true, forbid: http.StatusNotFound, wantLeft: true,
			wantErr: ErrForbidden, wantInMsg: []string{`"Administration: write"`, "HTTP 404 although the environment exists"}},
		{name: "404 and the repository cannot be seen", env: "pr-7",
			script:  func(s *ghfake.Server) { s.FailNext("repos/get-all-environments", http.StatusNotFound, nil, gone, 1) },
			wantErr: ErrForbidden, wantInMsg: []string{"checking whether the environment exists failed", "HTTP 404"}},
		{name: "empty name", env: "", wantErr: ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c, _ := newFake(t, nil)
			seed(t, c, "staging")
			if tt.exists {
				seed(t, c, tt.env, "success")
			}
			s.ForbidEnvironmentDelete(tt.forbid)
			if tt.script != nil {
				tt.script(s)
			}
			err := c.DeleteEnvironment(t.Context(), tt.env)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			for _, m := range tt.wantInMsg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q lacks %q", err, m)
				}
			}
			if err != nil && strings.Contains(err.Error(), "ghs_test") {
				t.Errorf("error shows the token: %v", err)
			}
			var names []string
			for _, e := range s.Environments() {
				names = append(names, e.Name)
			}
			if left := slices.Contains(names, tt.env); left != tt.wantLeft || !slices.Contains(names, "staging") {
				t.Errorf("environments left: %q", names)
			}
		})
	}
}
