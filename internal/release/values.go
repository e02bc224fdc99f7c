package release

import (
	"fmt"

	"helm.sh/helm/v3/pkg/chartutil"
)

// mergeValues reads the values files in order, then merges the inline layers in
// order after them. Later sources win; nested maps are merged key by key, any
// other value (lists included) is replaced whole, as `helm -f a -f b --set` does.
// The inputs are not modified.
func mergeValues(files []string, layers []map[string]any) (map[string]any, error) {
	out := map[string]any{}
	for _, f := range files {
		vals, err := chartutil.ReadValuesFile(f)
		if err != nil {
			return nil, fmt.Errorf("values file %s: %w", f, err)
		}
		out = mergeMaps(out, vals)
	}
	for _, layer := range layers {
		out = mergeMaps(out, layer)
	}
	return out, nil
}

// mergeMaps returns a new map: a overlaid by b.
func mergeMaps(a, b map[string]any) map[string]any {
	out := make(map[string]any, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if bm, ok := asMap(v); ok {
			if am, ok := asMap(out[k]); ok {
				out[k] = mergeMaps(am, bm)
				continue
			}
			out[k] = mergeMaps(nil, bm)
			continue
		}
		out[k] = v
	}
	return out
}

func asMap(v any) (map[string]any, bool) {
	switch m := v.(type) {
	case map[string]any:
		return m, true
	case chartutil.Values:
		return m, true
	}
	return nil, false
}
