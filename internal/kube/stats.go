package kube

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"k8s.io/client-go/rest"
)

// APIStats counts the requests a run sends to the API server, by verb and resource: a
// benchmark's view of the load the action puts on a cluster (the HDA_STATS_FILE switch).
type APIStats struct {
	mu       sync.Mutex
	start    time.Time
	first    time.Duration
	requests map[string]int
}

// NewAPIStats starts counting; start is the process start, for the time to the first request.
func NewAPIStats(start time.Time) *APIStats {
	return &APIStats{start: start, first: -1, requests: map[string]int{}}
}

// Wrap makes every client built from cfg count its requests.
func (a *APIStats) Wrap(cfg *rest.Config) {
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper { return countingTransport{rt, a} })
}

// Requests returns the counts ("LIST pods", "WATCH deployments", "GET pods/log", ...).
func (a *APIStats) Requests() map[string]int {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make(map[string]int, len(a.requests))
	for k, v := range a.requests {
		out[k] = v
	}
	return out
}

// FirstRequest is the time from the process start to the first request (-1: none).
func (a *APIStats) FirstRequest() time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.first
}

type countingTransport struct {
	next http.RoundTripper
	a    *APIStats
}

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	key := verbOf(r) + " " + resourceOf(r.URL.Path)
	c.a.mu.Lock()
	if c.a.first < 0 {
		c.a.first = time.Since(c.a.start)
	}
	c.a.requests[key]++
	c.a.mu.Unlock()
	return c.next.RoundTrip(r)
}

// verbOf is the Kubernetes verb of a request: GET of a collection is LIST, ?watch=true WATCH.
func verbOf(r *http.Request) string {
	if r.URL.Query().Get("watch") == "true" || r.URL.Query().Get("watch") == "1" {
		return "WATCH"
	}
	if r.Method == http.MethodGet && isCollection(r.URL.Path) {
		return "LIST"
	}
	return r.Method
}

// resourceOf reduces an API path to its resource (and subresource): /api/v1/namespaces/x/pods/y/log → pods/log.
func resourceOf(path string) string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		parts = parts[2:]
	case len(parts) >= 3 && parts[0] == "apis":
		parts = parts[3:]
	default:
		return path // /version, /openapi, discovery
	}
	if len(parts) >= 2 && parts[0] == "namespaces" && len(parts) != 2 {
		parts = parts[2:]
	}
	switch len(parts) {
	case 0:
		return "(discovery)"
	case 1, 2:
		return parts[0]
	default:
		return parts[0] + "/" + parts[2]
	}
}

func isCollection(path string) bool {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		parts = parts[2:]
	case len(parts) >= 3 && parts[0] == "apis":
		parts = parts[3:]
	default:
		return false
	}
	if len(parts) >= 2 && parts[0] == "namespaces" && len(parts) != 2 {
		parts = parts[2:]
	}
	return len(parts) == 1
}
