package app

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/helmdeploy/helm-deploy-action/internal/config"
)

// TestLogNeverPrintsUntrustedCommands: text from the cluster, Helm or the API server printed
// through Log (messages, warnings, errors, group titles) never yields a line the runner would
// run, and secrets are masked before the text is sanitized.
func TestLogNeverPrintsUntrustedCommands(t *testing.T) {
	hostile := "helm: pod said ##[set-output name=revision;]666\r::add-mask::x\n  ::endgroup::\n\u200b::error::y"
	var out bytes.Buffer
	l := NewLog(&out, func(string) string { return "" })
	l.Mask("hunter2-secret")
	l.Infof("upgrade failed: %s (password hunter2-secret)", hostile)
	l.Warningf("lock: %s", hostile)
	l.Errorf("Helm deploy failed", "%s", hostile)
	l.Debugf("%s", hostile)
	l.Command("::error title=Rollout failed::" + hostile)
	l.Group("Deploy " + hostile)
	l.EndGroup()

	text := out.String()
	if strings.Contains(strings.ReplaceAll(text, "::add-mask::hunter2-secret", ""), "hunter2-secret") {
		t.Errorf("the secret was printed:\n%s", text)
	}
	ownPrefixes := []string{"::add-mask::hunter2-secret", "::warning::", "::error title=Helm deploy failed::", "::error title=Rollout failed::", "::debug::", "::group::", "::endgroup::"}
	for _, line := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == '\r' }) {
		trimmed := strings.TrimSpace(line)
		if strings.Contains(line, "##[") {
			t.Errorf("line %q contains ##[", line)
		}
		if !strings.HasPrefix(trimmed, "::") {
			continue
		}
		own := false
		for _, p := range ownPrefixes {
			own = own || strings.HasPrefix(line, p)
		}
		if !own {
			t.Errorf("line %q is a workflow command the action did not issue", line)
		}
	}
	if got := strings.Count("\n"+text, "\n::endgroup::\n"); got != 1 {
		t.Errorf("%d ::endgroup:: lines, want only the action's own 1:\n%s", got, text)
	}
}

// A secret value holding a certificate and its private key is masked; a bare certificate is
// not (it is public, and masking it would hide nothing but make logs unreadable).
func TestMaskableCertificates(t *testing.T) {
	const cert = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUY2VydA==\n-----END CERTIFICATE-----\n"
	const key = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIKeyMaterialS3cr3t==\n-----END EC PRIVATE KEY-----\n"
	tests := []struct {
		name, value string
		masked      bool
	}{
		{"certificate", cert, false},
		{"certificate and key", cert + key, true},
		{"key", key, true},
		{"base64 certificate", base64.StdEncoding.EncodeToString([]byte(cert)), false},
		{"base64 certificate and key", base64.StdEncoding.EncodeToString([]byte(cert + key)), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := maskable(&config.Config{Secrets: []string{tc.value}}, "")
			if masked := len(got) == 1; masked != tc.masked {
				t.Errorf("masked = %v, want %v", masked, tc.masked)
			}
			if !tc.masked {
				return
			}
			var out bytes.Buffer
			l := NewLog(&out, func(string) string { return "" })
			l.Mask(got...)
			l.Infof("value: %s", tc.value)
			for _, line := range strings.Split(out.String(), "\n") {
				if strings.HasPrefix(line, "::add-mask::") {
					continue
				}
				if strings.Contains(line, "KeyMaterial") || strings.Contains(line, strings.TrimSpace(tc.value)) {
					t.Errorf("the key is printed: %q", line)
				}
			}
		})
	}
}
