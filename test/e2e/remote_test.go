//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/distribution/distribution/v3/configuration"
	distregistry "github.com/distribution/distribution/v3/registry"
	_ "github.com/distribution/distribution/v3/registry/auth/htpasswd"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory"
	"golang.org/x/crypto/bcrypt"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/registry"
	"helm.sh/helm/v3/pkg/repo"
)

const (
	remoteUser     = "e2e-user"
	remotePassword = "e2e-password-9f2c"
)

// packageChart packages a chart folder of the repository into dir and returns the chart
// and the .tgz path.
func packageChart(t *testing.T, chartDir, dir string) (*chart.Chart, string) {
	t.Helper()
	ch, err := loader.Load(filepath.Join(h.repoRoot, chartDir))
	if err != nil {
		t.Fatalf("load %s: %v", chartDir, err)
	}
	tgz, err := chartutil.Save(ch, dir)
	if err != nil {
		t.Fatalf("package %s: %v", chartDir, err)
	}
	return ch, tgz
}

// startRegistry runs an OCI registry (distribution, in memory, htpasswd auth) on 127.0.0.1
// and returns its host:port.
func startRegistry(t *testing.T) string {
	t.Helper()
	return runRegistry(t, true)
}

// runRegistry runs an in-memory OCI registry on 127.0.0.1, with htpasswd auth when auth is set.
func runRegistry(t *testing.T, auth bool) string {
	t.Helper()
	dir := t.TempDir()
	hash, err := bcrypt.GenerateFromPassword([]byte(remotePassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	htpasswd := filepath.Join(dir, "htpasswd")
	if err := os.WriteFile(htpasswd, []byte(remoteUser+":"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // the registry listens itself; the port stays free for it in practice

	cfg := &configuration.Configuration{}
	cfg.HTTP.Addr = addr
	cfg.HTTP.DrainTimeout = time.Second
	cfg.Log.Level = "error"
	cfg.Log.AccessLog.Disabled = true
	cfg.Storage = configuration.Storage{"inmemory": configuration.Parameters{}}
	if auth {
		cfg.Auth = configuration.Auth{"htpasswd": configuration.Parameters{"realm": "hda-e2e", "path": htpasswd}}
	}
	reg, err := distregistry.NewRegistry(context.Background(), cfg)
	if err != nil {
		t.Fatalf("registry: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- reg.ListenAndServe() }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = reg.Shutdown(ctx)
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusOK {
				return addr
			}
		}
		select {
		case err := <-done:
			t.Fatalf("registry stopped: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("registry on %s not ready: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// pushWebChart packages the web chart and pushes it to an OCI registry with basic auth on
// 127.0.0.1; it returns the registry's host:port and the chart.
func pushWebChart(t *testing.T) (string, *chart.Chart) {
	t.Helper()
	host := startRegistry(t)
	ch, tgz := packageChart(t, webChart, t.TempDir())
	data, err := os.ReadFile(tgz)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := registry.NewClient(registry.ClientOptPlainHTTP(), registry.ClientOptWriter(io.Discard),
		registry.ClientOptBasicAuth(remoteUser, remotePassword),
		registry.ClientOptCredentialsFile(filepath.Join(t.TempDir(), "config.json")))
	if err != nil {
		t.Fatal(err)
	}
	ref := fmt.Sprintf("%s/charts/%s:%s", host, ch.Metadata.Name, ch.Metadata.Version)
	if _, err := rc.Push(data, ref); err != nil {
		t.Fatalf("push %s: %v", ref, err)
	}
	return host, ch
}

func TestOCIChart(t *testing.T) {
	needCluster(t)
	t.Parallel()
	host, ch := pushWebChart(t)
	cs := clientset(t)
	ns := newNamespace(t, cs)

	r := runAction(t, map[string]string{
		"release":             "web",
		"namespace":           ns,
		"chart":               "oci://" + host + "/charts/" + ch.Metadata.Name,
		"version":             ch.Metadata.Version,
		"repository-username": remoteUser,
		"repository-password": remotePassword,
		"values":              "replicaCount: 1\n",
	}).mustSucceed(t)

	checkOutputs(t, cs, r, ns, "web", webChart)
	if revs := releaseSecrets(t, cs, ns, "web"); revs[1] != "deployed" {
		t.Errorf("release secrets: %s, want v1=deployed", revisionsString(revs))
	}
}

func TestHTTPRepository(t *testing.T) {
	needCluster(t)
	t.Parallel()
	dir := t.TempDir()
	ch, _ := packageChart(t, webChart, dir)
	files := http.FileServer(http.Dir(dir))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != remoteUser || p != remotePassword {
			w.Header().Set("WWW-Authenticate", `Basic realm="hda-e2e"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	if ip := srv.Listener.Addr().(*net.TCPAddr).IP; !ip.IsLoopback() {
		t.Fatalf("repository listens on %s, not loopback", ip)
	}
	idx, err := repo.IndexDirectory(dir, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if err := idx.WriteFile(filepath.Join(dir, "index.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	cs := clientset(t)
	ns := newNamespace(t, cs)

	cases := []struct {
		name     string
		password string
		wantErr  bool
	}{
		{name: "bad credentials fail", password: "wrong", wantErr: true},
		{name: "good credentials install", password: remotePassword},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runAction(t, map[string]string{
				"release":             "web",
				"namespace":           ns,
				"chart":               ch.Metadata.Name,
				"repository":          srv.URL,
				"version":             ch.Metadata.Version,
				"repository-username": remoteUser,
				"repository-password": tc.password,
				"values":              "replicaCount: 1\n",
			})
			if failed := r.ExitCode != 0; failed != tc.wantErr {
				t.Fatalf("exit %d, want failure=%v\nstdout:\n%s", r.ExitCode, tc.wantErr, r.Stdout)
			}
			revs := releaseSecrets(t, cs, ns, "web")
			if tc.wantErr {
				if len(revs) != 0 {
					t.Errorf("a failed chart download stored revisions: %s", revisionsString(revs))
				}
				return
			}
			if revs[1] != "deployed" {
				t.Errorf("release secrets: %s, want v1=deployed", revisionsString(revs))
			}
			checkOutputs(t, cs, r, ns, "web", webChart)
		})
	}
}
