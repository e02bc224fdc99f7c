// Package ghfake is a fake GitHub REST server for the Deployments API, with
// the environments, issue comments and GET /user calls around it. It
// listens on 127.0.0.1, keeps deployments and statuses in memory (with
// GitHub's auto-inactivation), environments and comments too, records every
// call, can be scripted to fail, and validates every request it receives and
// every response it sends against GitHub's own OpenAPI description.
package ghfake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
)

// Call is one recorded request and the status the fake answered.
type Call struct {
	Method string `json:"method"`
	Path   string `json:"path"` // without any /api/v3 prefix
	// URLPath is the path as received, prefix included.
	URLPath string          `json:"url_path"`
	Query   string          `json:"query,omitempty"`
	Op      string          `json:"op,omitempty"` // OpenAPI operationId
	Accept  string          `json:"accept,omitempty"`
	Body    json.RawMessage `json:"body,omitempty"`
	Status  int             `json:"status"` // 0 when dropped
	// Dropped: the connection was closed without an answer (Failure.Drop).
	Dropped bool `json:"dropped,omitempty"`
}

// Server is a running fake. Its URL has no trailing slash; go-github's
// BaseURL is URL + "/" (URL + "/api/v3/" works too).
type Server struct {
	URL string

	srv      *http.Server
	listener net.Listener
	valid    *validator

	mu           sync.Mutex
	now          func() time.Time
	nextID       int64
	nextStatusID int64
	deployments  []Deployment
	calls        []Call
	failures     []Failure
	invalid      []string

	nextEnvID     int64
	nextCommentID int64
	environments  []Environment
	comments      []Comment
	// envDelete is what DELETE .../environments/{name} answers instead of
	// deleting (see ForbidEnvironmentDelete); 0 deletes.
	envDelete int
}

// Listen starts a fake on addr, which must be a loopback address such as
// "127.0.0.1:0".
func Listen(addr string) (*Server, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("fake GitHub address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("fake GitHub address %q: only 127.0.0.0/8 is allowed", addr)
	}
	v, err := loadValidator()
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("fake GitHub: %w", err)
	}
	s := &Server{
		URL:      "http://" + l.Addr().String(),
		listener: l,
		valid:    v,
		now:      func() time.Time { return time.Now().UTC().Truncate(time.Second) },
	}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(l) }()
	return s, nil
}

// Start starts a fake on 127.0.0.1 for a test. At cleanup it stops the fake
// and fails the test if any request or response did not match GitHub's
// OpenAPI description (take expected ones with TakeValidationErrors).
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = s.Close()
		for _, e := range s.ValidationErrors() {
			t.Errorf("fake GitHub: %s", e)
		}
	})
	return s
}

// Close stops the server.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

// Calls returns every recorded call, oldest first.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Deployments returns copies of every deployment, oldest first.
func (s *Server) Deployments() []Deployment {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Deployment, 0, len(s.deployments))
	for _, d := range s.deployments {
		out = append(out, d.clone())
	}
	return out
}

// ValidationErrors lists every request or response that did not match
// GitHub's OpenAPI description.
func (s *Server) ValidationErrors() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.invalid...)
}

// TakeValidationErrors returns the validation errors and forgets them, for
// tests that provoke them on purpose.
func (s *Server) TakeValidationErrors() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.invalid
	s.invalid = nil
	return out
}

// ServeHTTP validates, answers and records one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	path := strings.TrimPrefix(r.URL.Path, "/api/v3")
	if strings.HasPrefix(path, "/_fake/") {
		s.control(w, r, path, body)
		return
	}
	call := Call{Method: r.Method, Path: path, URLPath: r.URL.Path, Query: r.URL.RawQuery, Accept: r.Header.Get("Accept")}
	if json.Valid(body) {
		call.Body = body
	}
	status, header, out := s.answer(r, path, body, &call)
	if status == 0 {
		call.Dropped = true
	}
	call.Status = status
	s.mu.Lock()
	s.calls = append(s.calls, call)
	s.mu.Unlock()
	if call.Dropped {
		drop(w)
		return
	}
	for k, vs := range header {
		w.Header()[k] = vs
	}
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

// answer routes and validates the request, runs it or a scripted failure
// (or both), and validates the response. Validation failures answer 400 and
// are kept. Status 0 means: drop the connection.
func (s *Server) answer(r *http.Request, path string, body []byte, call *Call) (int, http.Header, []byte) {
	// Routed on the escaped path: an environment name may hold a %2F.
	escaped := strings.TrimPrefix(r.URL.EscapedPath(), "/api/v3")
	in, err := s.valid.route(r.Method, escaped, r.URL.RawQuery, r.Header, body)
	if err == nil {
		call.Op = in.Route.Operation.OperationID
		err = validateRequest(in, body)
	}
	if err != nil {
		return s.reject(err)
	}

	s.mu.Lock()
	f, scripted := s.scripted(call.Op, r.Method, path)
	var rep reply
	if !scripted || f.carriesOut() {
		self := s.URL + r.URL.EscapedPath() // what Link headers point at
		rep = s.operate(call.Op, actorOf(r.Header), self, in.PathParams, in.Request.URL.Query(), body)
	}
	s.mu.Unlock()
	if scripted && f.carriesOut() {
		// What the operation would have answered must be valid too.
		if _, _, _, err := render(in, rep); err != nil {
			return s.reject(err)
		}
	}
	if scripted && f.Delay > 0 {
		select {
		case <-time.After(f.Delay):
		case <-r.Context().Done(): // the client gave up; nobody reads the answer
		}
	}
	switch {
	case scripted && f.Drop:
		return 0, nil, nil
	case scripted && f.Status != 0:
		rep = f.reply()
	}
	status, header, out, err := render(in, rep)
	if err != nil {
		return s.reject(err)
	}
	return status, header, out
}

// render marshals a reply and validates it against the description.
func render(in *openapi3filter.RequestValidationInput, rep reply) (int, http.Header, []byte, error) {
	header := rep.header.Clone()
	if header == nil {
		header = http.Header{}
	}
	var out []byte
	var err error
	switch b := rep.body.(type) {
	case nil:
	case []byte:
		out = b
	default:
		if out, err = json.Marshal(b); err != nil {
			return 0, nil, nil, fmt.Errorf("marshal response: %w", err)
		}
	}
	if len(out) > 0 && header.Get("Content-Type") == "" {
		header.Set("Content-Type", "application/json; charset=utf-8")
	}
	if err := validateResponse(in, rep.status, header, out); err != nil {
		return 0, nil, nil, err
	}
	return rep.status, header, out, nil
}

func (s *Server) reject(err error) (int, http.Header, []byte) {
	s.mu.Lock()
	s.invalid = append(s.invalid, err.Error())
	s.mu.Unlock()
	out, _ := json.Marshal(map[string]string{"message": "fake GitHub: " + err.Error()})
	h := http.Header{}
	h.Set("Content-Type", "application/json; charset=utf-8")
	return http.StatusBadRequest, h, out
}

var errUnknownControl = errors.New("unknown fake control endpoint")
