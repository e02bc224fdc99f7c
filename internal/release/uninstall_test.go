package release

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/releaseutil"
)

const statefulChart = "testdata/charts/stateful"

// installStateful installs (then upgrades) release db from the stateful chart: a Deployment,
// a ConfigMap, a PersistentVolumeClaim, a Secret annotated keep and a pre-delete hook Job.
func installStateful(t *testing.T, f *fixture, runs int) {
	t.Helper()
	for i := range runs {
		o := Options{Release: "db", Namespace: testNS, Chart: ChartRef{Ref: statefulChart}, Timeout: time.Minute,
			Values: []map[string]any{{"greeting": string(rune('a' + i))}}}
		if _, err := f.d.Run(context.Background(), o); err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
	}
}

func kindNames(kindName ...string) []Resource {
	var out []Resource
	for _, kn := range kindName {
		k, n, _ := strings.Cut(kn, "/")
		out = append(out, Resource{Kind: k, Name: n})
	}
	return out
}

func TestUninstall(t *testing.T) {
	hookFails := errors.New("job db-drain: BackoffLimitExceeded")
	tests := []struct {
		name     string
		runs     int
		seed     []release.Status // demo chart records instead of runs
		o        UninstallOptions
		hookErr  error // the pre-delete hook's wait answers this
		wantErr  string
		wantIs   error
		wantNone bool // no Uninstalled returned
		// wantDeleted and wantKept are Kind/name lists, in Helm's uninstall order.
		wantDeleted, wantKept []string
		wantInfo              string
		// wantEvents are the kube calls of the uninstall ("create Job/db-drain" is the hook).
		wantEvents  []string
		wantHistory []string
	}{
		{name: "claims and keep-annotated objects are kept by default", runs: 1,
			wantDeleted: []string{"Deployment/db", "ConfigMap/db-config"},
			wantKept:    []string{"PersistentVolumeClaim/db-data", "Secret/db-credentials"},
			wantInfo:    "[PersistentVolumeClaim] db-data",
			wantEvents: []string{"create Job/db-drain", "delete-hook Job/db-drain", "wait-delete Job/db-drain",
				"delete Deployment/db", "delete ConfigMap/db-config"}},
		{name: "DeletePVCs deletes the claims, not the keep-annotated Secret", runs: 1, o: UninstallOptions{DeletePVCs: true},
			wantDeleted: []string{"Deployment/db", "PersistentVolumeClaim/db-data", "ConfigMap/db-config"},
			wantKept:    []string{"Secret/db-credentials"},
			wantInfo:    "[Secret] db-credentials",
			wantEvents: []string{"create Job/db-drain", "delete-hook Job/db-drain", "wait-delete Job/db-drain",
				"delete Deployment/db", "delete PersistentVolumeClaim/db-data", "delete ConfigMap/db-config"}},
		{name: "Wait waits for the deleted objects only", runs: 1, o: UninstallOptions{Wait: true},
			wantDeleted: []string{"Deployment/db", "ConfigMap/db-config"},
			wantKept:    []string{"PersistentVolumeClaim/db-data", "Secret/db-credentials"},
			wantEvents: []string{"create Job/db-drain", "delete-hook Job/db-drain", "wait-delete Job/db-drain",
				"delete Deployment/db", "delete ConfigMap/db-config", "wait-delete Deployment/db", "wait-delete ConfigMap/db-config"}},
		{name: "KeepHistory keeps the records", runs: 2, o: UninstallOptions{KeepHistory: true},
			wantDeleted: []string{"Deployment/db", "ConfigMap/db-config"},
			wantKept:    []string{"PersistentVolumeClaim/db-data", "Secret/db-credentials"},
			wantEvents: []string{"create Job/db-drain", "delete-hook Job/db-drain", "wait-delete Job/db-drain",
				"delete Deployment/db", "delete ConfigMap/db-config"},
			wantHistory: []string{"1:superseded", "2:uninstalled"}},
		{name: "dry run changes nothing", runs: 1, o: UninstallOptions{DryRun: true},
			wantDeleted: []string{"Deployment/db", "ConfigMap/db-config"},
			wantKept:    []string{"PersistentVolumeClaim/db-data", "Secret/db-credentials"},
			wantInfo:    "dry run", wantHistory: []string{"1:deployed"}},
		{name: "failed pre-delete hook deletes nothing", runs: 1, hookErr: hookFails,
			wantErr: "BackoffLimitExceeded", wantEvents: []string{"create Job/db-drain"},
			wantHistory: []string{"1:uninstalling"}},
		{name: "not installed", wantIs: ErrNotInstalled, wantErr: `release "db" not found`, wantNone: true},
		{name: "pending latest revision", seed: []release.Status{release.StatusDeployed, release.StatusPendingUpgrade},
			wantIs: ErrPending, wantNone: true, wantHistory: []string{"1:deployed", "2:pending-upgrade"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			installStateful(t, f, tc.runs)
			if tc.seed != nil {
				seed(t, f.store, "db", tc.seed...)
			}
			var manifest string
			if last, err := f.store.Last("db"); err == nil {
				manifest = last.Manifest
			}
			w := &recordingWaiter{results: []error{tc.hookErr}}
			before := len(f.kube.Events())
			o := tc.o
			o.Release, o.Waiter = "db", w

			got, err := f.d.Uninstall(ctx, o)

			if (err != nil) != (tc.wantErr != "" || tc.wantIs != nil) || err != nil && !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Errorf("err = %v, want errors.Is %v", err, tc.wantIs)
			}
			if tc.wantNone {
				if got != nil {
					t.Errorf("uninstalled = %+v, want nil", got)
				}
			} else {
				if got == nil || got.Release != "db" || got.Namespace != testNS || got.Revision != tc.runs ||
					got.ChartName != "stateful" || got.ChartVersion != "0.2.0" || got.AppVersion != "2.0.0" || got.DryRun != o.DryRun {
					t.Fatalf("uninstalled = %+v, want revision %d of stateful 0.2.0 (app 2.0.0)", got, tc.runs)
				}
				if !reflect.DeepEqual(got.Deleted, kindNames(tc.wantDeleted...)) || !reflect.DeepEqual(got.Kept, kindNames(tc.wantKept...)) {
					t.Errorf("deleted %v, kept %v; want %v and %v", got.Deleted, got.Kept, tc.wantDeleted, tc.wantKept)
				}
				if !strings.Contains(got.Info, tc.wantInfo) {
					t.Errorf("info = %q, want %q", got.Info, tc.wantInfo)
				}
			}
			if events := f.kube.Events()[before:]; (len(events) > 0 || len(tc.wantEvents) > 0) && !reflect.DeepEqual(events, tc.wantEvents) {
				t.Errorf("kube calls = %q, want %q", events, tc.wantEvents)
			}
			if h := statuses(t, f.store, "db"); !reflect.DeepEqual(h, tc.wantHistory) {
				t.Errorf("history = %v, want %v", h, tc.wantHistory)
			}
			if tc.wantHistory != nil {
				if last, err := f.store.Last("db"); err != nil || last.Manifest != manifest {
					t.Errorf("stored manifest not restored (err %v):\n%s\nwant\n%s", err, last.Manifest, manifest)
				}
			}
			if calls := w.Calls(); tc.runs > 0 && !o.DryRun && (len(calls) != 1 || !calls[0].hook || calls[0].objects[0] != "Job/db-drain") {
				t.Errorf("waits = %+v, want the pre-delete hook Job's", calls)
			}
		})
	}
}

// A release uninstalled with its history kept: uninstalling it again with KeepHistory is
// ErrNotInstalled, without it removes the history; the failed-hook release can be uninstalled
// once the hook works.
func TestUninstallAgain(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	installStateful(t, f, 2)
	if _, err := f.d.Uninstall(ctx, UninstallOptions{Release: "db", KeepHistory: true}); err != nil {
		t.Fatal(err)
	}
	_, err := f.d.Uninstall(ctx, UninstallOptions{Release: "db", KeepHistory: true})
	var ni *NotInstalledError
	if !errors.As(err, &ni) || !errors.Is(err, ErrNotInstalled) || ni.Uninstalled != 2 {
		t.Fatalf("err = %v, want ErrNotInstalled for uninstalled revision 2", err)
	}
	before := len(f.kube.Events())
	got, err := f.d.Uninstall(ctx, UninstallOptions{Release: "db"})
	if err != nil || got.Revision != 2 || got.Deleted != nil || !strings.Contains(got.Info, "removed the history (2 revisions)") {
		t.Fatalf("purge = %+v, %v", got, err)
	}
	if h := statuses(t, f.store, "db"); h != nil || len(f.kube.Events()) != before {
		t.Errorf("history %v and kube calls %v after the purge, want none", h, f.kube.Events()[before:])
	}

	f = newFixture(t)
	installStateful(t, f, 1)
	f.kube.WatchUntilReadyError = errors.New("hook failed")
	if _, err := f.d.Uninstall(ctx, UninstallOptions{Release: "db"}); err == nil || !strings.Contains(err.Error(), "hook failed") {
		t.Fatalf("err = %v, want the hook failure", err)
	}
	f.kube.WatchUntilReadyError = nil
	got, err = f.d.Uninstall(ctx, UninstallOptions{Release: "db"})
	if err != nil || len(got.Deleted) != 2 {
		t.Fatalf("retry = %+v, %v", got, err)
	}
	if h := statuses(t, f.store, "db"); h != nil {
		t.Errorf("history = %v, want none", h)
	}
}

// A failed deletion is reported with Kubernetes' errors and what Helm tried to delete.
func TestUninstallDeleteFails(t *testing.T) {
	f := newFixture(t)
	installStateful(t, f, 1)
	f.kube.DeleteWithPropagationError = errors.New("deployments.apps \"db\" is forbidden")
	got, err := f.d.Uninstall(context.Background(), UninstallOptions{Release: "db"})
	if err == nil || !strings.Contains(err.Error(), "failed to delete release") || !strings.Contains(err.Error(), "is forbidden") {
		t.Fatalf("err = %v, want Helm's and Kubernetes' errors", err)
	}
	if got == nil || len(got.Deleted) != 2 || len(got.Kept) != 2 {
		t.Errorf("uninstalled = %+v, want the attempted deletion reported", got)
	}
}

func TestKeepPVCs(t *testing.T) {
	cm := "# Source: x/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: \"1\""
	pvc := "# Source: x/templates/pvc.yaml\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\n  annotations:\n    team: db\nspec:\n  resources:\n    requests:\n      storage: 1Gi"
	kept := "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: old\n  annotations:\n    helm.sh/resource-policy: Keep"
	other := "apiVersion: example.com/v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: not-core"
	tests := []struct {
		name, in string
		changed  []int // indexes of the documents that must change
	}{
		{name: "no claim", in: "---\n" + cm + "\n", changed: nil},
		{name: "claim among others", in: "---\n" + cm + "\n---\n" + pvc + "\n---\n" + other + "\n", changed: []int{1}},
		{name: "already kept", in: kept + "\n---\n" + pvc, changed: []int{1}},
		{name: "empty", in: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := keepPVCs(tc.in)
			in, got := splitOrdered(tc.in), splitOrdered(out)
			if len(in) != len(got) {
				t.Fatalf("%d documents became %d:\n%s", len(in), len(got), out)
			}
			for i := range in {
				changed := in[i] != got[i]
				if want := slices.Contains(tc.changed, i); changed != want {
					t.Errorf("document %d changed = %v, want %v:\n%s", i, changed, want, got[i])
				}
				if changed && (!strings.HasPrefix(got[i], "# Source: x/templates/pvc.yaml\n") ||
					!strings.Contains(got[i], "helm.sh/resource-policy: keep") || !strings.Contains(got[i], "team: db") ||
					!strings.Contains(got[i], "storage: 1Gi")) {
					t.Errorf("document %d = %q, want the claim annotated keep with its comment and fields", i, got[i])
				}
			}
			deleted, keptRes, err := planDeletion(out)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range deleted {
				if r.Kind == "PersistentVolumeClaim" && r.Name != "not-core" {
					t.Errorf("claim %s would be deleted (kept: %v)", r.Name, keptRes)
				}
			}
		})
	}
}

func splitOrdered(manifest string) []string {
	docs := releaseutil.SplitManifests(manifest)
	out := make([]string, len(docs))
	for k, v := range docs {
		i, _ := strconv.Atoi(strings.TrimPrefix(k, "manifest-"))
		out[i] = v
	}
	return out
}
