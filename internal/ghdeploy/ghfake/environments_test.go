package ghfake

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// Environments, issue comments and GET /user, request by request; every
// answer must also match the description (Start fails the test otherwise).
func TestAroundOperations(t *testing.T) {
	const envs = "/repos/o/r/environments"
	long := `{"body":"` + strings.Repeat("a", maxCommentBody+1) + `"}`
	tests := []struct {
		name       string
		setup      func(s *Server)
		method     string
		path       string
		body       string
		auth       string
		wantStatus int
		wantInBody string
		wantLink   string // substring of the Link header
	}{
		{name: "a deployment creates its environment", method: "GET", path: envs + "/staging", wantStatus: 200, wantInBody: `"name":"staging"`},
		{name: "names ignore case", method: "GET", path: envs + "/STAGING", wantStatus: 200},
		{name: "a slash is escaped", method: "GET", path: envs + "/review%2Fpr-7", wantStatus: 200, wantInBody: `"name":"review/pr-7"`},
		{name: "unknown environment", method: "GET", path: envs + "/nope", wantStatus: 404},
		{name: "list", method: "GET", path: envs, wantStatus: 200, wantInBody: `"total_count":2`},
		{name: "list pages", method: "GET", path: envs + "?per_page=1", wantStatus: 200, wantLink: `page=2&per_page=1>; rel="next"`},
		{name: "delete", method: "DELETE", path: envs + "/review%2Fpr-7", wantStatus: 204},
		{name: "delete unknown", method: "DELETE", path: envs + "/nope", wantStatus: 404},
		{name: "delete forbidden", setup: func(s *Server) { s.ForbidEnvironmentDelete(403) },
			method: "DELETE", path: envs + "/staging", wantStatus: 403, wantInBody: "not accessible by integration"},
		{name: "delete by a non-admin", setup: func(s *Server) { s.ForbidEnvironmentDelete(404) },
			method: "DELETE", path: envs + "/staging", wantStatus: 404},
		{name: "create comment", method: "POST", path: "/repos/o/r/issues/7/comments", body: `{"body":"hi"}`, wantStatus: 201, wantInBody: `"type":"Bot"`},
		{name: "comment too long", method: "POST", path: "/repos/o/r/issues/7/comments", body: long, wantStatus: 422},
		{name: "list comments", setup: func(s *Server) { s.comment(t, 7, "one"); s.comment(t, 8, "other") },
			method: "GET", path: "/repos/o/r/issues/7/comments", wantStatus: 200, wantInBody: `"body":"one"`},
		{name: "update comment", setup: func(s *Server) { s.comment(t, 7, "one") },
			method: "PATCH", path: "/repos/o/r/issues/comments/1", body: `{"body":"two"}`, wantStatus: 200, wantInBody: `"body":"two"`},
		{name: "update unknown comment", method: "PATCH", path: "/repos/o/r/issues/comments/9", body: `{"body":"two"}`, wantStatus: 404},
		{name: "user of a personal token", method: "GET", path: "/user", auth: "token ghp_x", wantStatus: 200, wantInBody: `"login":"octocat"`},
		{name: "no user for an installation token", method: "GET", path: "/user", auth: "Bearer ghs_x", wantStatus: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Start(t)
			create(t, s, `{"ref":"main","environment":"staging"}`)
			create(t, s, `{"ref":"main","environment":"review/pr-7"}`)
			if tt.setup != nil {
				tt.setup(s)
			}
			req, err := http.NewRequestWithContext(t.Context(), tt.method, s.URL+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out json.RawMessage
			_ = json.NewDecoder(resp.Body).Decode(&out)
			if resp.StatusCode != tt.wantStatus || !strings.Contains(string(out), tt.wantInBody) {
				t.Errorf("%d %s, want %d with %s", resp.StatusCode, out, tt.wantStatus, tt.wantInBody)
			}
			if link := resp.Header.Get("Link"); !strings.Contains(link, tt.wantLink) || (tt.wantLink == "" && link != "") {
				t.Errorf("Link = %q, want %q", link, tt.wantLink)
			}
		})
	}
}

// comment stores a comment by the Actions bot.
func (s *Server) comment(t *testing.T, issue int, body string) {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"body": body})
	if status, _, out := do(t, s.URL, "POST", "/repos/o/r/issues/"+strconv.Itoa(issue)+"/comments", string(b)); status != 201 {
		t.Fatalf("comment: %d %s", status, out)
	}
}

func TestAroundControls(t *testing.T) {
	s := Start(t)
	create(t, s, `{"ref":"main","environment":"staging"}`)
	s.comment(t, 7, "hi")
	for _, tt := range []struct{ method, path, body, want string }{
		{"GET", "/_fake/environments", "", `"name": "staging"`},
		{"GET", "/_fake/comments", "", `"body": "hi"`},
		{"POST", "/_fake/forbid-environment-delete", `{"status":403}`, `"status": 403`},
		{"POST", "/_fake/forbid-environment-delete", `{"status":200}`, "want"},
	} {
		if _, _, out := do(t, s.URL, tt.method, tt.path, tt.body); !strings.Contains(string(out), tt.want) {
			t.Errorf("%s %s = %s, want %s", tt.method, tt.path, out, tt.want)
		}
	}
	if status, _, _ := do(t, s.URL, "DELETE", "/repos/o/r/environments/staging", ""); status != 403 {
		t.Errorf("DELETE after forbid-environment-delete: %d", status)
	}
	do(t, s.URL, "POST", "/_fake/reset", "")
	if len(s.Environments()) != 0 || len(s.Comments(0)) != 0 {
		t.Errorf("reset kept %v and %v", s.Environments(), s.Comments(0))
	}
}
