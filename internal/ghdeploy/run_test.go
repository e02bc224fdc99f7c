package ghdeploy

import (
	"encoding/json"
	"net/url"
	"slices"
	"testing"

	"github.com/helmdeploy/helm-deploy-action/internal/ghdeploy/ghfake"
)

const listOp = "repos/list-deployments"

// A create that GitHub carried out but did not confirm (a 5xx after storing,
// or a dropped connection) is adopted by the retry, not made twice: exactly
// one deployment exists and it gets every status.
func TestCreateIsIdempotent(t *testing.T) {
	run := Run{ID: "42", Attempt: "1", Job: "deploy", Step: "__helmdeploy_helm-deploy-action"}
	tests := []struct {
		name       string
		before     func(t *testing.T, s *ghfake.Server, c *Client) // deployments made before ours
		script     func(s *ghfake.Server)
		wantCount  int // deployments in the repository
		wantLookup bool
	}{
		{name: "502 after storing", script: func(s *ghfake.Server) { s.FailAfter(createOp, 502, 1) },
			wantCount: 1, wantLookup: true},
		{name: "connection dropped after storing", script: func(s *ghfake.Server) { s.DropAfter(createOp, 1) },
			wantCount: 1, wantLookup: true},
		{name: "the look-up fails once too", script: func(s *ghfake.Server) {
			s.FailAfter(createOp, 503, 1)
			s.FailNext(listOp, 500, nil, "", 1)
		}, wantCount: 1, wantLookup: true},
		{name: "502 before storing creates it on the retry", script: func(s *ghfake.Server) { s.FailNext(createOp, 502, nil, "", 1) },
			wantCount: 1, wantLookup: true},
		{name: "another leg of the matrix (same run and job) is not adopted",
			before: func(t *testing.T, _ *ghfake.Server, c *Client) {
				if _, err := c.Create(t.Context(), DeploymentRequest{Ref: "main", Environment: "staging", Run: run}); err != nil {
					t.Fatal(err)
				}
			},
			script: func(s *ghfake.Server) { s.FailNext(createOp, 502, nil, "", 1) }, wantCount: 2, wantLookup: true},
		{name: "a rate limit is a refusal and needs no look-up",
			script: func(s *ghfake.Server) { s.FailNext(createOp, 429, nil, `{"message":"Too Many Requests"}`, 1) }, wantCount: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c, _ := newFake(t, nil)
			if tt.before != nil {
				tt.before(t, s, c)
			}
			tt.script(s)
			first := len(s.Calls())
			tr := NewTracker(c, DeploymentRequest{Ref: "main", Environment: "staging", Run: run}, logURL, envURL, true, nil)
			tr.Queued(t.Context())
			tr.InProgress(t.Context())
			tr.Success(t.Context())
			if w := tr.Warnings(); len(w) > 0 {
				t.Fatalf("warnings: %q", w)
			}
			ds := s.Deployments()
			if len(ds) != tt.wantCount {
				for _, d := range ds {
					t.Logf("deployment %d: states %v", d.ID, d.States())
				}
				t.Fatalf("%d deployments, want %d", len(ds), tt.wantCount)
			}
			ours := ds[len(ds)-1]
			if tr.ID() != ours.ID || !slices.Equal(ours.States(), []string{"queued", "in_progress", "success"}) {
				t.Errorf("tracker has deployment %d; deployment %d has states %v", tr.ID(), ours.ID, ours.States())
			}
			for _, d := range ds[:len(ds)-1] {
				if len(d.Statuses) != 0 {
					t.Errorf("another deployment %d got statuses %v", d.ID, d.States())
				}
			}
			lookedUp := false
			for _, call := range s.Calls()[first:] {
				if call.Op != listOp {
					continue
				}
				lookedUp = true
				q, _ := url.ParseQuery(call.Query)
				if q.Get("environment") != "staging" || q.Get("ref") != "main" {
					t.Errorf("look-up query %q, want environment and ref filters", call.Query)
				}
			}
			if lookedUp != tt.wantLookup {
				t.Errorf("looked up: %t, want %t", lookedUp, tt.wantLookup)
			}
		})
	}
}

func TestMarker(t *testing.T) {
	run := Run{ID: "42", Attempt: "2", Job: "deploy"}
	payload, m := marked(map[string]any{"release": "web"}, run)
	if m.Nonce == "" || m.ID != "42" || payload["release"] != "web" {
		t.Fatalf("marked = %v, %+v", payload, m)
	}
	if _, m2 := marked(nil, run); m2.Nonce == m.Nonce {
		t.Errorf("two Creates drew the same nonce %q", m.Nonce)
	}
	obj, _ := json.Marshal(payload)
	str, _ := json.Marshal(string(obj))
	tests := []struct {
		name    string
		payload string
		want    bool
	}{
		{name: "object", payload: string(obj), want: true},
		{name: "JSON in a string", payload: string(str), want: true},
		{name: "empty string", payload: `""`},
		{name: "another tool's payload", payload: `{"release":"web"}`},
		{name: "marker of another shape", payload: `{"helm_deploy_run":"42"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := markerOf(json.RawMessage(tt.payload))
			if ok != tt.want || (ok && got != m) {
				t.Errorf("markerOf = %+v, %t; want %t (%+v)", got, ok, tt.want, m)
			}
		})
	}
}
