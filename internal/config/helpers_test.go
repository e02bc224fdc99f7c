package config

import (
	"encoding/base64"
	"strings"
	"testing"
)

const testWorkspace = "/github/workspace"

// env builds a getenv from input names (turned into INPUT_ variables) and
// GITHUB_* variables (kept as they are). release and chart get valid values
// unless the case sets them, so each case only says what it is about.
func env(vars map[string]string) func(string) string {
	m := map[string]string{
		EnvName("release"): "web",
		EnvName("chart"):   "./chart",
		"GITHUB_WORKSPACE": testWorkspace,
	}
	for k, v := range vars {
		if strings.HasPrefix(k, "GITHUB_") {
			m[k] = v
		} else {
			m[EnvName(k)] = v
		}
	}
	return func(k string) string { return m[k] }
}

// parseOK parses and fails the test on an error.
func parseOK(t *testing.T, vars map[string]string) *Config {
	t.Helper()
	c, err := Parse(env(vars))
	if err != nil {
		t.Fatalf("Parse: unexpected error: %v", err)
	}
	return c
}

const testKubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: kind
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: Q0EtREFUQQ==
contexts:
- name: kind-ctx
  context: {cluster: kind, user: deployer}
- name: other
  context: {cluster: kind, user: deployer}
current-context: kind-ctx
users:
- name: deployer
  user:
    token: kube-token-s3cr3t-0001
    client-key-data: a2V5LWRhdGEtc2VjcmV0LTAwMDI=
- name: legacy
  user:
    username: admin
    password: kube-password-s3cr3t-0003
    auth-provider:
      name: oidc
      config: {id-token: oidc-id-token-s3cr3t-0004, client-id: public-client}
- name: cloud
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: cloud-auth
      env: [{name: CLOUD_SECRET, value: exec-env-s3cr3t-0005}]
`

func b64Wrapped(s string, width int) string {
	enc := base64.StdEncoding.EncodeToString([]byte(s))
	var b strings.Builder
	for len(enc) > width {
		b.WriteString(enc[:width] + "\n")
		enc = enc[width:]
	}
	b.WriteString(enc)
	return b.String()
}

func hasString(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
