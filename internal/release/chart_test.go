package release

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"

	_ "github.com/distribution/distribution/v3/registry/auth/htpasswd"
	_ "github.com/distribution/distribution/v3/registry/storage/driver/inmemory"
)

const (
	testUser     = "deployer"
	testPassword = "s3cret-pw"
)

// packageChart writes <name>-<version>.tgz of a test chart into dir.
func packageChart(t *testing.T, src, dir string) string {
	t.Helper()
	ch, err := loader.Load(src)
	if err != nil {
		t.Fatal(err)
	}
	p, err := chartutil.Save(ch, dir)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// copyDir copies a test chart tree so a test may write into it.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRunLocalCharts(t *testing.T) {
	tgz := packageChart(t, demoChart, t.TempDir())
	tests := []struct {
		name    string
		ref     string
		wantErr error
	}{
		{name: "directory", ref: demoChart},
		{name: "archive", ref: tgz},
		{name: "missing path", ref: "testdata/charts/nope", wantErr: ErrChartNotFound},
		{name: "empty ref", ref: "", wantErr: ErrChartNotFound},
		{name: "bare name without repository", ref: "nginx", wantErr: ErrChartNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			o := demoOptions("web")
			o.Chart = ChartRef{Ref: tt.ref}
			res, err := f.d.Run(context.Background(), o)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.ChartName != "demo" || res.ChartVersion != "0.1.0" || res.Status != "deployed" {
				t.Errorf("result = %+v", summary(res))
			}
		})
	}
}

func TestRunBuildsDependenciesFromChartLock(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, "testdata/charts/withdep", filepath.Join(dir, "withdep"))
	copyDir(t, "testdata/charts/sub", filepath.Join(dir, "sub"))
	chartDir := filepath.Join(dir, "withdep")

	f := newFixture(t)
	o := demoOptions("web")
	o.Chart = ChartRef{Ref: chartDir}
	res, err := f.d.Run(context.Background(), o)
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, f.d.HelmLog().Tail())
	}
	if _, err := os.Stat(filepath.Join(chartDir, "charts", "sub-0.1.0.tgz")); err != nil {
		t.Errorf("dependency not built into charts/: %v", err)
	}
	want := []Resource{{Kind: "ConfigMap", Name: "web-main"}, {Kind: "ConfigMap", Name: "web-sub"}}
	if len(res.Resources) != 2 || !containsAll(res.Resources, want) {
		t.Errorf("resources = %+v, want %+v (main chart and dependency)", res.Resources, want)
	}
}

func TestRunMissingDependencyWithoutLock(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, "testdata/charts/withdep", dir)
	if err := os.Remove(filepath.Join(dir, "Chart.lock")); err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	o := demoOptions("web")
	o.Chart = ChartRef{Ref: dir}
	_, err := f.d.Run(context.Background(), o)
	if err == nil || !strings.Contains(err.Error(), "missing dependencies") {
		t.Fatalf("err = %v, want missing dependencies", err)
	}
}

func containsAll(got, want []Resource) bool {
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			return false
		}
	}
	return true
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
