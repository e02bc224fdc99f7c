package ghdeploy

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

const (
	createOp     = "repos/create-deployment"
	secondaryDoc = `{"message":"You have exceeded a secondary rate limit.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`
	noPermission = `{"message":"Resource not accessible by integration","documentation_url":"https://docs.github.com/rest/deployments/deployments#create-a-deployment","status":"403"}`
)

func TestCreateSendsWhatGitHubNeeds(t *testing.T) {
	s, c, _ := newFake(t, nil)
	id, err := c.Create(t.Context(), DeploymentRequest{
		Ref: "refs/pull/7/merge", Environment: "pr-7", Description: "app 1.2.3",
		Transient: true, Production: ptr(false),
		Payload: map[string]any{"release": "app", "namespace": "web"},
	})
	if err != nil {
		t.Fatal(err)
	}
	calls := s.Calls()
	if len(calls) != 1 || id == 0 {
		t.Fatalf("id %d, calls %+v", id, calls)
	}
	var body map[string]any
	if err := json.Unmarshal(calls[0].Body, &body); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"ref": "refs/pull/7/merge", "environment": "pr-7", "description": "app 1.2.3", "task": "deploy",
		"auto_merge": false, "required_contexts": []any{}, "transient_environment": true, "production_environment": false,
	}
	for k, v := range want {
		got, _ := json.Marshal(body[k])
		exp, _ := json.Marshal(v)
		if string(got) != string(exp) {
			t.Errorf("%s = %s, want %s", k, got, exp)
		}
	}
	if p, _ := body["payload"].(map[string]any); p["namespace"] != "web" {
		t.Errorf("payload = %v", body["payload"])
	}
	if d := s.Deployments()[0]; d.ID != id || d.ProductionEnvironment || !d.TransientEnvironment {
		t.Errorf("stored deployment = %+v", d)
	}
}

func TestCreateErrors(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      string
		wantErr   error
		wantInMsg []string
	}{
		{name: "202 merged branch", status: 202, body: `{"message":"Auto-merged main into topic on deployment."}`,
			wantErr: ErrMergedBranch, wantInMsg: []string{"Auto-merged main into topic", "re-run the job"}},
		{name: "409 conflict", status: 409, body: `{"message":"Conflict: Commit status checks failed for topic."}`,
			wantErr: ErrConflict, wantInMsg: []string{"status checks failed", "re-run the job"}},
		{name: "422 invalid", status: 422, body: `{"message":"Validation Failed","documentation_url":"https://docs.github.com/rest","errors":[{"code":"invalid","field":"ref"}]}`,
			wantErr: ErrInvalid, wantInMsg: []string{"422"}},
		{name: "403 without permission", status: 403, body: noPermission,
			wantErr: ErrPermission, wantInMsg: []string{"permissions: deployments: write", "forks"}},
		{name: "404 unknown repository or private", status: 404, body: `{"message":"Not Found","documentation_url":"https://docs.github.com/rest"}`,
			wantErr: ErrPermission, wantInMsg: []string{"HTTP 404"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c, sl := newFake(t, nil)
			s.FailNext(createOp, tt.status, nil, tt.body, 1)
			_, err := c.Create(t.Context(), DeploymentRequest{Ref: "topic", Environment: "staging"})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			for _, m := range tt.wantInMsg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q lacks %q", err, m)
				}
			}
			if n := len(s.Calls()); n != 1 || len(sl.all()) != 0 {
				t.Errorf("calls = %d, sleeps = %v: a final answer must not be retried", n, sl.all())
			}
		})
	}
}

func TestRetries(t *testing.T) {
	epoch := func(d time.Duration) string { return strconv.FormatInt(time.Now().Add(d).Unix(), 10) }
	tests := []struct {
		name      string
		status    int
		header    http.Header
		body      string
		times     int
		wantErr   error
		wantCalls int                        // 0: do not check
		checkWait func([]time.Duration) bool // the waits asked for
	}{
		{name: "502 then success (after a look-up)", status: 502, times: 1, wantCalls: 3,
			checkWait: func(w []time.Duration) bool { return len(w) == 1 && w[0] >= backoffBase/2 && w[0] < backoffBase }},
		{name: "429 with Retry-After", status: 429, header: http.Header{"Retry-After": {"7"}}, body: `{"message":"Too Many Requests"}`, times: 1, wantCalls: 2,
			checkWait: func(w []time.Duration) bool { return len(w) == 1 && w[0] == 7*time.Second }},
		{name: "429 with x-ratelimit-reset", status: 429, header: http.Header{"X-Ratelimit-Reset": {epoch(20 * time.Second)}}, times: 1, wantCalls: 2,
			checkWait: func(w []time.Duration) bool { return len(w) == 1 && w[0] > 18*time.Second && w[0] <= 22*time.Second }},
		{name: "403 secondary rate limit with Retry-After", status: 403, header: http.Header{"Retry-After": {"30"}}, body: secondaryDoc, times: 1, wantCalls: 2,
			checkWait: func(w []time.Duration) bool { return len(w) == 1 && w[0] == 30*time.Second }},
		{name: "403 secondary rate limit without hint waits out the budget", status: 403, body: secondaryDoc, times: 1, wantCalls: 2,
			checkWait: func(w []time.Duration) bool { return len(w) == 1 && w[0] > 55*time.Second && w[0] < time.Minute }},
		{name: "429 without hint", status: 429, times: 1, wantCalls: 2,
			checkWait: func(w []time.Duration) bool { return len(w) == 1 && w[0] > 55*time.Second && w[0] < time.Minute }},
		{name: "secondary rate limit twice gives up", status: 403, body: secondaryDoc, times: 2, wantErr: ErrGaveUp, wantCalls: 2,
			checkWait: func(w []time.Duration) bool { return len(w) == 1 }},
		{name: "403 primary rate limit waits for the reset", status: 403,
			header: http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {epoch(10 * time.Second)}},
			body:   `{"message":"API rate limit exceeded","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"}`, times: 1, wantCalls: 2,
			checkWait: func(w []time.Duration) bool { return len(w) == 1 && w[0] > 9*time.Second && w[0] <= 12*time.Second }},
		{name: "primary reset beyond the budget gives up", status: 403,
			header: http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {epoch(time.Hour)}},
			body:   `{"message":"API rate limit exceeded"}`, times: 1, wantErr: ErrGaveUp, wantCalls: 1,
			checkWait: func(w []time.Duration) bool { return len(w) == 0 }},
		{name: "persistent 500 gives up within the budget", status: 500, times: 1000, wantErr: ErrGaveUp,
			checkWait: func(w []time.Duration) bool {
				var sum time.Duration
				for _, d := range w {
					sum += d
				}
				return len(w) >= 4 && sum <= time.Minute
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var notices []string
			s, c, sl := newFake(t, func(o *Options) {
				o.Warn = func(f string, a ...any) { notices = append(notices, fmt.Sprintf(f, a...)) }
			})
			s.FailNext(createOp, tt.status, tt.header, tt.body, tt.times)
			_, err := c.Create(t.Context(), DeploymentRequest{Ref: "main", Environment: "staging"})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if len(notices) != len(sl.all()) || (len(notices) > 0 && !strings.Contains(notices[0], "retrying in")) {
				t.Errorf("retry notices %q for waits %v", notices, sl.all())
			}
			if n := len(s.Calls()); tt.wantCalls != 0 && n != tt.wantCalls {
				t.Errorf("calls = %d, want %d", n, tt.wantCalls)
			}
			if !tt.checkWait(sl.all()) {
				t.Errorf("waits = %v", sl.all())
			}
			if err != nil {
				return
			}
			// go-github remembers rate limits and short-circuits later
			// calls until the reset; ours must still reach GitHub.
			before := len(s.Calls())
			if _, err := c.Create(t.Context(), DeploymentRequest{Ref: "main", Environment: "staging"}); err != nil {
				t.Fatalf("call after recovery: %v", err)
			}
			if len(s.Calls()) != before+1 {
				t.Errorf("call after recovery did not reach the server")
			}
		})
	}
}

func TestSetStatusTruncatesDescription(t *testing.T) {
	s, c, _ := newFake(t, nil)
	id, err := c.Create(t.Context(), DeploymentRequest{Ref: "main", Environment: "staging"})
	if err != nil {
		t.Fatal(err)
	}
	reason := "Deployment web: " + strings.Repeat("pod web-1 CrashLoopBackOff ✗ ", 10)
	if err := c.SetStatus(t.Context(), id, Status{State: "failure", Description: reason}); err != nil {
		t.Fatal(err)
	}
	got := s.Deployments()[0].Statuses[0].Description
	if utf8.RuneCountInString(got) != MaxDescription || !strings.HasSuffix(got, "…") || !strings.HasPrefix(got, "Deployment web: pod") {
		t.Errorf("description = %q (%d runes)", got, utf8.RuneCountInString(got))
	}
	if err := c.SetStatus(t.Context(), id, Status{State: "done"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown state: err = %v, want ErrInvalid", err)
	}
}

func TestRealSleepStaysWithinMaxElapsed(t *testing.T) {
	const budget = 1500 * time.Millisecond
	s, c, _ := newFake(t, func(o *Options) { o.Sleep = nil; o.MaxElapsed = budget })
	s.FailNext(createOp, 500, nil, "", 1000)
	start := time.Now()
	_, err := c.Create(t.Context(), DeploymentRequest{Ref: "main"})
	took := time.Since(start)
	if !errors.Is(err, ErrGaveUp) {
		t.Fatalf("err = %v, want ErrGaveUp", err)
	}
	if took > budget+500*time.Millisecond || len(s.Calls()) < 2 {
		t.Errorf("took %s with %d calls, want at least 2 calls within %s", took, len(s.Calls()), budget)
	}
}
