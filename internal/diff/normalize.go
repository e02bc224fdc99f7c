package diff

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
)

// Fields removed from every object before comparing: the server writes them, or Helm does
// (its ownership annotations are on live objects only). metadata.namespace is in the Key.
// ownerReferences are kept: a chart that sets them means it, and on live objects pruning drops
// the ones a controller added.
var (
	strippedMetadata    = []string{"managedFields", "resourceVersion", "uid", "creationTimestamp", "generation", "selfLink", "namespace"}
	strippedAnnotations = []string{
		"kubectl.kubernetes.io/last-applied-configuration", "deployment.kubernetes.io/revision",
		"meta.helm.sh/release-name", "meta.helm.sh/release-namespace",
	}
)

// mergeKeys are the fields by which list items are matched and sorted, tried in order; the
// first one every item has, with distinct values, is the list's key (volumeMounts that mount
// one volume twice fall through from name to mountPath).
var mergeKeys = []string{"name", "mountPath", "devicePath", "containerPort", "port", "ip"}

// orderedLists keep their order although their items have names: init containers run in turn.
var orderedLists = map[string]bool{"initContainers": true}

// number is a canonical number: 1 from YAML (float64), from unstructured (int64) and 1.0 are
// all "1", so they compare equal; it renders as a JSON number.
type number string

func (n number) MarshalJSON() ([]byte, error) {
	if f, err := strconv.ParseFloat(string(n), 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
		return []byte(n), nil
	}
	return json.Marshal(string(n))
}

// normalize returns a canonical deep copy of body: numbers as number, nil map values dropped,
// server and Helm bookkeeping stripped, lists of keyed items sorted by key.
func normalize(body map[string]any) map[string]any {
	m, _ := canon(body).(map[string]any)
	if m == nil {
		m = map[string]any{}
	}
	delete(m, "status")
	if md, ok := m["metadata"].(map[string]any); ok {
		for _, k := range strippedMetadata {
			delete(md, k)
		}
		for _, f := range []string{"annotations", "labels"} {
			a, ok := md[f].(map[string]any)
			if !ok {
				continue
			}
			if f == "annotations" {
				for _, k := range strippedAnnotations {
					delete(a, k)
				}
			}
			if len(a) == 0 {
				delete(md, f)
			}
		}
	}
	sortLists(m, "")
	return m
}

func canon(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			if e != nil {
				m[k] = canon(e)
			}
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = canon(e)
		}
		return l
	case []map[string]any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = canon(e)
		}
		return l
	case []string:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = e
		}
		return l
	case nil, string, bool, number, digest:
		return x
	case int:
		return number(strconv.FormatInt(int64(x), 10))
	case int32:
		return number(strconv.FormatInt(int64(x), 10))
	case int64:
		return number(strconv.FormatInt(x, 10))
	case uint64:
		return number(strconv.FormatUint(x, 10))
	case float32:
		return floatNumber(float64(x))
	case float64:
		return floatNumber(x)
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return number(strconv.FormatInt(i, 10))
		}
		if f, err := x.Float64(); err == nil {
			return floatNumber(f)
		}
		return number(x)
	default:
		return fmt.Sprint(x)
	}
}

func floatNumber(f float64) number {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return number(strconv.FormatInt(int64(f), 10))
	}
	return number(strconv.FormatFloat(f, 'g', -1, 64))
}

// sortLists sorts, in place and recursively, every list whose items have a merge key.
func sortLists(v any, field string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			sortLists(e, k)
		}
	case []any:
		for _, e := range x {
			sortLists(e, "")
		}
		if k := mergeKey(x); k != "" && !orderedLists[field] {
			sort.SliceStable(x, func(i, j int) bool { return keyValue(x[i], k) < keyValue(x[j], k) })
		}
	}
}

// mergeKey returns the field that identifies l's items, or "" when they are not all maps
// with one of mergeKeys set to distinct scalar values.
func mergeKey(l []any) string {
	if len(l) == 0 {
		return ""
	}
next:
	for _, k := range mergeKeys {
		seen := map[string]bool{}
		for _, e := range l {
			m, ok := e.(map[string]any)
			if !ok {
				return ""
			}
			switch m[k].(type) {
			case string, number:
			default:
				continue next
			}
			v := keyValue(m, k)
			if seen[v] {
				continue next
			}
			seen[v] = true
		}
		return k
	}
	return ""
}

func keyValue(item any, k string) string {
	m, _ := item.(map[string]any)
	return fmt.Sprint(m[k])
}
