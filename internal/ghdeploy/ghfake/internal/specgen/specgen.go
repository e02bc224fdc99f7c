// Package specgen extracts the GitHub operations the fake serves (Deployments,
// Environments, issue comments and the authenticated user), and every
// component they reference, from GitHub's full OpenAPI description so the fake
// server can validate against a small file that loads quickly.
package specgen

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Paths are the REST paths the fake GitHub server implements.
var Paths = []string{
	"/repos/{owner}/{repo}/deployments",
	"/repos/{owner}/{repo}/deployments/{deployment_id}",
	"/repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
	"/repos/{owner}/{repo}/deployments/{deployment_id}/statuses/{status_id}",
	"/repos/{owner}/{repo}/environments",
	"/repos/{owner}/{repo}/environments/{environment_name}",
	"/repos/{owner}/{repo}/issues/{issue_number}/comments",
	"/repos/{owner}/{repo}/issues/comments/{comment_id}",
	"/user",
}

// ErrMissing reports a path or reference that the source description lacks.
var ErrMissing = errors.New("not in the OpenAPI description")

const componentsPrefix = "#/components/"

// Extract returns an indented OpenAPI document holding only paths (in full,
// every method) and the components they reference transitively. The output
// is deterministic: object keys are sorted.
func Extract(full []byte, paths []string) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(full))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("decode OpenAPI description: %w", err)
	}
	allPaths, _ := doc["paths"].(map[string]any)
	components, _ := doc["components"].(map[string]any)

	outPaths := map[string]any{}
	for _, p := range paths {
		item, ok := allPaths[p]
		if !ok {
			return nil, fmt.Errorf("path %s: %w", p, ErrMissing)
		}
		outPaths[p] = item
	}

	outComponents := map[string]any{}
	seen := map[string]bool{}
	queue := collectRefs(outPaths, nil)
	for len(queue) > 0 {
		ref := queue[0]
		queue = queue[1:]
		if seen[ref] {
			continue
		}
		seen[ref] = true
		section, name, err := splitRef(ref)
		if err != nil {
			return nil, err
		}
		src, _ := components[section].(map[string]any)
		value, ok := src[name]
		if !ok {
			return nil, fmt.Errorf("reference %s: %w", ref, ErrMissing)
		}
		dst, _ := outComponents[section].(map[string]any)
		if dst == nil {
			dst = map[string]any{}
			outComponents[section] = dst
		}
		dst[name] = value
		queue = collectRefs(value, queue)
	}

	out := map[string]any{
		"openapi":    doc["openapi"],
		"info":       doc["info"],
		"servers":    doc["servers"],
		"paths":      outPaths,
		"components": outComponents,
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("encode extracted description: %w", err)
	}
	return buf.Bytes(), nil
}

// collectRefs appends every "$ref" found in v, in a stable order.
func collectRefs(v any, acc []string) []string {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if s, ok := t[k].(string); ok && k == "$ref" {
				acc = append(acc, s)
				continue
			}
			acc = collectRefs(t[k], acc)
		}
	case []any:
		for _, e := range t {
			acc = collectRefs(e, acc)
		}
	}
	return acc
}

func splitRef(ref string) (section, name string, err error) {
	rest, ok := strings.CutPrefix(ref, componentsPrefix)
	if !ok {
		return "", "", fmt.Errorf("reference %q is not local to #/components: %w", ref, ErrMissing)
	}
	section, name, ok = strings.Cut(rest, "/")
	if !ok || strings.Contains(name, "/") {
		return "", "", fmt.Errorf("reference %q has an unexpected shape: %w", ref, ErrMissing)
	}
	return section, name, nil
}
