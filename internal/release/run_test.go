package release

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/release"
)

func TestRunInstallThenUpgrade(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()

	res, err := f.d.Run(ctx, demoOptions("web"))
	if err != nil {
		t.Fatalf("install: %v", err)
	}
	want := Result{Release: "web", Namespace: testNS, Revision: 1, PreviousRevision: 0, Status: "deployed",
		ChartName: "demo", ChartVersion: "0.1.0", AppVersion: "1.2.3", Description: "Install complete", Installed: true}
	if got := summary(res); !reflect.DeepEqual(got, want) {
		t.Errorf("install result:\n got %+v\nwant %+v", got, want)
	}
	wantRes := []Resource{{Kind: "ConfigMap", Name: "web-config"}, {Kind: "Deployment", Name: "web"}}
	if !reflect.DeepEqual(res.Resources, wantRes) {
		t.Errorf("resources = %+v, want %+v", res.Resources, wantRes)
	}

	res, err = f.d.Run(ctx, demoOptions("web"))
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	want.Revision, want.PreviousRevision, want.Installed, want.Description = 2, 1, false, "Upgrade complete"
	if got := summary(res); !reflect.DeepEqual(got, want) {
		t.Errorf("upgrade result:\n got %+v\nwant %+v", got, want)
	}
	if !strings.Contains(res.Manifest, `revision: "2"`) {
		t.Errorf("manifest of revision 2 does not render revision 2:\n%s", res.Manifest)
	}
	if got, want := statuses(t, f.store, "web"), []string{"1:superseded", "2:deployed"}; !reflect.DeepEqual(got, want) {
		t.Errorf("history = %v, want %v", got, want)
	}
}

// summary drops the long fields so results compare with ==.
func summary(r *Result) Result {
	c := *r
	c.Manifest, c.Resources = "", nil
	return c
}

func TestRunFirstInstallFailedThenRetry(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	o := demoOptions("api")

	f.kube.CreateError = errors.New("admission webhook denied the request")
	res, err := f.d.Run(ctx, o)
	if err == nil || !strings.Contains(err.Error(), "admission webhook denied") {
		t.Fatalf("first install: err = %v, want the create error", err)
	}
	if res == nil || res.Status != "failed" || res.Revision != 1 || !res.Installed || res.ChartName != "demo" {
		t.Fatalf("failed install result = %+v, want revision 1 failed from storage", res)
	}

	f.kube.CreateError = nil
	res, err = f.d.Run(ctx, o)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if res.Revision != 2 || res.Status != "deployed" || !res.Installed || res.PreviousRevision != 1 {
		t.Errorf("retry result = %+v, want revision 2 deployed over the failed revision 1", summary(res))
	}
	if got, want := statuses(t, f.store, "api"), []string{"1:superseded", "2:deployed"}; !reflect.DeepEqual(got, want) {
		t.Errorf("history = %v, want %v (the failed first install kept, never uninstalled)", got, want)
	}

}

func TestDecide(t *testing.T) {
	tests := []struct {
		name    string
		history []release.Status // oldest first
		want    path
	}{
		{"no release", nil, pathInstall},
		{"only uninstalled", []release.Status{release.StatusUninstalled}, pathInstall},
		{"deployed", []release.Status{release.StatusDeployed}, pathUpgrade},
		{"first install failed", []release.Status{release.StatusFailed}, pathReinstall},
		{"failed twice never deployed", []release.Status{release.StatusFailed, release.StatusFailed}, pathReinstall},
		{"failed upgrade after deploy", []release.Status{release.StatusDeployed, release.StatusFailed}, pathUpgrade},
		{"failed after superseded", []release.Status{release.StatusSuperseded, release.StatusDeployed, release.StatusFailed}, pathUpgrade},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hist []*release.Release
			for i := len(tt.history) - 1; i >= 0; i-- { // newest first
				hist = append(hist, &release.Release{Version: i + 1, Info: &release.Info{Status: tt.history[i]}})
			}
			if got := decide(hist); got != tt.want {
				t.Errorf("decide = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRunPendingReleaseIsReported(t *testing.T) {
	for _, st := range []release.Status{release.StatusPendingInstall, release.StatusPendingUpgrade, release.StatusPendingRollback} {
		t.Run(st.String(), func(t *testing.T) {
			f := newFixture(t)
			seed(t, f.store, "db", release.StatusDeployed, st)

			res, err := f.d.Run(context.Background(), demoOptions("db"))
			var pe *PendingError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want *PendingError", err)
			}
			want := PendingError{Release: "db", Namespace: testNS, Revision: 2, Status: st.String()}
			if *pe != want {
				t.Errorf("PendingError = %+v, want %+v", *pe, want)
			}
			if !errors.Is(err, ErrPending) || !strings.Contains(err.Error(), st.String()) {
				t.Errorf("error %q: want errors.Is ErrPending and the status named", err)
			}
			if res == nil || res.Status != st.String() || res.Revision != 2 {
				t.Errorf("result = %+v, want the stored pending revision", res)
			}
			if got, want := statuses(t, f.store, "db"), []string{"1:deployed", "2:" + st.String()}; !reflect.DeepEqual(got, want) {
				t.Errorf("history changed: %v, want %v", got, want)
			}
		})
	}
}

func TestRunNamespaceMismatch(t *testing.T) {
	f := newFixture(t)
	f.d.namespace = "team-a"
	o := demoOptions("web")
	o.Namespace = "team-b"
	if _, err := f.d.Run(context.Background(), o); !errors.Is(err, ErrNamespaceMismatch) {
		t.Fatalf("err = %v, want ErrNamespaceMismatch", err)
	}
}

func TestRunPathFromStoredHistory(t *testing.T) {
	tests := []struct {
		name          string
		history       []release.Status // oldest first
		wantInstalled bool
		wantRevision  int
		wantHistory   []string
	}{
		{"uninstalled with kept history", []release.Status{release.StatusDeployed, release.StatusUninstalled},
			true, 3, []string{"1:deployed", "2:superseded", "3:deployed"}},
		{"failed twice, never deployed: upgraded over, never uninstalled", []release.Status{release.StatusFailed, release.StatusFailed},
			true, 3, []string{"1:failed", "2:superseded", "3:deployed"}},
		{"failed upgrade after a deploy", []release.Status{release.StatusDeployed, release.StatusFailed},
			false, 3, []string{"1:superseded", "2:failed", "3:deployed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			seed(t, f.store, "web", tt.history...)
			res, err := f.d.Run(context.Background(), demoOptions("web"))
			if err != nil {
				t.Fatal(err)
			}
			if res.Installed != tt.wantInstalled || res.Revision != tt.wantRevision || res.PreviousRevision != len(tt.history) {
				t.Errorf("result = %+v, want installed=%v revision %d previous %d", summary(res), tt.wantInstalled, tt.wantRevision, len(tt.history))
			}
			if got := statuses(t, f.store, "web"); !reflect.DeepEqual(got, tt.wantHistory) {
				t.Errorf("history = %v, want %v", got, tt.wantHistory)
			}
		})
	}
}
