package release

import (
	"bytes"
	"fmt"
	"strings"

	"helm.sh/helm/v3/pkg/postrender"
	"sigs.k8s.io/yaml"
)

// RolloutAnnotation is the pod-template annotation ForceRollout sets: a new value on every run
// makes Kubernetes roll the pods even when nothing else in the template changed (a ConfigMap
// the pods read changed, a mutable image tag was pushed again).
const RolloutAnnotation = "helm-deploy-action.github.io/rollout"

// podTemplateKinds are the kinds whose spec.template is a pod template that rolls on change.
var podTemplateKinds = map[string]bool{"Deployment": true, "StatefulSet": true, "DaemonSet": true}

// forceRollout is an in-process post-renderer: it sets RolloutAnnotation to value on the pod
// template of every Deployment, StatefulSet and DaemonSet of the manifest, leaving every other
// document byte for byte as Helm rendered it.
type forceRollout struct{ value string }

var _ postrender.PostRenderer = forceRollout{}

func (f forceRollout) Run(rendered *bytes.Buffer) (*bytes.Buffer, error) {
	docs := splitDocs(rendered.String())
	var out bytes.Buffer
	for i, doc := range docs {
		if i > 0 {
			out.WriteString("\n---\n")
		}
		annotated, err := f.annotate(doc)
		if err != nil {
			return nil, err
		}
		out.WriteString(annotated)
	}
	return &out, nil
}

func (f forceRollout) annotate(doc string) (string, error) {
	var head struct {
		Kind string `json:"kind"`
	}
	if err := yaml.Unmarshal([]byte(doc), &head); err != nil || !podTemplateKinds[head.Kind] {
		return doc, nil // not ours to change; Helm reports documents it cannot parse
	}
	var obj map[string]any
	if err := yaml.Unmarshal([]byte(doc), &obj); err != nil {
		return doc, nil
	}
	tmpl, ok := dig(obj, "spec", "template")
	if !ok {
		return doc, nil
	}
	meta, _ := tmpl["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		tmpl["metadata"] = meta
	}
	ann, _ := meta["annotations"].(map[string]any)
	if ann == nil {
		ann = map[string]any{}
		meta["annotations"] = ann
	}
	ann[RolloutAnnotation] = f.value
	b, err := yaml.Marshal(obj)
	if err != nil {
		return "", fmt.Errorf("force-rollout: re-encoding a %s: %w", head.Kind, err)
	}
	return sourceComment(doc) + string(b), nil
}

// dig returns the map at path inside obj.
func dig(obj map[string]any, path ...string) (map[string]any, bool) {
	cur := obj
	for _, p := range path {
		next, ok := cur[p].(map[string]any)
		if !ok {
			return nil, false
		}
		cur = next
	}
	return cur, true
}

// sourceComment keeps Helm's "# Source: chart/templates/x.yaml" line of a document.
func sourceComment(doc string) string {
	var b strings.Builder
	for _, l := range strings.Split(doc, "\n") {
		if t := strings.TrimSpace(l); strings.HasPrefix(t, "# Source:") {
			b.WriteString(t + "\n")
		}
	}
	return b.String()
}

// splitDocs splits a multi-document manifest on its "---" separator lines.
func splitDocs(s string) []string {
	var docs []string
	var cur strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimRight(l, " \t\r") == "---" {
			docs = append(docs, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteString(l + "\n")
	}
	return append(docs, cur.String())
}

// chain runs post-renderers in order; nil ones are skipped.
type chain []postrender.PostRenderer

func (c chain) Run(in *bytes.Buffer) (*bytes.Buffer, error) {
	var err error
	for _, p := range c {
		if p == nil {
			continue
		}
		if in, err = p.Run(in); err != nil {
			return nil, err
		}
	}
	return in, nil
}

// postRenderers builds the run's post-renderer: the force-rollout annotation first, then the
// inspector that sees the final manifest.
func postRenderers(o Options) postrender.PostRenderer {
	var c chain
	if o.ForceRollout != "" {
		c = append(c, forceRollout{value: o.ForceRollout})
	}
	if p := postRenderer(o.Inspect); p != nil {
		c = append(c, p)
	}
	if len(c) == 0 {
		return nil
	}
	return c
}
