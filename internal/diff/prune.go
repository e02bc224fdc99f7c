package diff

import (
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"regexp"
	"sort"
)

// prune returns the part of the (normalized) live value that shape has: map keys shape lacks
// are dropped (server defaults, fields other controllers own), items of keyed lists are matched
// by key and live-only items dropped (injected sidecars, env added with kubectl set env keep
// working: Helm's strategic merge patch keeps them too), other lists are pruned item by item
// with surplus live items kept (Helm replaces such lists whole). A field shape sets to an empty
// map or list that live omits counts as equal, and so do quantities the server rewrote
// ("0.5" and "500m", 1 and "1").
func prune(live, shape any) any {
	switch s := shape.(type) {
	case map[string]any:
		l, ok := live.(map[string]any)
		if !ok {
			return live
		}
		out := make(map[string]any, len(s))
		for k, sv := range s {
			if lv, ok := l[k]; ok {
				out[k] = prune(lv, sv)
			} else if isEmpty(sv) {
				out[k] = sv
			}
		}
		return out
	case []any:
		l, ok := live.([]any)
		if !ok {
			return live
		}
		out := []any{}
		if k := mergeKey(s); k != "" {
			byKey := map[string]any{}
			for _, e := range s {
				byKey[keyValue(e, k)] = e
			}
			for _, e := range l {
				if se, ok := byKey[keyValue(e, k)]; ok {
					out = append(out, prune(e, se))
				}
			}
			return out
		}
		for i, e := range l {
			if i < len(s) {
				out = append(out, prune(e, s[i]))
			} else {
				out = append(out, e)
			}
		}
		return out
	default:
		if sameQuantity(live, shape) {
			return shape
		}
		return live
	}
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}

var quantityRE = regexp.MustCompile(`^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))([eE][+-]?[0-9]+)?(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$`)

var quantitySuffix = map[string]*big.Rat{
	"": big.NewRat(1, 1), "n": big.NewRat(1, 1e9), "u": big.NewRat(1, 1e6), "m": big.NewRat(1, 1e3),
	"k": big.NewRat(1e3, 1), "M": big.NewRat(1e6, 1), "G": big.NewRat(1e9, 1), "T": big.NewRat(1e12, 1),
	"P": big.NewRat(1e15, 1), "E": big.NewRat(1e18, 1), "Ki": big.NewRat(1<<10, 1), "Mi": big.NewRat(1<<20, 1),
	"Gi": big.NewRat(1<<30, 1), "Ti": big.NewRat(1<<40, 1), "Pi": big.NewRat(1<<50, 1), "Ei": big.NewRat(1<<60, 1),
}

// sameQuantity reports whether a and b differ but read as the same Kubernetes quantity. At
// least one must be a number or carry a suffix or exponent, so that strings such as versions
// ("1.10" and "1.1") are never taken for quantities.
func sameQuantity(a, b any) bool {
	if reflect.DeepEqual(a, b) {
		return false
	}
	_, as := a.(string)
	_, bs := b.(string)
	if !as && !bs {
		return false
	}
	qa, ua, ok1 := quantity(a)
	qb, ub, ok2 := quantity(b)
	return ok1 && ok2 && (!as || !bs || ua || ub) && qa.Cmp(qb) == 0
}

// quantity parses v as a quantity; unit reports a suffix or exponent.
func quantity(v any) (q *big.Rat, unit bool, ok bool) {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case number:
		s = string(x)
	default:
		return nil, false, false
	}
	m := quantityRE.FindStringSubmatch(s)
	if m == nil {
		return nil, false, false
	}
	r, ok := new(big.Rat).SetString(m[1] + m[2])
	if !ok {
		return nil, false, false
	}
	return r.Mul(r, quantitySuffix[m[3]]), m[2]+m[3] != "", true
}

// notSet stands for a field one side lacks.
const notSet = "(not set)"

// fieldDiffs appends, for each leaf where a (stored) and b (live) differ, its path and both
// values. Keyed list items are addressed as list[key], others as list[index].
func fieldDiffs(path string, a, b any, out *[]FieldDiff) {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		keys := map[string]bool{}
		for k := range am {
			keys[k] = true
		}
		for k := range bm {
			keys[k] = true
		}
		for _, k := range sortedKeys(keys) {
			av, aHas := am[k]
			bv, bHas := bm[k]
			fieldDiffs(join(path, k), present(av, aHas), present(bv, bHas), out)
		}
		return
	}
	al, aok := a.([]any)
	bl, bok := b.([]any)
	if aok && bok {
		if k := mergeKey(al); k != "" && (len(bl) == 0 || mergeKey(bl) == k) {
			as, bs := map[string]any{}, map[string]any{}
			keys := map[string]bool{}
			for _, e := range al {
				as[keyValue(e, k)], keys[keyValue(e, k)] = e, true
			}
			for _, e := range bl {
				bs[keyValue(e, k)], keys[keyValue(e, k)] = e, true
			}
			for _, kv := range sortedKeys(keys) {
				av, aHas := as[kv]
				bv, bHas := bs[kv]
				fieldDiffs(fmt.Sprintf("%s[%s]", path, kv), present(av, aHas), present(bv, bHas), out)
			}
			return
		}
		for i := 0; i < len(al) || i < len(bl); i++ {
			var av, bv any = absent{}, absent{}
			if i < len(al) {
				av = al[i]
			}
			if i < len(bl) {
				bv = bl[i]
			}
			fieldDiffs(fmt.Sprintf("%s[%d]", path, i), av, bv, out)
		}
		return
	}
	if !reflect.DeepEqual(a, b) {
		*out = append(*out, FieldDiff{Path: path, Stored: render(a), Live: render(b)})
	}
}

// absent marks a side that lacks the field.
type absent struct{}

func present(v any, ok bool) any {
	if !ok {
		return absent{}
	}
	return v
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// render formats a value for FieldDiff: scalars as they are, maps and lists as compact JSON.
func render(v any) string {
	switch x := v.(type) {
	case absent:
		return notSet
	case string:
		return x
	case number:
		return string(x)
	case nil:
		return "null"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("(unprintable: %v)", err)
	}
	return string(b)
}
