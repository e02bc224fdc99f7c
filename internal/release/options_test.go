package release

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestRunDryRunStoresNothing(t *testing.T) {
	tests := []struct {
		name          string
		installFirst  bool
		wantInstalled bool
		wantRevision  int
		wantHistory   []string
	}{
		{"install", false, true, 1, nil},
		{"upgrade", true, false, 2, []string{"1:deployed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.Background()
			if tt.installFirst {
				if _, err := f.d.Run(ctx, demoOptions("web")); err != nil {
					t.Fatal(err)
				}
			}
			f.applied.Reset()
			w := &recordingWaiter{}
			o := demoOptions("web")
			o.DryRun, o.Waiter = true, w
			o.Values = []map[string]any{{"config": map[string]any{"colour": "green"}}}
			res, err := f.d.Run(ctx, o)
			if err != nil {
				t.Fatalf("dry run: %v", err)
			}
			if !res.DryRun || res.Installed != tt.wantInstalled || res.Revision != tt.wantRevision {
				t.Errorf("result = %+v", summary(res))
			}
			if !strings.Contains(res.Manifest, `colour: "green"`) {
				t.Errorf("dry-run manifest lacks the values:\n%s", res.Manifest)
			}
			if got := statuses(t, f.store, "web"); !reflect.DeepEqual(got, tt.wantHistory) {
				t.Errorf("history = %v, want %v", got, tt.wantHistory)
			}
			if f.applied.Len() != 0 || len(w.Calls()) != 0 {
				t.Errorf("dry run applied %q and waited %d times", f.applied.String(), len(w.Calls()))
			}
		})
	}
}

func TestRunWaiterReplacesHelmWait(t *testing.T) {
	f := newFixture(t)
	f.kube.WaitError = errors.New("helm's own wait must not run")
	w := &recordingWaiter{}
	o := demoOptions("web")
	o.Waiter, o.Timeout = w, 42*time.Second
	if _, err := f.d.Run(context.Background(), o); err != nil {
		t.Fatalf("install: %v", err)
	}
	o.Wait = false
	if _, err := f.d.Run(context.Background(), o); err != nil {
		t.Fatalf("upgrade without wait: %v", err)
	}
	want := []waitCall{{objects: []string{"ConfigMap/web-config", "Deployment/web"}, timeout: 42 * time.Second}}
	if got := w.Calls(); !reflect.DeepEqual(got, want) {
		t.Errorf("waiter calls = %+v, want %+v (none for wait=false)", got, want)
	}
}

func TestRunInspectSeesManifestBeforeApply(t *testing.T) {
	f := newFixture(t)
	var seen []string
	o := demoOptions("web")
	o.Inspect = func(m string) {
		if f.applied.Len() != 0 {
			t.Errorf("Inspect called after something was applied: %q", f.applied.String())
		}
		seen = append(seen, m)
	}
	o.Values = []map[string]any{{"image": "registry.example/demo:9.9.9"}}
	if _, err := f.d.Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 1 || !strings.Contains(seen[0], "kind: Deployment") || !strings.Contains(seen[0], "demo:9.9.9") {
		t.Errorf("Inspect saw %q, want the rendered manifest once", seen)
	}
}

func TestRunCreateNamespaceOnInstallOnly(t *testing.T) {
	f := newFixture(t)
	o := demoOptions("web")
	o.CreateNamespace = true
	if _, err := f.d.Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	want := []string{"Namespace/" + testNS, "ConfigMap/web-config", "Deployment/web"}
	if got := f.kube.Created(); !reflect.DeepEqual(got, want) {
		t.Errorf("install created %v, want %v", got, want)
	}
	if _, err := f.d.Run(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if got := f.kube.Created(); !reflect.DeepEqual(got, want) {
		t.Errorf("upgrade created more objects: %v", got)
	}
}

func TestRunHistoryMax(t *testing.T) {
	tests := []struct {
		name string
		max  int
		runs int
		want []string
	}{
		{"limit 2", 2, 4, []string{"3:superseded", "4:deployed"}},
		{"unlimited", 0, 3, []string{"1:superseded", "2:superseded", "3:deployed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			o := demoOptions("web")
			o.HistoryMax = tt.max
			for i := 0; i < tt.runs; i++ {
				if _, err := f.d.Run(context.Background(), o); err != nil {
					t.Fatal(err)
				}
			}
			if got := statuses(t, f.store, "web"); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("history = %v, want %v", got, tt.want)
			}
		})
	}
}
