package mask

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// encodedForms is how a secret shows up in the texts the action handles: error messages that
// quote it, JSON bodies, URLs, base64 in Secrets and kubeconfigs, also inside longer base64.
func encodedForms(secret string) map[string]string {
	j, _ := json.Marshal(map[string]string{"v": secret})
	forms := map[string]string{
		"plain":        "value " + secret + " end",
		"go %q":        fmt.Sprintf("invalid value %q", secret),
		"json":         string(j),
		"url query":    "https://example.com/?token=" + url.QueryEscape(secret),
		"url path":     "https://example.com/" + url.PathEscape(secret) + "/x",
		"base64":       "data: " + base64.StdEncoding.EncodeToString([]byte(secret)),
		"base64url":    "data: " + base64.URLEncoding.EncodeToString([]byte(secret)),
		"raw base64":   base64.RawStdEncoding.EncodeToString([]byte(secret)),
		"b64 offset 1": base64.StdEncoding.EncodeToString([]byte("a" + secret + "zz")),
		"b64 offset 2": base64.StdEncoding.EncodeToString([]byte("ab" + secret + "z")),
		"b64 offset 3": base64.StdEncoding.EncodeToString([]byte("abc" + secret)),
		"b64 in yaml":  base64.StdEncoding.EncodeToString([]byte("password: " + secret + "\nuser: x\n")),
	}
	return forms
}

// leaked reports the first form of secret that is still readable in out.
func leaked(secret, out string) string {
	for _, e := range append([]string{secret}, Encodings(secret)...) {
		if len(e) >= MinEncoded && strings.Contains(out, e) {
			return e
		}
	}
	return ""
}

func TestMaskerEncodings(t *testing.T) {
	for _, secret := range []string{"hunter2-S3cr3t", `p@ss "w0rd" & <tag> / ü`, "ghp_0123456789abcdefABCDEF", "a+b/c=d?e"} {
		m := &Masker{}
		m.Add(secret)
		for name, text := range encodedForms(secret) {
			t.Run(secret+"/"+name, func(t *testing.T) {
				out := m.Redact(text)
				if !strings.Contains(out, "***") {
					t.Errorf("nothing was masked in %q", text)
				}
				if e := leaked(secret, out); e != "" {
					t.Errorf("%q still shows %q", out, e)
				}
			})
		}
	}
}

// Text without the secret is left alone (no over-masking by short encodings).
func TestMaskerLeavesOtherText(t *testing.T) {
	m := &Masker{}
	m.Add("hunter2-S3cr3t")
	for _, text := range []string{"deployment/web: CrashLoopBackOff (pod web-1, container web)", "aGVsbG8gd29ybGQ=", "revision 3 deployed"} {
		if got := m.Redact(text); got != text {
			t.Errorf("redact(%q) = %q", text, got)
		}
	}
}

func FuzzMasker(f *testing.F) {
	f.Add("hunter2-S3cr3t", "prefix", "suffix")
	f.Add(`"quoted\n"`, "", "")
	f.Add("ü€𝄞-secret", "a", "bc")
	f.Fuzz(func(t *testing.T, secret, before, after string) {
		if len(secret) < 8 || strings.TrimSpace(secret) != secret {
			return
		}
		m := &Masker{}
		m.Add(secret)
		for name, text := range encodedForms(secret) {
			text = before + text + after
			if e := leaked(secret, m.Redact(text)); e != "" {
				t.Fatalf("%s form of %q: %q still shows %q", name, secret, m.Redact(text), e)
			}
		}
	})
}
