package ghfake

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// previewAccept is what go-github v60 sends for deployment calls.
const previewAccept = "application/vnd.github.ant-man-preview+json, application/vnd.github.flash-preview+json"

func do(t *testing.T, base, method, path, body string) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", previewAccept)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, out
}

func TestValidation(t *testing.T) {
	const deployments = "/repos/o/r/deployments"
	tests := []struct {
		name       string
		method     string
		path       string
		body       string
		script     *Failure
		wantStatus int
		wantErr    string // substring of the recorded validation error; "" = valid
	}{
		{name: "valid create", method: "POST", path: deployments, body: `{"ref":"main","auto_merge":false,"required_contexts":[],"payload":{"a":1}}`, wantStatus: 201},
		{name: "valid create under /api/v3", method: "POST", path: "/api/v3" + deployments, body: `{"ref":"main","payload":"{}"}`, wantStatus: 201},
		{name: "create without ref", method: "POST", path: deployments, body: `{"environment":"staging"}`, wantStatus: 400, wantErr: "ref"},
		{name: "create with wrongly typed field", method: "POST", path: deployments, body: `{"ref":"main","auto_merge":"no"}`, wantStatus: 400, wantErr: "auto_merge"},
		{name: "status with bad state", method: "POST", path: deployments + "/1/statuses", body: `{"state":"done"}`, wantStatus: 400, wantErr: "state"},
		{name: "list with bad per_page", method: "GET", path: deployments + "?per_page=many", wantStatus: 400, wantErr: "per_page"},
		{name: "unknown operation", method: "PUT", path: deployments, body: `{}`, wantStatus: 400, wantErr: "no such operation"},
		{
			name: "malformed scripted response", method: "POST", path: deployments, body: `{"ref":"main"}`,
			script:     &Failure{Match: "repos/create-deployment", Status: 201, Body: `{"id":"x"}`, Times: 1},
			wantStatus: 400, wantErr: "response 201",
		},
		{
			name: "documented 409 passes", method: "POST", path: deployments, body: `{"ref":"main"}`,
			script:     &Failure{Match: "repos/create-deployment", Status: 409, Body: `{"message":"Conflict: Commit status checks failed for main."}`, Times: 1},
			wantStatus: 409,
		},
		{
			name: "422 without documentation_url is rejected", method: "POST", path: deployments, body: `{"ref":"main"}`,
			script:     &Failure{Match: "POST " + deployments, Status: 422, Body: `{"message":"x"}`, Times: 1},
			wantStatus: 400, wantErr: "documentation_url",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Start(t)
			if _, _, out := do(t, s.URL, "POST", deployments, `{"ref":"main"}`); !json.Valid(out) {
				t.Fatalf("setup create: %s", out)
			}
			if tt.script != nil {
				s.FailNext(tt.script.Match, tt.script.Status, tt.script.Header, tt.script.Body, tt.script.Times)
			}
			status, _, out := do(t, s.URL, tt.method, tt.path, tt.body)
			if status != tt.wantStatus {
				t.Errorf("status = %d, want %d: %s", status, tt.wantStatus, out)
			}
			errs := s.TakeValidationErrors()
			if tt.wantErr == "" && len(errs) > 0 {
				t.Errorf("unexpected validation errors: %q", errs)
			}
			if tt.wantErr != "" && (len(errs) != 1 || !strings.Contains(errs[0], tt.wantErr)) {
				t.Errorf("validation errors = %q, want one containing %q", errs, tt.wantErr)
			}
			calls := s.Calls()
			if last := calls[len(calls)-1]; last.Status != tt.wantStatus {
				t.Errorf("recorded status = %d, want %d", last.Status, tt.wantStatus)
			}
		})
	}
}

func TestFailNextCountsDown(t *testing.T) {
	s := Start(t)
	h := http.Header{"Retry-After": {"3"}}
	s.FailNext("repos/create-deployment", http.StatusBadGateway, h, "", 2)
	var got []int
	for range 3 {
		status, header, _ := do(t, s.URL, "POST", "/repos/o/r/deployments", `{"ref":"main"}`)
		got = append(got, status)
		if status == http.StatusBadGateway && header.Get("Retry-After") != "3" {
			t.Errorf("scripted header missing: %v", header)
		}
	}
	if want := []int{502, 502, 201}; !equalInts(got, want) {
		t.Errorf("statuses = %v, want %v", got, want)
	}
	if n := len(s.Deployments()); n != 1 {
		t.Errorf("deployments = %d, want 1", n)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// GitHub records the token's owner as the creator of a deployment and of
// its statuses: the Actions bot for the GITHUB_TOKEN, a user for a PAT.
func TestCreatorIsTheTokensOwner(t *testing.T) {
	tests := []struct {
		auth      string
		wantLogin string
		wantType  string
	}{
		{auth: "", wantLogin: BotLogin, wantType: "Bot"},
		{auth: "Bearer ghs_installation", wantLogin: BotLogin, wantType: "Bot"},
		{auth: "token ghp_personal", wantLogin: UserLogin, wantType: "User"},
		{auth: "Bearer github_pat_fine", wantLogin: UserLogin, wantType: "User"},
	}
	for _, tt := range tests {
		t.Run(tt.wantLogin+" "+tt.auth, func(t *testing.T) {
			s := Start(t)
			req, err := http.NewRequestWithContext(t.Context(), "POST", s.URL+"/repos/o/r/deployments", strings.NewReader(`{"ref":"main"}`))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("create: %s", resp.Status)
			}
			var d struct {
				Creator struct{ Login, Type string }
			}
			if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
				t.Fatal(err)
			}
			if d.Creator.Login != tt.wantLogin || d.Creator.Type != tt.wantType {
				t.Errorf("creator = %+v, want %s (%s)", d.Creator, tt.wantLogin, tt.wantType)
			}
			if got := s.Deployments()[0].Creator; got != tt.wantLogin {
				t.Errorf("stored creator = %q", got)
			}
		})
	}
}
