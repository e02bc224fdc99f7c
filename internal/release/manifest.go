package release

import (
	"bytes"
	"sort"

	"helm.sh/helm/v3/pkg/postrender"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/releaseutil"
	"sigs.k8s.io/yaml"
)

// inspector is a pass-through post-renderer: Helm hands it the rendered
// manifest (without hooks) before building and applying anything.
type inspector struct{ fn func(string) }

var _ postrender.PostRenderer = inspector{}

func (p inspector) Run(rendered *bytes.Buffer) (*bytes.Buffer, error) {
	p.fn(rendered.String())
	return rendered, nil
}

func postRenderer(fn func(string)) postrender.PostRenderer {
	if fn == nil {
		return nil
	}
	return inspector{fn: fn}
}

// resources lists the objects of a manifest in manifest order. Documents that
// are not objects (empty, comments only, unparsable) are skipped.
func resources(manifest string) []Resource {
	docs := releaseutil.SplitManifests(manifest)
	keys := make([]string, 0, len(docs))
	for k := range docs {
		keys = append(keys, k)
	}
	sort.Sort(releaseutil.BySplitManifestsOrder(keys))
	var out []Resource
	for _, k := range keys {
		var head struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name      string `json:"name"`
				Namespace string `json:"namespace"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal([]byte(docs[k]), &head); err != nil || head.Kind == "" {
			continue
		}
		out = append(out, Resource{Kind: head.Kind, Name: head.Metadata.Name, Namespace: head.Metadata.Namespace})
	}
	return out
}

// fill copies what Helm recorded for rel into r.
func (r *Result) fill(rel *release.Release) {
	if rel == nil {
		return
	}
	r.Release = rel.Name
	if rel.Namespace != "" {
		r.Namespace = rel.Namespace
	}
	r.Revision = rel.Version
	if rel.Info != nil {
		r.Status = rel.Info.Status.String()
		r.Description = rel.Info.Description
	}
	if rel.Chart != nil && rel.Chart.Metadata != nil {
		r.ChartName = rel.Chart.Metadata.Name
		r.ChartVersion = rel.Chart.Metadata.Version
		r.AppVersion = rel.Chart.Metadata.AppVersion
	}
	r.Manifest = rel.Manifest
	r.Resources = resources(rel.Manifest)
}
