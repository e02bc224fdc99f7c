//go:build e2e

package e2e

import (
	"encoding/base64"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// holdProxy is a TLS reverse proxy on 127.0.0.1 in front of the test cluster's API server that
// holds the requests a test picks: the action talks to the cluster through it, so a test can
// stop Helm in the middle of its apply (the request is on the wire, the API server has not seen
// it) and cancel the run there. Upstream it uses the test's own credentials.
type holdProxy struct {
	kubeconfig string        // a kubeconfig naming the proxy, for the action's kubeconfig input
	seen       chan struct{} // closed when the first held request arrives
	release    chan struct{} // closed by unhold: held requests go on to the API server

	seenOnce, releaseOnce sync.Once
}

// startHoldProxy starts the proxy; match picks the requests to hold. A held request goes on
// when the test calls unhold, and is dropped when its client goes away first (the action's
// process exited).
func startHoldProxy(t *testing.T, match func(*http.Request) bool) *holdProxy {
	t.Helper()
	cfg, err := clientcmd.RESTConfigFromKubeConfig(h.kubeconfig)
	if err != nil {
		t.Fatalf("kubeconfig: %v", err)
	}
	upstream, err := url.Parse(cfg.Host)
	if err != nil {
		t.Fatalf("api server url: %v", err)
	}
	rt, err := rest.TransportFor(cfg)
	if err != nil {
		t.Fatalf("upstream transport: %v", err)
	}
	quiet := log.New(io.Discard, "", 0)
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(upstream)
			pr.Out.Header.Del("Authorization")
		},
		Transport: rt, FlushInterval: -1, ErrorLog: quiet,
	}
	p := &holdProxy{seen: make(chan struct{}), release: make(chan struct{})}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if match(r) {
			p.seenOnce.Do(func() { close(p.seen) })
			select {
			case <-p.release:
			case <-r.Context().Done():
				return // the client went away while held: the API server never sees the request
			}
		}
		rp.ServeHTTP(w, r)
	}))
	srv.Config.ErrorLog = quiet
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(func() {
		p.unhold()
		srv.Close()
	})
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	p.kubeconfig = "apiVersion: v1\nkind: Config\nclusters:\n- name: hold\n  cluster: {server: " + srv.URL +
		", certificate-authority-data: " + base64.StdEncoding.EncodeToString(ca) + "}\n" +
		"users:\n- name: hold\n  user: {token: hda-e2e-hold-proxy}\n" +
		"contexts:\n- name: hold\n  context: {cluster: hold, user: hold}\ncurrent-context: hold\n"
	return p
}

// waitHeld waits until the first matching request is held.
func (p *holdProxy) waitHeld(t *testing.T, timeout time.Duration, pr *proc) {
	t.Helper()
	select {
	case <-p.seen:
	case <-pr.Done:
		t.Fatalf("%s exited before the proxy held a request:\n%s", pr.Name, pr.Stdout.String())
	case <-time.After(timeout):
		t.Fatalf("no request was held within %s:\n%s", timeout, pr.Stdout.String())
	}
}

// unhold lets the held requests (and every later match) through.
func (p *holdProxy) unhold() { p.releaseOnce.Do(func() { close(p.release) }) }

// waitUntil checks cond every 50 ms until it holds, or fails the test after timeout naming what.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(timeout)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("no %s within %s", what, timeout)
		}
	}
}
