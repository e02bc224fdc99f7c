package main

import (
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/client-go/rest"
)

// apiCount is what one tool run asked of the API server, seen by the proxy: requests by
// "VERB resource" (the classification of internal/kube/stats.go), the most WATCH requests of
// one resource open at the same time, and log streams (GET pods/log) opened and open at once.
type apiCount struct {
	mu          sync.Mutex
	Requests    map[string]int `json:"requests"`
	open        map[string]int
	PeakWatches map[string]int `json:"peak_watches"`
	logsOpen    int
	LogStreams  int       `json:"log_streams"`
	LogPeak     int       `json:"log_streams_peak"`
	First       time.Time `json:"first"` // the first request
}

func newAPICount() *apiCount {
	return &apiCount{Requests: map[string]int{}, open: map[string]int{}, PeakWatches: map[string]int{}}
}

// begin counts a request and returns the function that marks its end.
func (c *apiCount) begin(r *http.Request) func() {
	verb, res := verbOf(r), resourceOf(r.URL.Path)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.First.IsZero() {
		c.First = time.Now()
	}
	c.Requests[verb+" "+res]++
	switch {
	case verb == "WATCH":
		c.open[res]++
		c.PeakWatches[res] = max(c.PeakWatches[res], c.open[res])
		return func() { c.mu.Lock(); c.open[res]--; c.mu.Unlock() }
	case res == "pods/log":
		c.LogStreams++
		c.logsOpen++
		c.LogPeak = max(c.LogPeak, c.logsOpen)
		return func() { c.mu.Lock(); c.logsOpen--; c.mu.Unlock() }
	}
	return func() {}
}

// total is the number of requests (0 for nil).
func (c *apiCount) total() int {
	if c == nil {
		return 0
	}
	n := 0
	for _, v := range c.Requests {
		n += v
	}
	return n
}

// proxy is a TLS (HTTP/2) reverse proxy on loopback in front of the API server: every tool
// talks to the cluster through it, so each tool's requests are counted the same way. It
// authenticates upstream with the bench's own credentials and drops the tools' token.
type proxy struct {
	srv        *httptest.Server
	cur        atomic.Pointer[apiCount]
	kubeconfig string // path of a kubeconfig that points at the proxy
}

func newProxy(cfg *rest.Config, dir string) (*proxy, error) {
	upstream, err := url.Parse(cfg.Host)
	if err != nil {
		return nil, fmt.Errorf("api server url: %w", err)
	}
	rt, err := rest.TransportFor(cfg)
	if err != nil {
		return nil, fmt.Errorf("upstream transport: %w", err)
	}
	quiet := log.New(io.Discard, "", 0)
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(upstream)
			pr.Out.Header.Del("Authorization")
		},
		Transport: rt, FlushInterval: -1, ErrorLog: quiet,
	}
	p := &proxy{}
	p.cur.Store(newAPICount())
	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer p.cur.Load().begin(r)()
		rp.ServeHTTP(w, r)
	}))
	p.srv.Config.ErrorLog = quiet
	p.srv.EnableHTTP2 = true
	p.srv.StartTLS()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.srv.Certificate().Raw})
	p.kubeconfig = dir + "/proxy.kubeconfig"
	kc := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: bench
  cluster: {server: %q, certificate-authority-data: %s}
users:
- name: bench
  user: {token: hda-scale-proxy-token}
contexts:
- name: bench
  context: {cluster: bench, user: bench}
current-context: bench
`, p.srv.URL, base64.StdEncoding.EncodeToString(ca))
	if err := os.WriteFile(p.kubeconfig, []byte(kc), 0o600); err != nil {
		p.srv.Close()
		return nil, fmt.Errorf("write proxy kubeconfig: %w", err)
	}
	return p, nil
}

// reset starts a fresh count and returns the previous one.
func (p *proxy) reset() *apiCount { return p.cur.Swap(newAPICount()) }

func (p *proxy) close() { p.srv.Close() }

// verbOf is the Kubernetes verb of a request: GET of a collection is LIST, ?watch=true WATCH.
func verbOf(r *http.Request) string {
	if w := r.URL.Query().Get("watch"); w == "true" || w == "1" {
		return "WATCH"
	}
	if r.Method == http.MethodGet && len(apiParts(r.URL.Path)) == 1 {
		return "LIST"
	}
	return r.Method
}

// apiParts is the path after the group/version and namespace ("pods", "pods/x/log"); nil for
// discovery and non-resource paths.
func apiParts(path string) []string {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(parts) >= 2 && parts[0] == "api":
		parts = parts[2:]
	case len(parts) >= 3 && parts[0] == "apis":
		parts = parts[3:]
	default:
		return nil
	}
	if len(parts) >= 2 && parts[0] == "namespaces" && len(parts) != 2 {
		parts = parts[2:]
	}
	return parts
}

// resourceOf reduces an API path to its resource (and subresource): …/pods/y/log → pods/log.
func resourceOf(path string) string {
	parts := apiParts(path)
	switch {
	case parts == nil && (strings.HasPrefix(path, "/api") || strings.HasPrefix(path, "/openapi")):
		return "(discovery)"
	case parts == nil:
		return path
	case len(parts) == 0:
		return "(discovery)"
	case len(parts) <= 2:
		return parts[0]
	default:
		return parts[0] + "/" + parts[2]
	}
}
