package kube

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/client-go/rest"
)

const kubeconfig = `apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:6443
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: s3cr3t-token-value
- name: other
  user:
    username: u
    password: hunter2-password
contexts:
- name: ctx-a
  context: {cluster: local, user: admin}
- name: ctx-b
  context: {cluster: local, user: other}
current-context: ctx-a
`

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	if err := os.WriteFile(path, []byte(kubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	noCluster := func() (*rest.Config, error) { return nil, errors.New("not in a pod") }
	tests := []struct {
		name       string
		opts       Options
		wantErr    string
		wantSource string
		wantToken  string
	}{
		{name: "content current context", opts: Options{Content: []byte(kubeconfig), Namespace: "apps"}, wantSource: "the kubeconfig input", wantToken: "s3cr3t-token-value"},
		{name: "content named context", opts: Options{Content: []byte(kubeconfig), Context: "ctx-b"}, wantSource: "the kubeconfig input"},
		{name: "unknown context", opts: Options{Content: []byte(kubeconfig), Context: "nope"}, wantErr: `input "kube-context": context "nope"`},
		{name: "garbage content", opts: Options{Content: []byte("{{{")}, wantErr: `input "kubeconfig"`},
		{name: "path", opts: Options{Path: path}, wantSource: "kubeconfig-path " + path, wantToken: "s3cr3t-token-value"},
		{name: "missing path", opts: Options{Path: filepath.Join(dir, "missing")}, wantErr: `input "kubeconfig-path" names ` + filepath.Join(dir, "missing") + ", which does not exist in the action's container"},
		{name: "env", opts: Options{EnvPath: path}, wantSource: "KUBECONFIG " + path},
		{name: "env with one missing file", opts: Options{EnvPath: filepath.Join(dir, "missing") + ":" + path}, wantSource: "KUBECONFIG " + filepath.Join(dir, "missing") + ":" + path},
		{name: "env all missing", opts: Options{EnvPath: "/home/runner/.kube/config"}, wantErr: "KUBECONFIG names /home/runner/.kube/config, which does not exist in the action's container. A container action sees only the workspace"},
		{name: "nothing at all", opts: Options{InCluster: noCluster}, wantErr: "no Kubernetes credentials"},
		{name: "in cluster", opts: Options{InCluster: func() (*rest.Config, error) { return &rest.Config{Host: "https://127.0.0.1:1", BearerToken: "t"}, nil }, Namespace: "x"}, wantSource: "in-cluster service account", wantToken: "t"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Load(tc.opts)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want containing %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "s3cr3t") {
					t.Fatalf("error leaks the token: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Source != tc.wantSource {
				t.Errorf("source = %q, want %q", c.Source, tc.wantSource)
			}
			if tc.wantToken != "" && c.REST.BearerToken != tc.wantToken {
				t.Errorf("token not loaded")
			}
			ns, _, err := c.Getter.ToRawKubeConfigLoader().Namespace()
			if err != nil {
				t.Fatal(err)
			}
			if tc.opts.Namespace != "" && ns != tc.opts.Namespace {
				t.Errorf("namespace = %q, want %q", ns, tc.opts.Namespace)
			}
		})
	}
}

func TestCredentials(t *testing.T) {
	got := Credentials([]byte(kubeconfig))
	for _, want := range []string{"s3cr3t-token-value", "hunter2-password"} {
		if !slices.Contains(got, want) {
			t.Errorf("Credentials() = %d strings, missing %q", len(got), want)
		}
	}
	if got := Credentials([]byte("not yaml: [")); got != nil {
		t.Errorf("invalid content gave %v", got)
	}
}
