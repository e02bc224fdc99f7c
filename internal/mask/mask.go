// Package mask replaces registered secrets, in every encoding the runner's own masker knows,
// with ***. It imports only the standard library; internal/app's Log prints through it.
package mask

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Masker replaces registered secrets with *** in everything the action prints, writes to its
// outputs and summary, or sends to GitHub. Like the runner's own masker it also knows each
// secret's encodings (JSON string, Go %q, URL query and path escaping, base64 in the standard
// and URL alphabets at each of the three byte offsets inside a longer base64 text), because
// error texts quote, URL-encode and base64 values; the runner's masker never sees API calls.
type Masker struct {
	mu      sync.Mutex
	W       io.Writer       // where Write sends masked text
	known   map[string]bool // registered secrets, as given
	secrets []string        // what redact replaces: secrets and encodings, longest first
}

// MinEncoded is the shortest encoded form replaced: shorter base64 fragments would mask
// unrelated text.
const MinEncoded = 6

// Add registers s and its encodings; it reports whether s was new.
func (m *Masker) Add(s string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.known == nil {
		m.known = map[string]bool{}
	}
	if m.known[s] {
		return false
	}
	m.known[s] = true
	have := map[string]bool{}
	for _, x := range m.secrets {
		have[x] = true
	}
	for _, v := range append([]string{s}, Encodings(s)...) {
		if !have[v] && (v == s || len(v) >= MinEncoded) {
			have[v] = true
			m.secrets = append(m.secrets, v)
		}
	}
	sort.Slice(m.secrets, func(i, j int) bool { return len(m.secrets[i]) > len(m.secrets[j]) })
	return true
}

// Encodings are the forms in which s may appear inside other text.
func Encodings(s string) []string {
	var out []string
	if b, err := json.Marshal(s); err == nil {
		out = append(out, string(b[1:len(b)-1]))
	}
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(s) == nil {
		j := strings.TrimSpace(buf.String())
		out = append(out, j[1:len(j)-1])
	}
	q := strconv.Quote(s)
	out = append(out, q[1:len(q)-1], url.QueryEscape(s), url.PathEscape(s))
	for _, e := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		out = append(out, e.EncodeToString([]byte(s)))
		raw := e.WithPadding(base64.NoPadding)
		for off := 0; off < 3; off++ {
			out = append(out, base64At(raw, s, off))
		}
	}
	return out
}

// base64At is the part of the base64 of any text that encodes s when s starts off bytes into
// a 3-byte group: the characters that depend on the bytes of s alone.
func base64At(e *base64.Encoding, s string, off int) string {
	n := off + len(s)
	enc := e.EncodeToString(append(make([]byte, off), s...))
	from := (8*off + 5) / 6 // first character with no bit of the bytes before s
	to := 8 * n / 6         // characters after this one take bits of the bytes after s
	if from >= to || to > len(enc) {
		return ""
	}
	return enc[from:to]
}

// Redact replaces every registered secret in s.
func (m *Masker) Redact(s string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, x := range m.secrets {
		s = strings.ReplaceAll(s, x, "***")
	}
	return s
}

// Write masks p and writes it whole; callers write whole lines.
func (m *Masker) Write(p []byte) (int, error) {
	out := m.Redact(string(p))
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := io.WriteString(m.W, out); err != nil {
		return 0, err
	}
	return len(p), nil
}
