// Package diff compares a Helm release's manifests with each other and with the cluster's live
// objects: what an upgrade will add, remove and change (Compare), and what was changed by hand
// since the last release (Drift). It is pure: the caller parses nothing but strings, fetches the
// live objects itself and passes them in as decoded maps. No output ever carries a Secret's
// data, nor a value of Options.Secrets or its base64.
package diff

import (
	"bufio"
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"
)

// Object is one Kubernetes object: from a manifest (ParseManifest) or live (NewObject).
// Body is the whole object as decoded YAML/JSON (sigs.k8s.io/yaml or unstructured content).
type Object struct {
	APIVersion, Kind, Namespace, Name string
	Source                            string // the manifest's "# Source:" template path, if any
	Body                              map[string]any
}

// Key identifies an object across manifests and the cluster: API group (not version, so
// apps/v1 and apps/v1beta2 are the same object), kind, namespace and name.
type Key struct {
	Group, Kind, Namespace, Name string
}

// KeyOf returns the key of an object of that apiVersion ("apps/v1", "v1"), kind, namespace and name.
func KeyOf(apiVersion, kind, namespace, name string) Key {
	group := ""
	if i := strings.LastIndex(apiVersion, "/"); i >= 0 {
		group = apiVersion[:i]
	}
	return Key{Group: group, Kind: kind, Namespace: namespace, Name: name}
}

// Key returns o's identity.
func (o Object) Key() Key { return KeyOf(o.APIVersion, o.Kind, o.Namespace, o.Name) }

// String is Kind[.group]/name, followed by " (namespace ns)" for a namespace.
func (k Key) String() string {
	s := k.Kind
	if k.Group != "" {
		s += "." + k.Group
	}
	s += "/" + k.Name
	if k.Namespace != "" {
		s += " (namespace " + k.Namespace + ")"
	}
	return s
}

// NewObject wraps a decoded object, reading apiVersion, kind, metadata.name and
// metadata.namespace from it; defaultNamespace stands in for a missing namespace.
func NewObject(body map[string]any, defaultNamespace string) (Object, error) {
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	md, _ := body["metadata"].(map[string]any)
	o := Object{APIVersion: str(body, "apiVersion"), Kind: str(body, "kind"),
		Name: str(md, "name"), Namespace: str(md, "namespace"), Body: body}
	if o.Namespace == "" {
		o.Namespace = defaultNamespace
	}
	switch {
	case o.Kind == "":
		return o, fmt.Errorf("object without kind")
	case o.APIVersion == "":
		return o, fmt.Errorf("%s %q has no apiVersion", o.Kind, o.Name)
	case o.Name == "":
		return o, fmt.Errorf("%s without metadata.name", o.Kind)
	}
	return o, nil
}

// ParseManifest splits a multi-document manifest (a release's manifest or `helm template`
// output) into objects. Documents that are empty or only comments are skipped; a document's
// "# Source: path" comment becomes Object.Source; a kind ending in "List" with items yields its
// items. Objects without metadata.namespace get defaultNamespace — every kind, because this
// package cannot tell cluster-scoped kinds: parse stored and desired manifests with the same
// defaultNamespace and key the live map with the same Key (as kube.ObjectRef does), and
// identities agree. Duplicate keys are returned as they come; Compare and Drift keep the last.
func ParseManifest(manifest, defaultNamespace string) ([]Object, error) {
	var out []Object
	n := 0
	for _, doc := range splitDocuments(manifest) {
		n++
		src := sourceOf(doc)
		var body map[string]any
		if err := yaml.Unmarshal([]byte(doc), &body); err != nil {
			return nil, fmt.Errorf("manifest document %d%s: %w", n, inSource(src), err)
		}
		if len(body) == 0 {
			continue
		}
		bodies := []map[string]any{body}
		if kind, _ := body["kind"].(string); strings.HasSuffix(kind, "List") {
			if items, ok := body["items"].([]any); ok {
				bodies = bodies[:0]
				for _, it := range items {
					if m, ok := it.(map[string]any); ok {
						bodies = append(bodies, m)
					}
				}
			}
		}
		for _, b := range bodies {
			o, err := NewObject(b, defaultNamespace)
			if err != nil {
				return nil, fmt.Errorf("manifest document %d%s: %w", n, inSource(src), err)
			}
			o.Source = src
			out = append(out, o)
		}
	}
	return out, nil
}

func inSource(src string) string {
	if src == "" {
		return ""
	}
	return " (" + src + ")"
}

// splitDocuments splits at lines starting with "---" (a YAML document marker: a "---" inside
// a block scalar is indented, so it is not one).
func splitDocuments(manifest string) []string {
	var docs []string
	var cur strings.Builder
	sc := bufio.NewScanner(strings.NewReader(manifest))
	sc.Buffer(make([]byte, 64*1024), len(manifest)+1)
	for sc.Scan() {
		line := sc.Text()
		if isSeparator(line) {
			docs = append(docs, cur.String())
			cur.Reset()
			line = line[3:] // "--- # Source: x" keeps its comment
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
	}
	docs = append(docs, cur.String())
	out := docs[:0]
	for _, d := range docs {
		if strings.TrimSpace(d) != "" {
			out = append(out, d)
		}
	}
	return out
}

func isSeparator(line string) bool {
	if !strings.HasPrefix(line, "---") {
		return false
	}
	rest := line[3:]
	return rest == "" || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '#' || rest[0] == '\r'
}

func sourceOf(doc string) string {
	for _, line := range strings.Split(doc, "\n") {
		if s, ok := strings.CutPrefix(strings.TrimSpace(line), "# Source:"); ok {
			return strings.TrimSpace(s)
		}
	}
	return ""
}
