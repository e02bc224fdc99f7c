package ghdeploy

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-github/v60/github"
	"github.com/helmdeploy/helm-deploy-action/internal/ghdeploy/ghfake"
)

// comment writes a comment on issue with token, as another tool or person would.
func comment(t *testing.T, s *ghfake.Server, token string, issue int, body string) int64 {
	t.Helper()
	c, err := New(Options{Token: token, APIURL: s.URL, Owner: "octo", Repo: "app"})
	if err != nil {
		t.Fatal(err)
	}
	gh, err := c.newGitHub()
	if err != nil {
		t.Fatal(err)
	}
	cm, _, err := gh.Issues.CreateComment(t.Context(), "octo", "app", issue, &github.IssueComment{Body: github.String(body)})
	if err != nil {
		t.Fatal(err)
	}
	return cm.GetID()
}

// Successive upserts on one pull request, each step on the state the
// previous ones left.
func TestUpsertComment(t *testing.T) {
	s, c, _ := newFake(t, nil)
	planted := comment(t, s, "ghp_someone", 7, "copied <!-- planted -->")
	tests := []struct {
		name        string
		marker      string
		body        string
		wantCreated bool
		wantSameAs  string // the step whose comment is updated
		wantEdits   int
		wantCount   int // comments on #7 afterwards
	}{
		{name: "first", marker: "helm-diff", body: "diff 1", wantCreated: true, wantCount: 2},
		{name: "same marker updates", marker: "helm-diff", body: "diff 2\n", wantSameAs: "first", wantEdits: 1, wantCount: 2},
		{name: "same body is left alone", marker: "helm-diff", body: "diff 2", wantSameAs: "first", wantEdits: 1, wantCount: 2},
		{name: "another marker", marker: "helm-diff staging", body: "diff s", wantCreated: true, wantCount: 3},
		{name: "a person's comment with the marker is not taken over", marker: "planted", body: "mine", wantCreated: true, wantCount: 4},
	}
	ids := map[string]int64{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, created, err := c.UpsertComment(t.Context(), 7, tt.marker, tt.body)
			if err != nil {
				t.Fatal(err)
			}
			ids[tt.name] = id
			if created != tt.wantCreated || (tt.wantSameAs != "" && id != ids[tt.wantSameAs]) || id == planted {
				t.Errorf("id %d created %t; want created %t, same as %q (%d)", id, created, tt.wantCreated, tt.wantSameAs, ids[tt.wantSameAs])
			}
			all := s.Comments(7)
			if len(all) != tt.wantCount {
				t.Fatalf("%d comments, want %d", len(all), tt.wantCount)
			}
			for _, cm := range all {
				if cm.ID != id {
					continue
				}
				want := strings.TrimRight(tt.body, "\n") + "\n\n<!-- " + tt.marker + " -->"
				if cm.Body != want || cm.Edits != tt.wantEdits || cm.User != ghfake.BotLogin {
					t.Errorf("comment = %+v, want body %q and %d edits", cm, want, tt.wantEdits)
				}
			}
		})
	}
	if got := s.Comments(7)[0]; got.Body != "copied <!-- planted -->" {
		t.Errorf("the planted comment was changed: %q", got.Body)
	}
}

func TestUpsertCommentCases(t *testing.T) {
	long := strings.Repeat("é", MaxCommentBody)
	tests := []struct {
		name        string
		token       string
		setup       func(t *testing.T, s *ghfake.Server) int64 // returns the comment to be updated, if any
		marker      string
		body        string
		wantCreated bool
		wantErr     error
		wantInMsg   []string
		wantOp      string // an operation that must have been called
	}{
		{name: "marker on the second page", setup: func(t *testing.T, s *ghfake.Server) int64 {
			for range 120 {
				comment(t, s, "ghs_test", 7, "chatter")
			}
			return comment(t, s, "ghs_test", 7, "old\n\n<!-- m -->")
		}, marker: "m", body: "new"},
		{name: "a user token takes over only its user's comment", token: "ghp_user", setup: func(t *testing.T, s *ghfake.Server) int64 {
			comment(t, s, "ghs_bot", 7, "bot's <!-- m -->")
			return comment(t, s, "github_pat_same", 7, "user's <!-- m -->")
		}, marker: "m", body: "new", wantOp: "users/get-authenticated"},
		{name: "an unknown token goes by the marker alone", token: "0123456789abcdef", setup: func(t *testing.T, s *ghfake.Server) int64 {
			return comment(t, s, "ghp_someone", 7, "<!-- m -->")
		}, marker: "m", body: "new"},
		{name: "too long a body is cut, the marker kept", marker: "m", body: long, wantCreated: true},
		{name: "a lost answer does not make a second comment", setup: func(t *testing.T, s *ghfake.Server) int64 {
			s.DropAfter("issues/create-comment", 1)
			return 0
		}, marker: "m", body: "new", wantCreated: true},
		{name: "403 names the permission", setup: func(t *testing.T, s *ghfake.Server) int64 {
			s.FailNext("issues/list-comments", http.StatusForbidden, nil,
				`{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest"}`, 1)
			return 0
		}, marker: "m", body: "new", wantErr: ErrForbidden, wantInMsg: []string{"pull-requests: write", "HTTP 403", "forks"}},
		{name: "403 on create", setup: func(t *testing.T, s *ghfake.Server) int64 {
			s.FailNext("issues/create-comment", http.StatusForbidden, nil,
				`{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest"}`, 1)
			return 0
		}, marker: "m", body: "new", wantErr: ErrForbidden, wantInMsg: []string{"pull-requests: write"}},
		{name: "a marker that would end the HTML comment", marker: "a-->b", body: "x", wantErr: ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c, _ := newFake(t, func(o *Options) {
				if tt.token != "" {
					o.Token = tt.token
				}
			})
			var want int64
			if tt.setup != nil {
				want = tt.setup(t, s)
			}
			before := len(s.Comments(7))
			id, created, err := c.UpsertComment(t.Context(), 7, tt.marker, tt.body)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			for _, m := range tt.wantInMsg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q lacks %q", err, m)
				}
			}
			if err != nil {
				return
			}
			if created != tt.wantCreated || (want != 0 && id != want) {
				t.Errorf("id %d created %t, want created %t, id %d", id, created, tt.wantCreated, want)
			}
			n := before
			if created {
				n++
			}
			all := s.Comments(7)
			if len(all) != n {
				t.Errorf("%d comments, want %d", len(all), n)
			}
			for _, cm := range all {
				if cm.ID == id && (!strings.HasSuffix(cm.Body, "\n\n<!-- m -->") || utf8.RuneCountInString(cm.Body) > MaxCommentBody) {
					t.Errorf("comment %d body ends %q (%d characters)", id, cm.Body[max(len(cm.Body)-40, 0):], utf8.RuneCountInString(cm.Body))
				}
			}
			if tt.wantOp != "" {
				called := false
				for _, call := range s.Calls() {
					called = called || call.Op == tt.wantOp
				}
				if !called {
					t.Errorf("%s was not called", tt.wantOp)
				}
			}
		})
	}
}
