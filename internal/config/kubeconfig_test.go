package config

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestParseKubeconfig(t *testing.T) {
	credentials := []string{"kube-token-s3cr3t-0001", "a2V5LWRhdGEtc2VjcmV0LTAwMDI=", "kube-password-s3cr3t-0003", "oidc-id-token-s3cr3t-0004", "exec-env-s3cr3t-0005"}
	tests := []struct {
		name    string
		in      string
		decoded bool // the input is base64 and must be decoded
	}{
		{name: "plain", in: testKubeconfig},
		{name: "plain with surrounding blank lines", in: "\n\n" + testKubeconfig + "\n\n"},
		{name: "base64 std", in: base64.StdEncoding.EncodeToString([]byte(testKubeconfig)), decoded: true},
		{name: "base64 raw", in: base64.RawStdEncoding.EncodeToString([]byte(testKubeconfig)), decoded: true},
		{name: "base64 wrapped at 76 columns", in: b64Wrapped(testKubeconfig, 76), decoded: true},
		{name: "json", in: `{"apiVersion":"v1","clusters":[{"name":"c","cluster":{"server":"https://127.0.0.1:1"}}],"users":[{"name":"u","user":{"token":"kube-token-s3cr3t-0001"}}]}`},
	}
	if raw := tests[3].in; strings.HasSuffix(raw, "=") || len(raw)%4 == 0 {
		t.Fatalf("the raw base64 case needs unpadded input; change testKubeconfig's length")
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := parseOK(t, map[string]string{"kubeconfig": tc.in})
			got := string(c.Kubeconfig)
			switch {
			case tc.decoded && got != testKubeconfig:
				t.Errorf("Kubeconfig was not decoded from base64: %.40q", got)
			case !tc.decoded && got != strings.TrimSpace(tc.in):
				t.Errorf("Kubeconfig = %.40q, want the input itself", got)
			}
			if !hasString(c.Secrets, strings.TrimSpace(tc.in)) {
				t.Errorf("Secrets lack the raw kubeconfig input")
			}
			if tc.decoded && !hasString(c.Secrets, got) {
				t.Errorf("Secrets lack the decoded kubeconfig")
			}
			for _, cred := range credentials {
				if strings.Contains(got, cred) && !hasString(c.Secrets, cred) {
					t.Errorf("Secrets lack credential %q", cred)
				}
			}
			if hasString(c.Secrets, "public-client") || hasString(c.Secrets, "admin") || hasString(c.Secrets, "CLOUD_SECRET") {
				t.Errorf("Secrets hold values that are not credentials: %q", c.Secrets)
			}
		})
	}
}

func TestParseKubeContextAndPath(t *testing.T) {
	c := parseOK(t, map[string]string{"kubeconfig": testKubeconfig, "kube-context": "other"})
	if c.KubeContext != "other" || c.KubeconfigPath != "" {
		t.Errorf("KubeContext = %q, KubeconfigPath = %q", c.KubeContext, c.KubeconfigPath)
	}
	c = parseOK(t, map[string]string{"kubeconfig-path": ".kube/config", "kube-context": "anything"})
	if c.KubeconfigPath != testWorkspace+"/.kube/config" || c.Kubeconfig != nil || c.KubeContext != "anything" {
		t.Errorf("KubeconfigPath = %q, Kubeconfig = %q, KubeContext = %q", c.KubeconfigPath, c.Kubeconfig, c.KubeContext)
	}
	c = parseOK(t, map[string]string{"kubeconfig-path": "/home/runner/.kube/config"})
	if c.KubeconfigPath != "/home/runner/.kube/config" {
		t.Errorf("KubeconfigPath = %q", c.KubeconfigPath)
	}
}

func TestDecodeKubeconfigLeavesOtherInputAlone(t *testing.T) {
	tests := []struct{ name, in string }{
		{name: "yaml", in: "clusters: []"},
		{name: "base64 of something else", in: base64.StdEncoding.EncodeToString([]byte("hello world"))},
		{name: "base64 of binary", in: base64.StdEncoding.EncodeToString([]byte{0xff, 0xfe, 'a', 'p', 'i', 'V', 'e', 'r', 's', 'i', 'o', 'n'})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, was := decodeKubeconfig(tc.in)
			if was || string(got) != tc.in {
				t.Errorf("decodeKubeconfig(%q) = %q, %v; want the input unchanged", tc.in, got, was)
			}
		})
	}
}
