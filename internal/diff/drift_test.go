package diff

import (
	"fmt"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func TestDrift(t *testing.T) {
	edit := func(pairs ...string) string { return strings.NewReplacer(pairs...).Replace(liveDeploy) }
	annotated := strings.Replace(deploy, "labels: {app: web}\nspec", "labels: {app: web}\n  annotations: {team: a}\nspec", 1)
	tests := []struct {
		name    string
		stored  string
		live    []string // nil: live not read
		opt     Options
		want    []FieldDiff
		missing bool
		none    bool
	}{
		{name: "server defaults, bookkeeping and injected sidecar are no drift", stored: deploy, live: []string{liveDeploy}, none: true},
		{name: "live not read", stored: deploy, live: nil, none: true},
		{name: "replicas scaled by hand", stored: deploy, live: []string{edit("replicas: 2\n", "replicas: 5\n")},
			want: []FieldDiff{{"spec.replicas", "2", "5"}}},
		{name: "env value and image edited", stored: deploy, live: []string{edit(`{name: A, value: "1"}`, `{name: A, value: "debug"}`, "image: nginx:1.25", "image: nginx:latest")},
			want: []FieldDiff{{"spec.template.spec.containers[web].env[A].value", "1", "debug"}, {"spec.template.spec.containers[web].image", "nginx:1.25", "nginx:latest"}}},
		{name: "env var removed by hand", stored: deploy, live: []string{edit(`{name: B, value: "2"}, `, "")},
			want: []FieldDiff{{"spec.template.spec.containers[web].env[B]", `{"name":"B","value":"2"}`, "(not set)"}}},
		{name: "annotations and labels added by hand; well-known ones are not", stored: deploy,
			live: []string{edit("meta.helm.sh/release-namespace: prod", "meta.helm.sh/release-namespace: prod\n    owner: bob\n    kubectl.kubernetes.io/restartedAt: now\n    example.com/ignored: x",
				"app.kubernetes.io/managed-by: Helm}", "app.kubernetes.io/managed-by: Helm, tier: gold}")},
			opt:  Options{IgnoreMetadata: []string{"example.com/"}},
			want: []FieldDiff{{"metadata.annotations.owner", "(not set)", "bob"}, {"metadata.labels.tier", "(not set)", "gold"}}},
		{name: "annotation the chart sets, edited", stored: annotated,
			live: []string{edit("meta.helm.sh/release-namespace: prod", "meta.helm.sh/release-namespace: prod\n    team: b")},
			want: []FieldDiff{{"metadata.annotations.team", "a", "b"}}},
		{name: "deleted by hand", stored: deploy, live: []string{}, missing: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var live map[Key]Object
			if tt.live != nil {
				live = liveOf(t, tt.live...)
			}
			got := Drift(mustParse(t, tt.stored), live, tt.opt)
			if tt.none {
				if got != nil {
					t.Fatalf("drift %+v", got)
				}
				return
			}
			if len(got) != 1 || got[0].Key != KeyOf("apps/v1", "Deployment", "prod", "web") || got[0].Missing != tt.missing {
				t.Fatalf("drift %+v", got)
			}
			if fmt.Sprint(got[0].Fields) != fmt.Sprint(tt.want) {
				t.Errorf("fields\n%v\nwant\n%v", got[0].Fields, tt.want)
			}
			if exp := ExplainMissing(got[0]); tt.missing != (exp != "") {
				t.Errorf("ExplainMissing = %q", exp)
			}
		})
	}
}

func TestExplainMissing(t *testing.T) {
	d := Drift(mustParse(t, deploy), map[Key]Object{}, Options{})
	if len(d) != 1 || !d[0].Missing {
		t.Fatalf("%+v", d)
	}
	contains(t, "ExplainMissing", ExplainMissing(d[0]),
		"Deployment.apps/web (namespace prod) is in the last release but not in the cluster",
		"Helm 3.22 creates it again as rendered",
		"Helm skips deleting it",
		"unable to build kubernetes objects from current release manifest",
		`'no Deployment with the name "web" found' error of older Helm`,
		"exists and cannot be imported into the current release")
}

func TestPrune(t *testing.T) {
	tests := []struct {
		name, live, shape, want string
	}{
		{"map keys the shape lacks are dropped", `{a: 1, b: 2}`, `{a: 1}`, `{a: 1}`},
		{"empty map or list in shape, absent in live, is equal", `{a: 1}`, `{a: 1, e: {}, l: []}`, `{a: 1, e: {}, l: []}`},
		{"quantities the server rewrote", `{cpu: 500m, mem: 1Gi, n: "1"}`, `{cpu: "0.5", mem: 1024Mi, n: 1}`, `{cpu: "0.5", mem: 1024Mi, n: 1}`},
		{"different quantities stay", `{cpu: 600m}`, `{cpu: "0.5"}`, `{cpu: 600m}`},
		{"version strings are not quantities", `{v: "1.1"}`, `{v: "1.10"}`, `{v: "1.1"}`},
		{"keyed items matched by key, live-only items dropped", `[{name: b, x: 1, d: 0}, {name: a, x: 2}, {name: z}]`, `[{name: a, x: 2}, {name: b, x: 1}]`, `[{name: b, x: 1}, {name: a, x: 2}]`},
		{"keyed item missing from live stays missing", `[{name: a}]`, `[{name: a}, {name: b}]`, `[{name: a}]`},
		{"unkeyed items pruned by index, surplus live items kept", `[{k: 1, d: 0}, {k: 2}]`, `[{k: 1}]`, `[{k: 1}, {k: 2}]`},
		{"scalar lists compared whole", `[a, b, c]`, `[a, b]`, `[a, b, c]`},
		{"type change kept", `{a: x}`, `{a: {b: 1}}`, `{a: x}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var live, shape, want any
			for _, p := range []struct {
				s string
				v *any
			}{{tt.live, &live}, {tt.shape, &shape}, {tt.want, &want}} {
				if err := yaml.Unmarshal([]byte("v: "+p.s), p.v); err != nil {
					t.Fatal(err)
				}
				*p.v = canon((*p.v).(map[string]any)["v"])
			}
			if got := prune(live, shape); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("prune = %v, want %v", got, want)
			}
		})
	}
}

func TestDriftSortedAcrossObjects(t *testing.T) {
	stored := mustParse(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata: {k: v}",
		"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: other}\ndata: {k: v}",
		"apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules: []")
	live := liveOf(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata: {k: w, extra: x}")
	var got []string
	for _, d := range Drift(stored, live, Options{}) {
		got = append(got, fmt.Sprintf("%s missing=%v %v", d.Title, d.Missing, d.Fields))
	}
	want := []string{
		"ConfigMap/a (namespace other) missing=true []",
		"ClusterRole.rbac.authorization.k8s.io/r (namespace prod) missing=true []",
		"ConfigMap/b (namespace prod) missing=false [{data.k v w}]",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
