package diff

import (
	"strings"
	"testing"
)

func TestParseManifest(t *testing.T) {
	tests := []struct {
		name     string
		manifest string
		ns       string
		want     []string // Key.String() + " @" + Source
		wantErr  string
	}{
		{
			name: "helm manifest with sources, comments and empty docs",
			manifest: `---
# Source: app/templates/sa.yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: app
---
# Source: app/templates/empty.yaml
# nothing rendered here
---

---
# Source: app/templates/deploy.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: other # explicit
spec:
  replicas: 2
`,
			ns:   "prod",
			want: []string{"ServiceAccount/app (namespace prod) @app/templates/sa.yaml", "Deployment.apps/web (namespace other) @app/templates/deploy.yaml"},
		},
		{
			name:     "separator with comment, block scalar with indented ---, CRLF",
			manifest: "--- # Source: c/templates/cm.yaml\r\napiVersion: v1\r\nkind: ConfigMap\r\nmetadata:\r\n  name: cm\r\ndata:\r\n  f: |\r\n    a\r\n    ---\r\n    b\r\n",
			ns:       "",
			want:     []string{"ConfigMap/cm @c/templates/cm.yaml"},
		},
		{
			name: "List kind yields items",
			manifest: `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: a}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: r}
`,
			ns:   "ns",
			want: []string{"ConfigMap/a (namespace ns) @", "ClusterRole.rbac.authorization.k8s.io/r (namespace ns) @"},
		},
		{name: "only comments", manifest: "# hello\n---\n# Source: x\n", want: nil},
		{name: "missing name", manifest: "apiVersion: v1\nkind: ConfigMap\n", wantErr: "ConfigMap without metadata.name"},
		{name: "missing kind", manifest: "---\n# Source: t/x.yaml\napiVersion: v1\nmetadata: {name: a}\n", wantErr: "document 1 (t/x.yaml): object without kind"},
		{name: "bad yaml", manifest: "a: [\n", wantErr: "manifest document 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := ParseManifest(tt.manifest, tt.ns)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range objs {
				got = append(got, o.Key().String()+" @"+o.Source)
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestParseManifestBlockScalarKept(t *testing.T) {
	objs, err := ParseManifest("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\ndata:\n  f: |\n    a\n    ---\n    b\n", "")
	if err != nil || len(objs) != 1 {
		t.Fatal(objs, err)
	}
	if got := objs[0].Body["data"].(map[string]any)["f"]; got != "a\n---\nb\n" {
		t.Errorf("data.f = %q", got)
	}
}

func TestKeyOf(t *testing.T) {
	for _, tt := range []struct{ apiVersion, group string }{
		{"v1", ""}, {"apps/v1", "apps"}, {"networking.k8s.io/v1", "networking.k8s.io"},
	} {
		if k := KeyOf(tt.apiVersion, "K", "", "n"); k.Group != tt.group {
			t.Errorf("KeyOf(%q).Group = %q, want %q", tt.apiVersion, k.Group, tt.group)
		}
	}
	if KeyOf("apps/v1", "Deployment", "ns", "w") != KeyOf("apps/v1beta2", "Deployment", "ns", "w") {
		t.Error("keys of two versions of one group differ")
	}
}
