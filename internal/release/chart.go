package release

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/cli"
	"helm.sh/helm/v3/pkg/downloader"
	"helm.sh/helm/v3/pkg/getter"
	"helm.sh/helm/v3/pkg/registry"
	"helm.sh/helm/v3/pkg/repo"
)

// ErrChartNotFound is returned when Ref is neither an existing local path, an
// oci:// reference, nor a chart name with a Repository.
var ErrChartNotFound = errors.New("chart not found")

// repoName is the name the HTTP repository gets in the temporary repositories.yaml.
const repoName = "helm-deploy-action"

// helmHome is a throw-away Helm home: repository config and cache, registry
// credentials and plugins live in a temporary directory, never in the user's
// ~/.config/helm or ~/.cache/helm.
type helmHome struct {
	dir      string
	settings *cli.EnvSettings
}

func newHelmHome() (*helmHome, error) {
	dir, err := os.MkdirTemp("", "helm-deploy-action-")
	if err != nil {
		return nil, fmt.Errorf("temporary helm home: %w", err)
	}
	// Built by hand, not with cli.New(), which reads HELM_* from the environment.
	s := &cli.EnvSettings{
		RepositoryConfig: filepath.Join(dir, "repositories.yaml"),
		RepositoryCache:  filepath.Join(dir, "repository"),
		RegistryConfig:   filepath.Join(dir, "registry", "config.json"),
		PluginsDirectory: filepath.Join(dir, "plugins"),
	}
	return &helmHome{dir: dir, settings: s}, nil
}

func (h *helmHome) close() { os.RemoveAll(h.dir) }

func (h *helmHome) registryClient(ref ChartRef, out io.Writer) (*registry.Client, error) {
	opts := []registry.ClientOption{
		registry.ClientOptWriter(out),
		registry.ClientOptCredentialsFile(h.settings.RegistryConfig),
	}
	if ref.Username != "" || ref.Password != "" {
		opts = append(opts, registry.ClientOptBasicAuth(ref.Username, ref.Password))
	}
	if loopbackRef(ref.Ref) {
		opts = append(opts, registry.ClientOptPlainHTTP())
	}
	c, err := registry.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("registry client: %w", err)
	}
	return c, nil
}

// loopbackRef reports whether an oci:// reference points at a loopback host;
// only those are spoken to over plain HTTP.
func loopbackRef(ref string) bool {
	if !registry.IsOCI(ref) {
		return false
	}
	u, err := url.Parse(ref)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// loadChart resolves, fetches (remote) or dependency-builds (local) the chart
// and loads it into memory.
func (d *Deployer) loadChart(ref ChartRef) (*chart.Chart, error) {
	if strings.TrimSpace(ref.Ref) == "" {
		return nil, fmt.Errorf("%w: no chart given", ErrChartNotFound)
	}
	home, err := newHelmHome()
	if err != nil {
		return nil, err
	}
	defer home.close()
	out := logWriter{d.log}

	rc, err := home.registryClient(ref, out)
	if err != nil {
		return nil, err
	}
	cpo := action.ChartPathOptions{Version: ref.Version}
	name := ref.Ref
	switch {
	case ref.Repository != "":
		if err := home.addRepository(ref); err != nil {
			return nil, err
		}
		name = repoName + "/" + strings.TrimPrefix(ref.Ref, "/")
	case registry.IsOCI(ref.Ref):
		cpo.Username, cpo.Password = ref.Username, ref.Password
		cpo.PlainHTTP = loopbackRef(ref.Ref)
	default:
		if _, err := os.Stat(ref.Ref); err != nil {
			return nil, fmt.Errorf("%w: %q is not a local chart directory or archive, an oci:// reference, "+
				"or a chart name with a repository: %w", ErrChartNotFound, ref.Ref, err)
		}
		if err := buildDependencies(ref.Ref, home, rc, out, d.log.Printf); err != nil {
			return nil, err
		}
	}
	// The install action only carries the registry client into LocateChart.
	inst := action.NewInstall(d.cfg)
	inst.ChartPathOptions = cpo
	inst.SetRegistryClient(rc)
	path, err := inst.ChartPathOptions.LocateChart(name, home.settings)
	if err != nil {
		return nil, fmt.Errorf("locate chart %q: %w", ref.Ref, err)
	}
	ch, err := loader.Load(path)
	if err != nil {
		return nil, fmt.Errorf("load chart %q: %w", ref.Ref, err)
	}
	switch ch.Metadata.Type {
	case "", "application":
	default:
		return nil, fmt.Errorf("chart %q is of type %q, which cannot be installed", ch.Name(), ch.Metadata.Type)
	}
	if reqs := ch.Metadata.Dependencies; reqs != nil {
		if err := action.CheckDependencies(ch, reqs); err != nil {
			return nil, fmt.Errorf("chart %q has missing dependencies (add Chart.lock or vendor charts/): %w", ch.Name(), err)
		}
	}
	return ch, nil
}

// addRepository writes the HTTP repository into the temporary repositories.yaml
// and downloads its index into the temporary cache, the way `helm repo add` does.
func (h *helmHome) addRepository(ref ChartRef) error {
	entry := &repo.Entry{Name: repoName, URL: ref.Repository, Username: ref.Username, Password: ref.Password}
	if err := h.downloadIndex(entry); err != nil {
		return err
	}
	f := repo.NewFile()
	f.Update(entry)
	if err := f.WriteFile(h.settings.RepositoryConfig, 0o600); err != nil {
		return fmt.Errorf("write temporary repositories.yaml: %w", err)
	}
	return nil
}

func (h *helmHome) downloadIndex(entry *repo.Entry) error {
	r, err := repo.NewChartRepository(entry, getter.All(h.settings))
	if err != nil {
		return fmt.Errorf("chart repository %s: %w", entry.URL, err)
	}
	r.CachePath = h.settings.RepositoryCache
	if _, err := r.DownloadIndexFile(); err != nil {
		return fmt.Errorf("chart repository %s: download index: %w", entry.URL, err)
	}
	return nil
}

// buildDependencies runs `helm dependency build` for a local chart directory
// that has a Chart.lock but no charts/ directory. HTTP repositories named in
// Chart.yaml are registered in the temporary Helm home first (without
// credentials), so no `helm repo add` is needed.
func buildDependencies(dir string, home *helmHome, rc *registry.Client, out io.Writer, logf func(string, ...any)) error {
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		return nil // archives carry their dependencies
	}
	if _, err := os.Stat(filepath.Join(dir, "Chart.lock")); err != nil {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, "charts")); err == nil {
		return nil
	}
	meta, err := chartutil.LoadChartfile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return fmt.Errorf("read %s: %w", filepath.Join(dir, "Chart.yaml"), err)
	}
	f := repo.NewFile()
	for i, dep := range meta.Dependencies {
		if strings.HasPrefix(dep.Repository, "http://") || strings.HasPrefix(dep.Repository, "https://") {
			if !hasURL(f, dep.Repository) {
				f.Update(&repo.Entry{Name: fmt.Sprintf("dependency-%d", i), URL: dep.Repository})
			}
		}
	}
	if err := f.WriteFile(home.settings.RepositoryConfig, 0o600); err != nil {
		return fmt.Errorf("write temporary repositories.yaml: %w", err)
	}
	logf("Chart.lock found and charts/ missing in %s: building dependencies", dir)
	m := &downloader.Manager{
		Out:              out,
		ChartPath:        dir,
		Getters:          getter.All(home.settings),
		RegistryClient:   rc,
		RepositoryConfig: home.settings.RepositoryConfig,
		RepositoryCache:  home.settings.RepositoryCache,
	}
	if err := m.Build(); err != nil {
		return fmt.Errorf("build chart dependencies of %s: %w", dir, err)
	}
	return nil
}

func hasURL(f *repo.File, u string) bool {
	for _, e := range f.Repositories {
		if strings.TrimSuffix(e.URL, "/") == strings.TrimSuffix(u, "/") {
			return true
		}
	}
	return false
}

// logWriter sends text Helm writes to an io.Writer into the Helm log.
type logWriter struct{ log *HelmLog }

func (w logWriter) Write(p []byte) (int, error) {
	for _, line := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		if line != "" {
			w.log.Printf("%s", line)
		}
	}
	return len(p), nil
}
