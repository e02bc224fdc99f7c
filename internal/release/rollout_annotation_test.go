package release

import (
	"bytes"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func TestForceRolloutAnnotatesPodTemplatesOnly(t *testing.T) {
	const manifest = `---
# Source: web/templates/configmap.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: web   # a comment Helm keeps
data:
  k: v
---
# Source: web/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    metadata:
      annotations:
        checksum/config: abc
    spec:
      containers: [{name: web, image: web:1}]
---
# Source: web/templates/sts.yaml
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  template:
    spec:
      containers: [{name: db, image: db:1}]
---
# Source: web/templates/job.yaml
apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  template:
    spec:
      containers: [{name: m, image: m:1}]
`
	out, err := forceRollout{value: "run-42-1"}.Run(bytes.NewBufferString(manifest))
	if err != nil {
		t.Fatal(err)
	}
	docs := splitDocs(out.String())
	want := map[string]bool{"ConfigMap": false, "Deployment": true, "StatefulSet": true, "Job": false}
	seen := 0
	for _, d := range docs {
		var obj struct {
			Kind string `json:"kind"`
			Spec struct {
				Template struct {
					Metadata struct {
						Annotations map[string]string `json:"annotations"`
					} `json:"metadata"`
				} `json:"template"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal([]byte(d), &obj); err != nil || obj.Kind == "" {
			continue
		}
		seen++
		got := obj.Spec.Template.Metadata.Annotations[RolloutAnnotation] == "run-42-1"
		if got != want[obj.Kind] {
			t.Errorf("%s annotated = %v, want %v:\n%s", obj.Kind, got, want[obj.Kind], d)
		}
		if obj.Kind == "Deployment" && obj.Spec.Template.Metadata.Annotations["checksum/config"] != "abc" {
			t.Error("the Deployment's own pod annotation was lost")
		}
		if !strings.Contains(d, "# Source: web/templates/") {
			t.Errorf("%s lost its # Source line", obj.Kind)
		}
	}
	if seen != 4 {
		t.Fatalf("%d documents out of 4", seen)
	}
	if !strings.Contains(out.String(), "name: web   # a comment Helm keeps") {
		t.Error("a document that needs no annotation was re-encoded")
	}
}

func TestPostRenderersChain(t *testing.T) {
	var inspected string
	p := postRenderers(Options{ForceRollout: "x", Inspect: func(m string) { inspected = m }})
	if _, err := p.Run(bytes.NewBufferString("apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: d}\nspec: {template: {spec: {}}}\n")); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(inspected, RolloutAnnotation) {
		t.Fatalf("the inspector did not see the annotated manifest:\n%s", inspected)
	}
	if postRenderers(Options{}) != nil {
		t.Fatal("a post-renderer with nothing to do")
	}
}
