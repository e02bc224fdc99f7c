package diff

import (
	"fmt"
	"strings"
	"testing"
)

const deploy = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        env:
        - {name: A, value: "1"}
        - {name: B, value: "2"}
        resources: {limits: {cpu: "0.5", memory: 1Gi}}
      - name: sidecar
        image: busybox
`

// liveDeploy is deploy as the API server returns it: defaults filled, lists reordered,
// bookkeeping added, a sidecar injected, quantities canonical.
const liveDeploy = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: prod
  uid: 0b6d
  resourceVersion: "5"
  generation: 3
  creationTimestamp: "2024-01-01T00:00:00Z"
  labels: {app: web, app.kubernetes.io/managed-by: Helm}
  annotations:
    deployment.kubernetes.io/revision: "3"
    meta.helm.sh/release-name: rel
    meta.helm.sh/release-namespace: prod
  managedFields: [{manager: helm, operation: Update}]
spec:
  replicas: 2
  revisionHistoryLimit: 10
  progressDeadlineSeconds: 600
  strategy: {type: RollingUpdate, rollingUpdate: {maxSurge: 25%, maxUnavailable: 25%}}
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      labels: {app: web}
      annotations: {kubectl.kubernetes.io/restartedAt: "2024-01-02T00:00:00Z"}
    spec:
      dnsPolicy: ClusterFirst
      restartPolicy: Always
      schedulerName: default-scheduler
      terminationGracePeriodSeconds: 30
      containers:
      - name: istio-proxy
        image: istio/proxyv2
      - name: sidecar
        image: busybox
        imagePullPolicy: Always
        terminationMessagePath: /dev/termination-log
      - name: web
        image: nginx:1.25
        imagePullPolicy: IfNotPresent
        env: [{name: B, value: "2"}, {name: A, value: "1"}]
        resources: {limits: {cpu: 500m, memory: 1Gi}}
        terminationMessagePolicy: File
status: {replicas: 2, readyReplicas: 2}
`

func mustParse(t *testing.T, manifests ...string) []Object {
	t.Helper()
	objs, err := ParseManifest(strings.Join(manifests, "\n---\n"), "prod")
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func liveOf(t *testing.T, manifests ...string) map[Key]Object {
	t.Helper()
	out := map[Key]Object{}
	for _, o := range mustParse(t, manifests...) {
		out[o.Key()] = o
	}
	return out
}

func only(t *testing.T, r Report) Resource {
	t.Helper()
	if len(r.Resources) != 1 {
		t.Fatalf("%d resources, want 1", len(r.Resources))
	}
	return r.Resources[0]
}

func contains(t *testing.T, what, s string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, s)
		}
	}
}

func TestCompare(t *testing.T) {
	web := KeyOf("apps/v1", "Deployment", "prod", "web")
	tests := []struct {
		name            string
		stored, desired string
		live            []string // nil: live not read
		opt             Options
		check           func(t *testing.T, r Report)
	}{
		{"field added", deploy, strings.Replace(deploy, "image: busybox", "image: busybox\n        args: [sleep]", 1), nil, Options{},
			func(t *testing.T, r Report) {
				res := only(t, r)
				if res.Status != Changed || r.Changes() != 1 {
					t.Fatalf("status %s, changes %d", res.Status, r.Changes())
				}
				contains(t, "Diff", res.Diff, "--- stored Deployment.apps/web (namespace prod)\n+++ desired Deployment.apps/web (namespace prod)\n", "+      - args:\n+        - sleep\n")
			}},
		{"field removed", deploy, strings.Replace(deploy, "        resources: {limits: {cpu: \"0.5\", memory: 1Gi}}\n", "", 1), nil, Options{},
			func(t *testing.T, r Report) {
				res := only(t, r)
				contains(t, "Diff", res.Diff, "-        resources:\n", "-            memory: 1Gi\n")
				if strings.Contains(res.Diff, "\n+ ") {
					t.Errorf("removal shows additions:\n%s", res.Diff)
				}
			}},
		{"containers and env reordered is no change", deploy, `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  selector: {matchLabels: {app: web}}
  replicas: 2.0
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: sidecar, image: busybox}
      - name: web
        resources: {limits: {memory: 1Gi, cpu: "0.5"}}
        env: [{name: B, value: "2"}, {value: "1", name: A}]
        image: nginx:1.25
`, nil, Options{},
			func(t *testing.T, r Report) {
				if res := only(t, r); res.Status != Unchanged || res.Diff != "" || r.Changes() != 0 {
					t.Errorf("status %s, diff:\n%s", res.Status, res.Diff)
				}
			}},
		{"server defaults, injected sidecar, canonical quantities are no drift", deploy, deploy, []string{liveDeploy}, Options{},
			func(t *testing.T, r Report) {
				if res := only(t, r); res.Status != Unchanged || res.LiveDiff != "" || res.LiveMissing || r.Drifted != 0 {
					t.Errorf("%+v", res)
				}
			}},
		{"replicas scaled by hand shows as live diff", deploy, deploy, []string{strings.Replace(liveDeploy, "replicas: 2\n", "replicas: 5\n", 1)}, Options{},
			func(t *testing.T, r Report) {
				res := only(t, r)
				if res.Status != Unchanged || r.Drifted != 1 || r.Changes() != 0 {
					t.Fatalf("status %s drifted %d", res.Status, r.Drifted)
				}
				contains(t, "LiveDiff", res.LiveDiff, "--- live Deployment.apps/web (namespace prod)\n+++ desired", "-  replicas: 5\n+  replicas: 2\n")
				contains(t, "Text", r.Text(0), "0 changes: 0 added, 0 removed, 0 changed, 1 unchanged; 1 changed in the cluster", "-  replicas: 5\n")
				if strings.Contains(res.LiveDiff, "dnsPolicy") || strings.Contains(res.LiveDiff, "istio") {
					t.Errorf("server defaults in LiveDiff:\n%s", res.LiveDiff)
				}
			}},
		{"deleted object is LiveMissing", deploy, deploy, []string{}, Options{},
			func(t *testing.T, r Report) {
				if res := only(t, r); !res.LiveMissing || res.LiveDiff != "" {
					t.Errorf("%+v", res)
				}
				contains(t, "Text", r.Text(0), "# Deployment.apps/web (namespace prod): in the last release but not in the cluster\n")
			}},
		{"added object that exists without ownership", "", deploy, []string{strings.Replace(liveDeploy, "meta.helm.sh/release-name: rel", "meta.helm.sh/release-name: other", 1)},
			Options{ReleaseName: "rel", ReleaseNamespace: "prod"},
			func(t *testing.T, r Report) {
				res := only(t, r)
				if res.Status != Added || r.Added != 1 || r.Changes() != 1 {
					t.Fatalf("%+v", res)
				}
				contains(t, "Conflict", res.Conflict, `Deployment "web" in namespace "prod" exists and cannot be imported into the current release: invalid ownership metadata; annotation validation error: key "meta.helm.sh/release-name" must equal "rel": current value is "other"`)
				contains(t, "Diff", res.Diff, "@@ -0,0 +1,", "+kind: Deployment\n")
			}},
		{"removed object with keep policy", strings.Replace(deploy, "labels: {app: web}\nspec", "labels: {app: web}\n  annotations: {helm.sh/resource-policy: keep}\nspec", 1), "", nil, Options{},
			func(t *testing.T, r Report) {
				res := only(t, r)
				if res.Status != Removed || !res.Kept || r.Removed != 1 {
					t.Fatalf("%+v", res)
				}
				contains(t, "Diff", res.Diff, "-kind: Deployment\n", "+++ desired")
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var live map[Key]Object
			if tt.live != nil {
				live = liveOf(t, tt.live...)
			}
			r := Compare(mustParse(t, tt.desired), mustParse(t, tt.stored), live, tt.opt)
			if len(r.Resources) > 0 && r.Resources[0].Key != web {
				t.Fatalf("key %v", r.Resources[0].Key)
			}
			tt.check(t, r)
		})
	}
}

func TestLiveIntegersEqualYAMLNumbers(t *testing.T) {
	live := liveOf(t, liveDeploy)
	k := KeyOf("apps/v1", "Deployment", "prod", "web")
	live[k].Body["spec"].(map[string]any)["replicas"] = int64(2) // as unstructured decodes it
	if r := Compare(mustParse(t, deploy), mustParse(t, deploy), live, Options{}); r.Drifted != 0 {
		t.Errorf("int64 vs float64 replicas drifted:\n%s", r.Resources[0].LiveDiff)
	}
}

func TestChangesAndText(t *testing.T) {
	cm := func(name, v string) string {
		return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + "}\ndata: {k: \"" + v + "\"}\n"
	}
	stored := mustParse(t, cm("same", "1"), cm("changed", "1"), cm("gone", "1"))
	desired := mustParse(t, cm("same", "1"), cm("changed", "2"), cm("new", "1"), cm("new2", "1"))
	r := Compare(desired, stored, nil, Options{})
	if r.Added != 2 || r.Removed != 1 || r.Changed != 1 || r.Unchanged != 1 || r.Changes() != 4 {
		t.Fatalf("counts %+v", r)
	}
	full := r.Text(0)
	contains(t, "Text", full, "4 changes: 2 added, 1 removed, 1 changed, 1 unchanged\n", "-  k: \"1\"\n+  k: \"2\"\n", "--- stored ConfigMap/gone (namespace prod)\n")
	if strings.Contains(full, "ConfigMap/same") {
		t.Errorf("unchanged resource rendered:\n%s", full)
	}
	for _, max := range []int{len(full), 120, 80, 60} {
		got := r.Text(max)
		if max == len(full) {
			if got != full {
				t.Errorf("Text(len) truncated")
			}
			continue
		}
		head, _, ok := strings.Cut(got, "... diff truncated: ")
		if len(got) > max || !ok || !strings.HasPrefix(full, head) || (head != "" && !strings.HasSuffix(head, "\n")) ||
			!strings.HasSuffix(got, fmt.Sprintf("%d of %d bytes shown\n", len(head), len(full))) {
			t.Errorf("Text(%d) = %d bytes:\n%s", max, len(got), got)
		}
	}
	if got := r.Text(5); !strings.HasPrefix(got, "... diff truncated: 0 of") {
		t.Errorf("Text(5) = %q", got)
	}
}
