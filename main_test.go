package main

import (
	"bytes"
	"encoding/base64"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSecretsNeverPrinted runs the whole binary the way the runner runs a container action,
// with a secret value, a repository password and a kubeconfig token, and checks that none of
// them appears in stdout or stderr outside the ::add-mask:: commands that register them with
// the runner (the runner consumes those lines; they are never shown).
func TestSecretsNeverPrinted(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "helm-deploy-action")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// A port on 127.0.0.1 with nothing listening: the run fails at "Connect to Kubernetes".
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	const (
		token    = "kube-token-5f2b9c1e7d"
		secret   = "db-password-a81f33c0"
		repoPass = "repo-password-77e1a9"
	)
	kubeconfig := "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://" + addr +
		"\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: " + token +
		"\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n"

	tests := []struct {
		name   string
		inputs map[string]string
	}{
		{"cluster unreachable", map[string]string{
			"kubeconfig": kubeconfig, "secret-values": "db:\n  password: " + secret,
			"chart": "web", "repository": "http://127.0.0.1:1/charts", "repository-username": "u", "repository-password": repoPass,
		}},
		{"base64 kubeconfig", map[string]string{
			"kubeconfig": base64.StdEncoding.EncodeToString([]byte(kubeconfig)), "secret-values": "password: " + secret,
			"chart": "./examples/charts/web",
		}},
		{"bad input next to secrets", map[string]string{
			"kubeconfig": kubeconfig, "secret-values": "password: " + secret, "timeout": "soon",
			"chart": "./examples/charts/web", "repository-password": repoPass,
		}},
		{"secret-values is not a mapping", map[string]string{
			"kubeconfig": kubeconfig, "secret-values": "- " + secret, "chart": "./examples/charts/web",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			env := []string{
				"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "GITHUB_ACTIONS=true",
				"GITHUB_WORKSPACE=" + mustAbs(t, "."),
				"GITHUB_OUTPUT=" + filepath.Join(dir, "output"), "GITHUB_STEP_SUMMARY=" + filepath.Join(dir, "summary"),
				"INPUT_RELEASE=web", "INPUT_TIMEOUT=20s",
			}
			for k, v := range tc.inputs {
				env = append(env, "INPUT_"+strings.ToUpper(k)+"="+v)
			}
			cmd := exec.Command(bin)
			cmd.Env = env
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			if err == nil {
				t.Fatalf("the run succeeded; it must fail (unreachable cluster or bad input)\n%s", stdout.String())
			}
			summary, _ := os.ReadFile(filepath.Join(dir, "summary"))
			outputs, _ := os.ReadFile(filepath.Join(dir, "output"))
			if len(summary) == 0 {
				t.Errorf("no job summary written")
			}
			for name, text := range map[string]string{"stdout": stdout.String(), "stderr": stderr.String(), "summary": string(summary), "outputs": string(outputs)} {
				for _, line := range strings.Split(text, "\n") {
					if strings.HasPrefix(line, "::add-mask::") {
						continue
					}
					for _, s := range []string{token, secret, repoPass} {
						if strings.Contains(line, s) {
							t.Errorf("%s prints a secret: %q", name, line)
						}
					}
				}
			}
			if !strings.Contains(stdout.String(), "::error") {
				t.Errorf("no ::error annotation:\n%s", stdout.String())
			}
		})
	}
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
