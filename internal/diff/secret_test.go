package diff

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// assertNoLeak fails if out contains any value, its base64 in either alphabet with or without
// padding, or the middle of its base64 at another byte offset inside longer base64.
func assertNoLeak(t *testing.T, out string, values ...string) {
	t.Helper()
	for _, v := range values {
		forms := []string{v}
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
			forms = append(forms, enc.EncodeToString([]byte(v)))
			for _, pre := range []string{"x", "xy"} {
				e := enc.EncodeToString([]byte(pre + v))
				forms = append(forms, e[4:len(e)-4])
			}
		}
		for _, f := range forms {
			if strings.Contains(out, f) {
				t.Errorf("output contains %q (a form of %q):\n%s", f, v, out)
			}
		}
	}
	if strings.Contains(out, "(hidden)") && !strings.Contains(out, "Stored:(hidden)") {
		t.Errorf("a digest reached the diff output:\n%s", out)
	}
}

func secretYAML(data, stringData map[string]string) string {
	var b strings.Builder
	b.WriteString("apiVersion: v1\nkind: Secret\nmetadata: {name: db}\ntype: Opaque\n")
	for field, m := range map[string]map[string]string{"data": data, "stringData": stringData} {
		if m == nil {
			continue
		}
		b.WriteString(field + ":\n")
		for k, v := range m {
			if field == "data" {
				v = b64(v)
			}
			fmt.Fprintf(&b, "  %s: %q\n", k, v)
		}
	}
	return b.String()
}

// everything renders all of Compare's and Drift's output as one text.
func everything(r Report, d []Drifted) string {
	var b strings.Builder
	b.WriteString(r.Text(0))
	for _, res := range r.Resources {
		fmt.Fprintf(&b, "%s\n%s\n%s\n%s\n%v\n", res.Title, res.Diff, res.LiveDiff, res.Conflict, res.SecretKeys)
	}
	fmt.Fprintf(&b, "%+v\n", d)
	for _, x := range d {
		b.WriteString(ExplainMissing(x))
	}
	return b.String()
}

func TestSecretData(t *testing.T) {
	values := []string{"same-value-1", "old-password-x", "new-password-y", "removed-val-zz", "added-val-qq", "hand-edited-v"}
	stored := secretYAML(map[string]string{"same": "same-value-1", "chg": "old-password-x", "gone": "removed-val-zz"}, nil)
	tests := []struct {
		name, desired, live string
		wantKeys            map[string]string
		wantDiff, wantLive  []string
		wantDrift           []FieldDiff
	}{
		{
			name:     "changed, unchanged, added, removed; stringData counts as data",
			desired:  secretYAML(map[string]string{"same": "same-value-1"}, map[string]string{"chg": "new-password-y", "new": "added-val-qq"}),
			live:     stored,
			wantKeys: map[string]string{"same": KeyUnchanged, "chg": KeyChanged, "gone": KeyRemoved, "new": KeyAdded},
			wantDiff: []string{"-  chg: changed (previous value)\n", "+  chg: changed\n", "-  gone: removed\n", "+  new: added\n", "   same: unchanged\n"},
		},
		{
			name:     "same values moved from data to stringData is no change",
			desired:  secretYAML(nil, map[string]string{"same": "same-value-1", "chg": "old-password-x", "gone": "removed-val-zz"}),
			live:     stored,
			wantKeys: map[string]string{"same": KeyUnchanged, "chg": KeyUnchanged, "gone": KeyUnchanged},
		},
		{
			name:    "value edited by hand shows as drift, hidden",
			desired: stored,
			live: strings.Replace(secretYAML(map[string]string{"same": "hand-edited-v", "chg": "old-password-x", "gone": "removed-val-zz"}, nil),
				"metadata: {name: db}", `metadata: {name: db, annotations: {kubectl.kubernetes.io/last-applied-configuration: '{"data":{"same":"`+b64("hand-edited-v")+`"},"stringData":{"x":"old-password-x"}}'}}`, 1),
			wantKeys:  map[string]string{"same": KeyUnchanged, "chg": KeyUnchanged, "gone": KeyUnchanged},
			wantLive:  []string{"-  same: changed (previous value)\n+  same: changed\n"},
			wantDrift: []FieldDiff{{Path: "data.same", Stored: "(hidden)", Live: "(hidden, changed)"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			live := liveOf(t, tt.live)
			r := Compare(mustParse(t, tt.desired), mustParse(t, stored), live, Options{})
			d := Drift(mustParse(t, stored), live, Options{})
			res := only(t, r)
			if fmt.Sprint(res.SecretKeys) != fmt.Sprint(tt.wantKeys) {
				t.Errorf("SecretKeys = %v, want %v", res.SecretKeys, tt.wantKeys)
			}
			contains(t, "Diff", res.Diff, tt.wantDiff...)
			contains(t, "LiveDiff", res.LiveDiff, tt.wantLive...)
			if len(tt.wantDiff) == 0 && res.Status != Unchanged {
				t.Errorf("status %s:\n%s", res.Status, res.Diff)
			}
			var fields []FieldDiff
			for _, x := range d {
				fields = append(fields, x.Fields...)
			}
			if fmt.Sprint(fields) != fmt.Sprint(tt.wantDrift) {
				t.Errorf("drift %v, want %v", fields, tt.wantDrift)
			}
			assertNoLeak(t, everything(r, d), values...)
		})
	}
}

func TestSecretValuesMasked(t *testing.T) {
	const old, cur = "S3cr3t-Pa55-old", "S3cr3t-Pa55-new"
	cm := func(secret string) string {
		return `apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
  annotations: {note: "dsn postgres://u:` + secret + `@db/x"}
data:
  url: postgres://u:` + secret + `@db/x
  plain: hello
  token: ` + b64("token="+secret) + `
  wrapped: "xx` + b64("ab"+secret+"cd") + `"
  ` + secret + `: key-is-secret
`
	}
	live := liveOf(t, strings.Replace(cm(old), "plain: hello", "plain: "+cur, 1))
	opt := Options{Secrets: []string{old, cur, ""}}
	r := Compare(mustParse(t, cm(cur)), mustParse(t, cm(old)), live, opt)
	d := Drift(mustParse(t, cm(old)), live, opt)
	res := only(t, r)
	if res.Status != Changed {
		t.Fatalf("a changed secret value must still show as a change: %s", res.Status)
	}
	out := everything(r, d)
	assertNoLeak(t, out, old, cur)
	contains(t, "output", out, "(secret, sha256:", "  plain: hello\n", "-  url: (secret, sha256:", "+  url: (secret, sha256:")
	if len(d) != 1 || len(d[0].Fields) != 1 || d[0].Fields[0].Path != "data.plain" || !strings.HasPrefix(d[0].Fields[0].Live, "(secret, sha256:") {
		t.Errorf("drift %+v", d)
	}
	if m := newMasker([]string{old}); m.str("unrelated") != "unrelated" {
		t.Error("masked an unrelated string")
	}
}
