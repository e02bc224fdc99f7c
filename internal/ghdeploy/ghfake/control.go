package ghfake

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// control serves the fake's own endpoints, for tests that run the fake as a
// separate process (cmd/ghfake):
//
//	GET  /_fake/calls              recorded calls (JSON array of Call)
//	GET  /_fake/deployments        deployments with their statuses
//	GET  /_fake/validation-errors  requests/responses that broke the description
//	POST /_fake/fail               script a Failure (JSON body)
//	POST /_fake/reset              forget deployments, calls, failures and errors
func (s *Server) control(w http.ResponseWriter, r *http.Request, path string, body []byte) {
	var out any
	switch r.Method + " " + path {
	case "GET /_fake/calls":
		out = s.Calls()
	case "GET /_fake/deployments":
		out = s.Deployments()
	case "GET /_fake/validation-errors":
		out = s.ValidationErrors()
	case "POST /_fake/fail":
		var f Failure
		if err := json.Unmarshal(body, &f); err != nil || f.Match == "" || f.Status == 0 {
			http.Error(w, fmt.Sprintf("want a Failure with match and status: %v", err), http.StatusBadRequest)
			return
		}
		if f.Times == 0 {
			f.Times = 1
		}
		s.FailNext(f.Match, f.Status, f.Header, f.Body, f.Times)
		out = f
	case "POST /_fake/reset":
		s.mu.Lock()
		s.deployments, s.calls, s.failures, s.invalid = nil, nil, nil, nil
		s.mu.Unlock()
		out = map[string]bool{"reset": true}
	default:
		http.Error(w, fmt.Sprintf("%s %s: %v", r.Method, path, errUnknownControl), http.StatusNotFound)
		return
	}
	if out == nil {
		out = []any{}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(out)
}
