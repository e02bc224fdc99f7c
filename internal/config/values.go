package config

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"sigs.k8s.io/yaml"
)

// decodeYAML decodes a YAML document the way Helm reads values (YAML 1.1 via
// sigs.k8s.io/yaml, duplicate keys rejected), except that integers become
// int64 instead of float64, so large numbers keep their digits when rendered.
// Other numbers become float64.
func decodeYAML(raw string) (any, error) {
	var v any
	if err := yaml.UnmarshalStrict([]byte(raw), &v, func(d *json.Decoder) *json.Decoder {
		d.UseNumber()
		return d
	}); err != nil {
		return nil, err
	}
	return normalizeNumbers(v), nil
}

func normalizeNumbers(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = normalizeNumbers(e)
		}
	case []any:
		for i, e := range t {
			t[i] = normalizeNumbers(e)
		}
	case json.Number:
		if n, err := t.Int64(); err == nil {
			return n
		}
		if f, err := t.Float64(); err == nil {
			return f
		}
		return t.String()
	}
	return v
}

// kindOf names the YAML kind of a decoded value for error messages.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "empty"
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	default:
		return "a number"
	}
}

// mapping reads an input that must hold a YAML mapping. Empty input is nil.
func (r *reader) mapping(name string) map[string]any {
	raw, spec := r.raw(name)
	if raw == "" {
		return nil
	}
	v, err := decodeYAML(raw)
	if err != nil {
		r.add(spec, raw, "%s", yamlReason(err))
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		r.add(spec, raw, "must be a YAML mapping (key: value lines), but it is %s", kindOf(v))
		return nil
	}
	return m
}

// scalars lists every scalar in v as a string (maps in key order), skipping
// nulls and empty strings.
func scalars(v any, out []string) []string {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = scalars(t[k], out)
		}
	case []any:
		for _, e := range t {
			out = scalars(e, out)
		}
	case nil:
	case string:
		if strings.TrimSpace(t) != "" {
			out = append(out, t)
		}
	case bool:
		out = append(out, strconv.FormatBool(t))
	case int64:
		out = append(out, strconv.FormatInt(t, 10))
	case float64:
		if !math.IsInf(t, 0) && !math.IsNaN(t) {
			out = append(out, strconv.FormatFloat(t, 'g', -1, 64))
		}
	default:
		out = append(out, fmt.Sprint(t))
	}
	return out
}
