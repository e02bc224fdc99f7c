package ghfake

import (
	"encoding/json"
	"net/http"
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
