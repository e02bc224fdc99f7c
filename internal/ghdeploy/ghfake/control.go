package ghfake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// control serves the fake's own endpoints, for tests that run the fake as a
// separate process (cmd/ghfake):
//
//	GET  /_fake/calls              recorded calls (JSON array of Call)
//	GET  /_fake/deployments        deployments with their statuses
//	GET  /_fake/environments       environments (see Environment)
//	GET  /_fake/comments           issue comments, oldest first
//	GET  /_fake/validation-errors  requests/responses that broke the description
//	POST /_fake/fail               script a Failure (JSON body; "after": true
//	                               runs the call before failing, "drop": true
//	                               runs it and closes the connection)
//	POST /_fake/forbid-environment-delete
//	                               {"status": 403 or 404}: see ForbidEnvironmentDelete;
//	                               {"status": 0} allows deleting again
//	POST /_fake/reset              forget deployments, environments, comments,
//	                               calls, failures and errors
func (s *Server) control(w http.ResponseWriter, r *http.Request, path string, body []byte) {
	var out any
	switch r.Method + " " + path {
	case "GET /_fake/calls":
		out = s.Calls()
	case "GET /_fake/deployments":
		out = s.Deployments()
	case "GET /_fake/environments":
		out = s.Environments()
	case "GET /_fake/comments":
		out = s.Comments(0)
	case "POST /_fake/forbid-environment-delete":
		var f struct {
			Status int `json:"status"`
		}
		if err := json.Unmarshal(body, &f); err != nil || (f.Status != 0 && f.Status < 400) {
			http.Error(w, fmt.Sprintf("want {\"status\": 403, 404 or 0}: %v", err), http.StatusBadRequest)
			return
		}
		s.ForbidEnvironmentDelete(f.Status)
		out = f
	case "GET /_fake/validation-errors":
		out = s.ValidationErrors()
	case "POST /_fake/fail":
		var f Failure
		if err := json.Unmarshal(body, &f); err != nil || f.Match == "" || (f.Status == 0 && !f.Drop) {
			http.Error(w, fmt.Sprintf("want a Failure with match and status (or drop): %v", err), http.StatusBadRequest)
			return
		}
		if f.Times == 0 {
			f.Times = 1
		}
		s.Script(f)
		out = f
	case "POST /_fake/reset":
		s.mu.Lock()
		s.deployments, s.calls, s.failures, s.invalid = nil, nil, nil, nil
		s.environments, s.comments, s.envDelete = nil, nil, 0
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

// Failure scripts the answer to the next Times calls that Match: an
// operationId ("repos/create-deployment"), a path, or "METHOD path".
//
// By default the operation does not run: the fake answers Status, Header
// and Body instead. With After the operation runs first (a create stores
// its deployment) and then Status is answered: a server that did the work
// and failed to say so. With Drop the operation runs and the connection is
// closed without any answer (Status is not needed): the client cannot tell
// whether its request was carried out.
type Failure struct {
	Match  string      `json:"match"`
	Status int         `json:"status,omitempty"`
	Header http.Header `json:"header,omitempty"`
	Body   string      `json:"body,omitempty"`
	Times  int         `json:"times"`
	After  bool        `json:"after,omitempty"`
	Drop   bool        `json:"drop,omitempty"`
	// Delay holds the answer back this long (a slow GitHub). With Status 0 and no Drop the
	// operation runs and its own answer is sent late.
	Delay time.Duration `json:"delay,omitempty"`
}

// carriesOut says whether the operation runs despite the failure.
func (f Failure) carriesOut() bool { return f.After || f.Drop || f.Status == 0 }

// SlowNext makes the next times calls matching match run normally and answer after delay.
func (s *Server) SlowNext(match string, delay time.Duration, times int) {
	s.Script(Failure{Match: match, Delay: delay, Times: times})
}

// FailNext makes the next times calls matching match (operationId, path or
// "METHOD path") answer status with header and body instead of running.
// The scripted answer is validated like any other response.
func (s *Server) FailNext(match string, status int, header http.Header, body string, times int) {
	s.Script(Failure{Match: match, Status: status, Header: header, Body: body, Times: times})
}

// FailAfter makes the next times calls matching match run, and then answer
// status (e.g. 502) instead of the operation's own answer.
func (s *Server) FailAfter(match string, status int, times int) {
	s.Script(Failure{Match: match, Status: status, Times: times, After: true})
}

// DropAfter makes the next times calls matching match run, and then close
// the connection without an answer.
func (s *Server) DropAfter(match string, times int) {
	s.Script(Failure{Match: match, Times: times, Drop: true})
}

// Script adds a scripted Failure; Times 0 counts as 1.
func (s *Server) Script(f Failure) {
	if f.Times == 0 {
		f.Times = 1
	}
	f.Header = f.Header.Clone()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, f)
}

// scripted pops a matching scripted failure. The caller holds s.mu.
func (s *Server) scripted(op, method, path string) (Failure, bool) {
	for i := range s.failures {
		f := &s.failures[i]
		if f.Times <= 0 || (f.Match != op && f.Match != path && f.Match != method+" "+path) {
			continue
		}
		f.Times--
		return *f, true
	}
	return Failure{}, false
}

// reply is the scripted answer of f.
func (f Failure) reply() reply {
	var body any
	if f.Body != "" {
		body = bytes.Clone([]byte(f.Body))
	}
	return reply{status: f.Status, header: f.Header.Clone(), body: body}
}

// drop closes the client's connection without an answer.
func drop(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler) // net/http closes the connection
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
