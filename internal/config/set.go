package config

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// maxSetIndex bounds list indices in set keys so a typo cannot allocate a
// huge list; maxSetListEntries bounds the entries of all lists that set keys
// build together, so many keys (or nested indices) cannot either. Longer
// lists belong in values or a values file, written out as lists.
const (
	maxSetIndex       = 1000
	maxSetListEntries = 10000
	setListHint       = "write long lists out as a YAML list in values or a values file"
)

// segment is one step of a dotted set key: a map key or a list index.
type segment struct {
	name  string
	index int
	isIdx bool
}

// parseSetKey splits "a.b\.c[0].d" into a, b.c, [0], d. A backslash escapes
// '.', '[', ']' and '\'; any other backslash is kept as it is.
func parseSetKey(key string) ([]segment, error) {
	var (
		segs      []segment
		cur       strings.Builder
		hasName   bool // cur holds a (possibly empty-looking) name being built
		afterIdx  bool // the previous token was a closing ']'
		expectSeg = true
	)
	flush := func() error {
		if !hasName {
			if afterIdx {
				return nil
			}
			return fmt.Errorf("key %q has an empty part (two dots, or a dot at the start or end)", key)
		}
		segs = append(segs, segment{name: cur.String()})
		cur.Reset()
		hasName = false
		return nil
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case c == '\\' && i+1 < len(key) && strings.IndexByte(`.[]\`, key[i+1]) >= 0:
			i++
			cur.WriteByte(key[i])
			hasName, afterIdx, expectSeg = true, false, false
		case c == '.':
			if err := flush(); err != nil {
				return nil, err
			}
			afterIdx, expectSeg = false, true
		case c == '[':
			if hasName {
				if err := flush(); err != nil {
					return nil, err
				}
			} else if !afterIdx {
				return nil, fmt.Errorf("key %q has a list index [N] that does not follow a name", key)
			}
			end := strings.IndexByte(key[i:], ']')
			if end < 0 {
				return nil, fmt.Errorf("key %q has an unclosed [", key)
			}
			digits := key[i+1 : i+end]
			if !isDigits(digits) {
				return nil, fmt.Errorf("key %q: list index [%s] is not a whole number", key, digits)
			}
			n, err := strconv.Atoi(digits)
			if err != nil || n > maxSetIndex {
				return nil, fmt.Errorf("key %q: list index [%s] is over the limit of %d; %s", key, digits, maxSetIndex, setListHint)
			}
			segs = append(segs, segment{index: n, isIdx: true})
			i += end
			afterIdx, expectSeg = true, false
		case c == ']':
			return nil, fmt.Errorf("key %q has a ] without [", key)
		default:
			if afterIdx {
				return nil, fmt.Errorf("key %q: a list index must be followed by '.', '[' or the end of the key", key)
			}
			cur.WriteByte(c)
			hasName, expectSeg = true, false
		}
	}
	if expectSeg {
		return nil, fmt.Errorf("key %q has an empty part (two dots, or a dot at the start or end)", key)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return segs, nil
}

// expandSet turns {"a.b[0]": v} into {"a": {"b": [v]}}. Keys are applied in
// sorted order; a key that would overwrite or reshape what another key set
// is an error naming both keys.
func expandSet(flat map[string]any) (map[string]any, []error) {
	keys := make([]string, 0, len(flat))
	for k := range flat {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var (
		root  any = map[string]any{}
		errs  []error
		done  []string
		paths = map[string][]segment{}
		room  = maxSetListEntries // list entries still allowed
	)
	for _, k := range keys {
		path, err := parseSetKey(k)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		before := room
		next, ok := put(root, path, flat[k], &room)
		if !ok && room < 0 {
			errs = append(errs, fmt.Errorf("key %q: the lists built from set keys would hold more than %d entries in all; %s", k, maxSetListEntries, setListHint))
			break
		}
		if !ok {
			room = before
			errs = append(errs, fmt.Errorf("key %q conflicts with %s", k, conflictWith(path, done, paths)))
			continue
		}
		root = next
		done = append(done, k)
		paths[k] = path
	}
	return root.(map[string]any), errs
}

// conflictWith names the earlier key that shares the longest leading part
// of path, which is the one that put something incompatible there.
func conflictWith(path []segment, done []string, paths map[string][]segment) string {
	best, bestLen := "", 0
	for _, k := range done {
		if n := commonPrefix(paths[k], path); n > bestLen {
			best, bestLen = k, n
		}
	}
	if best == "" {
		return "another key"
	}
	return fmt.Sprintf("key %q", best)
}

func commonPrefix(a, b []segment) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// put stores val at path below cur (nil = nothing there yet) and returns the
// updated node, or false when something incompatible is already there or
// when lists would grow by more than *room entries (then *room is -1).
func put(cur any, path []segment, val any, room *int) (any, bool) {
	if len(path) == 0 {
		if cur == nil {
			return val, true
		}
		cm, ok1 := cur.(map[string]any)
		vm, ok2 := val.(map[string]any)
		if !ok1 || !ok2 {
			return cur, false
		}
		for k, v := range vm {
			n, ok := put(cm[k], nil, v, room)
			if !ok {
				return cur, false
			}
			cm[k] = n
		}
		return cm, true
	}
	s := path[0]
	if s.isIdx {
		var list []any
		switch t := cur.(type) {
		case nil:
		case []any:
			list = t
		default:
			return cur, false
		}
		if grow := s.index + 1 - len(list); grow > 0 {
			if grow > *room {
				*room = -1
				return cur, false
			}
			*room -= grow
			list = append(list, make([]any, grow)...)
		}
		n, ok := put(list[s.index], path[1:], val, room)
		if !ok {
			return cur, false
		}
		list[s.index] = n
		return list, true
	}
	var m map[string]any
	switch t := cur.(type) {
	case nil:
		m = map[string]any{}
	case map[string]any:
		m = t
	default:
		return cur, false
	}
	n, ok := put(m[s.name], path[1:], val, room)
	if !ok {
		return cur, false
	}
	m[s.name] = n
	return m, true
}

// set reads the set input: a YAML mapping of dotted keys to typed values.
func (r *reader) set() map[string]any {
	flat := r.mapping("set")
	if flat == nil {
		return nil
	}
	out, errs := expandSet(flat)
	raw := r.str("set")
	for _, err := range errs {
		r.fail("set", raw, "%v", err)
	}
	if len(errs) > 0 {
		return nil
	}
	return out
}
