package diff

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"reflect"
	"strings"
)

// digest stands for one value of a Secret's data while comparing; it never reaches output
// (redact replaces it by a status), and if it did it would print as "(hidden)".
type digest [sha256.Size]byte

func (digest) MarshalJSON() ([]byte, error) { return []byte(`"(hidden)"`), nil }

// Statuses of a Secret's data keys, as the diffs show them.
const (
	KeyUnchanged = "unchanged"
	KeyChanged   = "changed"
	KeyAdded     = "added"
	KeyRemoved   = "removed"
	// keyChangedOld is the stored (or live) side of a changed key, so the line differs.
	keyChangedOld = "changed (previous value)"
)

func isSecret(k Key) bool { return k.Group == "" && k.Kind == "Secret" }

// secretView replaces, in a normalized Secret, data (base64) and stringData (plain) by one
// data map of key → digest of the decoded value; stringData wins for a key in both, as on the
// API server, so a chart moving a key between the two shows no change.
func secretView(m map[string]any) {
	data := map[string]any{}
	d, hasData := m["data"].(map[string]any)
	for k, v := range d {
		s, _ := v.(string)
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			b = []byte(s)
		}
		data[k] = digest(sha256.Sum256(b))
	}
	sd, hasString := m["stringData"].(map[string]any)
	for k, v := range sd {
		data[k] = digest(sha256.Sum256([]byte(fmt.Sprint(v))))
	}
	delete(m, "stringData")
	if hasData || hasString {
		m["data"] = data
	}
}

// redact returns copies of a and b (either may be nil) whose Secret data values are statuses:
// a key only in a is "removed", only in b "added", in both "unchanged" or "changed" (with a's
// side "changed (previous value)"). st maps each key to its status. Non-Secrets pass as they are.
func redact(k Key, a, b map[string]any) (ra, rb map[string]any, st map[string]string) {
	if !isSecret(k) {
		return a, b, nil
	}
	ad, _ := a["data"].(map[string]any)
	bd, _ := b["data"].(map[string]any)
	st = map[string]string{}
	as, bs := map[string]any{}, map[string]any{}
	for key, v := range ad {
		w, ok := bd[key]
		switch {
		case !ok:
			st[key], as[key] = KeyRemoved, KeyRemoved
		case reflect.DeepEqual(v, w):
			st[key], as[key], bs[key] = KeyUnchanged, KeyUnchanged, KeyUnchanged
		default:
			st[key], as[key], bs[key] = KeyChanged, keyChangedOld, KeyChanged
		}
	}
	for key := range bd {
		if _, ok := ad[key]; !ok {
			st[key], bs[key] = KeyAdded, KeyAdded
		}
	}
	return withData(a, as), withData(b, bs), st
}

func withData(m, data map[string]any) map[string]any {
	if _, ok := m["data"]; !ok {
		return m
	}
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = v
	}
	c["data"] = data
	return c
}

// minEncoded is the shortest base64 fragment of a secret looked for: shorter ones would
// match unrelated text.
const minEncoded = 6

// masker replaces every string (value or map key) that contains a secret, a base64 fragment
// of one (standard and URL alphabets, at each of the three byte offsets inside longer base64),
// or that decodes from base64 to text containing one, by "(secret, sha256:<8 hex>)" of the
// whole string: changes still show, the value does not.
type masker struct {
	plain, encoded []string
}

func newMasker(secrets []string) *masker {
	m := &masker{}
	for _, s := range secrets {
		if s == "" {
			continue
		}
		m.plain = append(m.plain, s)
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
			for off := 0; off < 3; off++ {
				full := enc.EncodeToString(append(make([]byte, off), s...))
				start, end := []int{0, 2, 3}[off], len(full)
				switch (off + len(s)) % 3 {
				case 1:
					end -= 3
				case 2:
					end -= 2
				}
				if end-start >= minEncoded {
					m.encoded = append(m.encoded, full[start:end])
				}
			}
		}
	}
	return m
}

func (m *masker) hit(s string) bool {
	for _, p := range append(m.plain, m.encoded...) {
		if strings.Contains(s, p) {
			return true
		}
	}
	if len(m.plain) == 0 || len(s) < 4 {
		return false
	}
	t := strings.Join(strings.Fields(s), "")
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(t); err == nil {
			for _, p := range m.plain {
				if strings.Contains(string(b), p) {
					return true
				}
			}
		}
	}
	return false
}

func (m *masker) str(s string) string {
	if !m.hit(s) {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return fmt.Sprintf("(secret, sha256:%x)", sum[:4])
}

// apply returns v with every string and map key passed through str.
func (m *masker) apply(v any) any {
	if len(m.plain) == 0 {
		return v
	}
	switch x := v.(type) {
	case map[string]any:
		c := make(map[string]any, len(x))
		for k, e := range x {
			c[m.str(k)] = m.apply(e)
		}
		return c
	case []any:
		c := make([]any, len(x))
		for i, e := range x {
			c[i] = m.apply(e)
		}
		return c
	case string:
		return m.str(x)
	}
	return v
}
