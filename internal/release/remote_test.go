package release

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/handlers"
	"github.com/sirupsen/logrus"
	"golang.org/x/crypto/bcrypt"
	"helm.sh/helm/v3/pkg/cli"
	"helm.sh/helm/v3/pkg/downloader"
	"helm.sh/helm/v3/pkg/getter"
	"helm.sh/helm/v3/pkg/registry"
	"helm.sh/helm/v3/pkg/repo"
	"helm.sh/helm/v3/pkg/repo/repotest"

	_ "github.com/distribution/distribution/v3/registry/auth/htpasswd"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory"
)

// startRegistry runs a distribution registry with htpasswd auth on 127.0.0.1.
func startRegistry(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	hash, err := bcrypt.GenerateFromPassword([]byte(testPassword), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	htpasswd := filepath.Join(dir, "htpasswd")
	if err := os.WriteFile(htpasswd, []byte(testUser+":"+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := &configuration.Configuration{}
	cfg.Storage = configuration.Storage{"inmemory": configuration.Parameters{}}
	cfg.Auth = configuration.Auth{"htpasswd": configuration.Parameters{"realm": "test", "path": htpasswd}}
	cfg.Log.Level = "error"
	cfg.Log.AccessLog.Disabled = true
	cfg.HTTP.Secret = "test-secret"
	logrus.SetOutput(io.Discard) // the registry logs every request through logrus' global logger
	srv := httptest.NewServer(handlers.NewApp(context.Background(), cfg))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func TestRunOCIChart(t *testing.T) {
	host := startRegistry(t)
	tgz := packageChart(t, demoChart, t.TempDir())
	data, err := os.ReadFile(tgz)
	if err != nil {
		t.Fatal(err)
	}
	pusher, err := registry.NewClient(registry.ClientOptPlainHTTP(), registry.ClientOptBasicAuth(testUser, testPassword),
		registry.ClientOptCredentialsFile(filepath.Join(t.TempDir(), "config.json")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pusher.Push(data, host+"/charts/demo:0.1.0"); err != nil {
		t.Fatalf("push: %v", err)
	}

	tests := []struct {
		name    string
		ref     ChartRef
		wantErr string
	}{
		{name: "with credentials and version", ref: ChartRef{Ref: "oci://" + host + "/charts/demo", Version: "0.1.0", Username: testUser, Password: testPassword}},
		{name: "version range", ref: ChartRef{Ref: "oci://" + host + "/charts/demo", Version: "~0.1", Username: testUser, Password: testPassword}},
		{name: "wrong password", ref: ChartRef{Ref: "oci://" + host + "/charts/demo", Version: "0.1.0", Username: testUser, Password: "wrong"}, wantErr: "401"},
		{name: "unknown version", ref: ChartRef{Ref: "oci://" + host + "/charts/demo", Version: "9.9.9", Username: testUser, Password: testPassword}, wantErr: "9.9.9: not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			o := demoOptions("web")
			o.Chart, o.DryRun = tt.ref, true
			res, err := f.d.Run(context.Background(), o)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				t.Logf("error: %v", err)
				if strings.Contains(err.Error(), testPassword) {
					t.Errorf("error leaks the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Run: %v\n%s", err, f.d.HelmLog().Tail())
			}
			if res.ChartName != "demo" || res.ChartVersion != "0.1.0" || !strings.Contains(res.Manifest, "kind: Deployment") {
				t.Errorf("result = %+v", summary(res))
			}
		})
	}
}

func TestRunHTTPRepositoryChart(t *testing.T) {
	pkgDir := t.TempDir()
	packageChart(t, demoChart, pkgDir)
	srv, err := repotest.NewTempServerWithCleanup(t, filepath.Join(pkgDir, "*.tgz"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	var mu sync.Mutex
	var paths []string
	srv.WithMiddleware(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		if !ok || u != testUser || p != testPassword {
			w.WriteHeader(http.StatusUnauthorized)
		}
	})

	tests := []struct {
		name    string
		ref     ChartRef
		wantErr string
	}{
		{name: "name and version", ref: ChartRef{Ref: "demo", Repository: srv.URL(), Version: "0.1.0", Username: testUser, Password: testPassword}},
		{name: "latest", ref: ChartRef{Ref: "demo", Repository: srv.URL() + "/", Username: testUser, Password: testPassword}},
		{name: "no credentials", ref: ChartRef{Ref: "demo", Repository: srv.URL()}, wantErr: "download index"},
		{name: "unknown chart", ref: ChartRef{Ref: "other", Repository: srv.URL(), Username: testUser, Password: testPassword}, wantErr: "not found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			o := demoOptions("web")
			o.Chart = tt.ref
			res, err := f.d.Run(context.Background(), o)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Run: %v\n%s", err, f.d.HelmLog().Tail())
			}
			if res.ChartName != "demo" || res.ChartVersion != "0.1.0" || res.Status != "deployed" {
				t.Errorf("result = %+v", summary(res))
			}
		})
	}
	mu.Lock()
	defer mu.Unlock()
	if !containsString(paths, "/index.yaml") || !containsString(paths, "/demo-0.1.0.tgz") {
		t.Errorf("repository requests = %v, want the index and the archive", paths)
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestLoopbackRef(t *testing.T) {
	tests := []struct {
		ref  string
		want bool
	}{
		{"oci://127.0.0.1:5000/charts/demo", true},
		{"oci://127.0.0.2/charts/demo", true},
		{"oci://localhost:5000/demo", true},
		{"oci://[::1]:5000/demo", true},
		{"oci://ghcr.io/org/demo", false},
		{"oci://10.0.0.1/demo", false},
		{"127.0.0.1:5000/demo", false},
	}
	for _, tt := range tests {
		t.Run(tt.ref, func(t *testing.T) {
			if got := loopbackRef(tt.ref); got != tt.want {
				t.Errorf("loopbackRef(%q) = %v, want %v", tt.ref, got, tt.want)
			}
		})
	}
}

func TestRunBuildsDependenciesFromHTTPRepository(t *testing.T) {
	pkgDir := t.TempDir()
	packageChart(t, "testdata/charts/sub", pkgDir)
	srv, err := repotest.NewTempServerWithCleanup(t, filepath.Join(pkgDir, "*.tgz"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)

	chartDir := filepath.Join(t.TempDir(), "remotedep")
	copyDir(t, "testdata/charts/withdep", chartDir)
	chartYAML := strings.Replace(mustRead(t, filepath.Join(chartDir, "Chart.yaml")), "file://../sub", srv.URL(), 1)
	if err := os.WriteFile(filepath.Join(chartDir, "Chart.yaml"), []byte(chartYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(chartDir, "Chart.lock")); err != nil {
		t.Fatal(err)
	}
	// Lock the dependency the way `helm repo add` + `helm dependency update` do,
	// with a throw-away Helm home, then drop charts/.
	home := t.TempDir()
	rf := repo.NewFile()
	rf.Update(&repo.Entry{Name: "local", URL: srv.URL()})
	if err := rf.WriteFile(filepath.Join(home, "repositories.yaml"), 0o600); err != nil {
		t.Fatal(err)
	}
	settings := &cli.EnvSettings{RepositoryConfig: filepath.Join(home, "repositories.yaml"),
		RepositoryCache: filepath.Join(home, "cache"), PluginsDirectory: filepath.Join(home, "plugins")}
	m := &downloader.Manager{Out: io.Discard, ChartPath: chartDir, Getters: getter.All(settings),
		RepositoryConfig: settings.RepositoryConfig, RepositoryCache: settings.RepositoryCache}
	if err := m.Update(); err != nil {
		t.Fatalf("lock dependencies: %v", err)
	}
	if err := os.RemoveAll(filepath.Join(chartDir, "charts")); err != nil {
		t.Fatal(err)
	}

	f := newFixture(t)
	o := demoOptions("web")
	o.Chart = ChartRef{Ref: chartDir}
	res, err := f.d.Run(context.Background(), o)
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, f.d.HelmLog().Tail())
	}
	if _, err := os.Stat(filepath.Join(chartDir, "charts", "sub-0.1.0.tgz")); err != nil {
		t.Errorf("dependency not downloaded into charts/: %v", err)
	}
	if !containsAll(res.Resources, []Resource{{Kind: "ConfigMap", Name: "web-sub"}}) {
		t.Errorf("resources = %+v, want the dependency's ConfigMap", res.Resources)
	}
}
