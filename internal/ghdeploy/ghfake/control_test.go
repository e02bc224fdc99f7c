package ghfake

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestControlEndpoints(t *testing.T) {
	s := Start(t)
	create(t, s, `{"ref":"main","environment":"staging"}`)
	tests := []struct {
		name       string
		method     string
		path       string
		body       string
		wantStatus int
		check      func(t *testing.T, out []byte)
	}{
		{name: "deployments", method: "GET", path: "/_fake/deployments", wantStatus: 200, check: func(t *testing.T, out []byte) {
			var ds []Deployment
			if err := json.Unmarshal(out, &ds); err != nil || len(ds) != 1 || ds[0].Environment != "staging" {
				t.Errorf("deployments = %s (%v)", out, err)
			}
			if calls := s.Calls(); len(calls) != 1 {
				t.Errorf("control requests must not be recorded as calls: %+v", calls)
			}
		}},
		{name: "validation errors start empty", method: "GET", path: "/api/v3/_fake/validation-errors", wantStatus: 200, check: func(t *testing.T, out []byte) {
			var errs []string
			if err := json.Unmarshal(out, &errs); err != nil || len(errs) != 0 {
				t.Errorf("validation errors = %s (%v)", out, err)
			}
		}},
		{name: "fail needs match and status", method: "POST", path: "/_fake/fail", body: `{"times":1}`, wantStatus: 400},
		{name: "unknown control", method: "GET", path: "/_fake/nothing", wantStatus: 404},
		{name: "reset forgets everything", method: "POST", path: "/_fake/reset", wantStatus: 200, check: func(t *testing.T, _ []byte) {
			if len(s.Deployments()) != 0 || len(s.Calls()) != 0 {
				t.Errorf("after reset: %d deployments, %d calls", len(s.Deployments()), len(s.Calls()))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, out := do(t, s.URL, tt.method, tt.path, tt.body)
			if status != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", status, tt.wantStatus, out)
			}
			if tt.check != nil {
				tt.check(t, out)
			}
		})
	}
	if status, _, _ := do(t, s.URL, "GET", "/repos/o/r/deployments/1", ""); status != http.StatusNotFound {
		t.Errorf("deployment after reset: %d, want 404", status)
	}
}

// A failure scripted with After or Drop runs the operation first: the
// deployment exists although the client saw a 5xx or no answer at all.
func TestFailuresThatCarryOut(t *testing.T) {
	const deployments = "/repos/o/r/deployments"
	tests := []struct {
		name        string
		script      func(s *Server)
		wantStatus  int // 0: the connection is dropped
		wantStored  int
		wantDropped bool
	}{
		{name: "plain failure stores nothing", script: func(s *Server) { s.FailNext("repos/create-deployment", 502, nil, "", 1) },
			wantStatus: 502, wantStored: 0},
		{name: "502 after storing", script: func(s *Server) { s.FailAfter("repos/create-deployment", 502, 1) },
			wantStatus: 502, wantStored: 1},
		{name: "dropped after storing", script: func(s *Server) { s.DropAfter("POST "+deployments, 1) },
			wantStatus: 0, wantStored: 1, wantDropped: true},
		{name: "scripted through the control endpoint", script: func(s *Server) {
			if st, _, out := do(t, s.URL, "POST", "/_fake/fail", `{"match":"repos/create-deployment","drop":true}`); st != 200 {
				t.Fatalf("control: %d %s", st, out)
			}
		}, wantStatus: 0, wantStored: 1, wantDropped: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Start(t)
			tt.script(s)
			req, err := http.NewRequestWithContext(t.Context(), "POST", s.URL+deployments, strings.NewReader(`{"ref":"main","environment":"staging"}`))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			status := 0
			if err == nil {
				status = resp.StatusCode
				resp.Body.Close()
			}
			if status != tt.wantStatus {
				t.Errorf("status = %d (err %v), want %d", status, err, tt.wantStatus)
			}
			if n := len(s.Deployments()); n != tt.wantStored {
				t.Errorf("stored deployments = %d, want %d", n, tt.wantStored)
			}
			calls := s.Calls()
			if len(calls) != 1 || calls[0].Dropped != tt.wantDropped || calls[0].Status != tt.wantStatus {
				t.Errorf("calls = %+v", calls)
			}
			// The next call is answered normally.
			if st, _, out := do(t, s.URL, "POST", deployments, `{"ref":"main"}`); st != http.StatusCreated {
				t.Errorf("next create: %d %s", st, out)
			}
		})
	}
}
