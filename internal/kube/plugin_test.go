package kube

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// countingTokens mints tok-1, tok-2, ...; a reset makes the next call mint.
type countingTokens struct {
	mu    sync.Mutex
	n     int
	reset bool
}

func (c *countingTokens) Token() (*oauth2.Token, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == 0 || c.reset {
		c.n++
		c.reset = false
	}
	return &oauth2.Token{AccessToken: fmt.Sprintf("tok-%d", c.n), Expiry: time.Now().Add(time.Hour)}, nil
}

func (c *countingTokens) ResetTokenOlderThan(time.Time) {
	c.mu.Lock()
	c.reset = true
	c.mu.Unlock()
}

// apiServer answers /version; it refuses tokens named in reject with 401.
func apiServer(t *testing.T, reject ...string) (*httptest.Server, *[]string) {
	var mu sync.Mutex
	var seen []string
	s := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		mu.Lock()
		seen = append(seen, auth)
		mu.Unlock()
		if slices.Contains(reject, strings.TrimPrefix(auth, "Bearer ")) {
			http.Error(w, `{"kind":"Status","code":401}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"major":"1","minor":"37","gitVersion":"v1.37.2"}`)
	}))
	t.Cleanup(s.Close)
	return s, &seen
}

func caPEM(s *httptest.Server) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
}

func execKubeconfig(server string, ca []byte, command string, args ...string) []byte {
	return fmt.Appendf(nil, `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: %q, certificate-authority-data: %q}
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: %s
      args: [%s]
      env: [{name: AWS_PROFILE, value: default}, {name: AWS_SESSION_TOKEN, value: sess-tok}]
contexts:
- name: ctx
  context: {cluster: c, user: u}
current-context: ctx
`, server, base64.StdEncoding.EncodeToString(ca), command, strings.Join(args, ", "))
}

func TestPluginIsReplacedBeforeAnyRequest(t *testing.T) {
	srv, seen := apiServer(t)
	var got Plugin
	tokens := &countingTokens{}
	c, err := Load(Options{
		Content: execKubeconfig(srv.URL, caPEM(srv), "/nonexistent/aws", "--region", "eu-west-1", "eks", "get-token", "--cluster-name", "prod"),
		Plugin: func(p Plugin) (TokenSource, error) {
			got = p
			return tokens, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Clientset.Discovery().ServerVersion(); err != nil {
		t.Fatalf("the exec plugin was run instead of replaced: %v", err)
	}
	if got.Command != "/nonexistent/aws" || got.User != "u" || got.Server != srv.URL || got.Env["AWS_PROFILE"] != "default" ||
		!slices.Equal(got.Args, []string{"--region", "eu-west-1", "eks", "get-token", "--cluster-name", "prod"}) {
		t.Fatalf("plugin given to the callback: %+v", got)
	}
	if c.Replaced == nil || (*seen)[0] != "Bearer tok-1" {
		t.Fatalf("replaced %v, Authorization %v", c.Replaced, *seen)
	}
	// Helm's copy of the config carries the same token source.
	rc, _ := c.Getter.ToRESTConfig()
	if rc.ExecProvider != nil {
		t.Fatal("the REST config Helm gets still runs the exec plugin")
	}
}

func TestPluginTokenIsRenewedAfter401(t *testing.T) {
	srv, seen := apiServer(t, "tok-1")
	tokens := &countingTokens{}
	c, err := Load(Options{Server: srv.URL, CAData: caPEM(srv), Tokens: tokens, Namespace: "apps"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Clientset.Discovery().ServerVersion(); err == nil {
		t.Fatal("the first request with the refused token succeeded")
	}
	if _, err := c.Clientset.Discovery().ServerVersion(); err != nil {
		t.Fatalf("the request after the 401 did not use a new token: %v (sent %v)", err, *seen)
	}
	if (*seen)[len(*seen)-1] != "Bearer tok-2" || c.Source != "the cluster input" {
		t.Fatalf("sent %v, source %q", *seen, c.Source)
	}
	if ns, _, _ := c.Getter.ToRawKubeConfigLoader().Namespace(); ns != "apps" {
		t.Fatalf("namespace %q", ns)
	}
	_, _ = c.Clientset.CoreV1().Pods("apps").List(context.Background(), metav1.ListOptions{})
}

func TestPluginRefusedFailsBeforeAnyRequest(t *testing.T) {
	srv, seen := apiServer(t)
	refuse := errors.New("unsupported kubeconfig credential plugin: teleport")
	_, err := Load(Options{
		Content: execKubeconfig(srv.URL, caPEM(srv), "tsh", "kube", "credentials"),
		Plugin:  func(Plugin) (TokenSource, error) { return nil, refuse },
	})
	if !errors.Is(err, refuse) || !errors.Is(err, ErrPlugin) || !strings.Contains(err.Error(), `user "u"`) {
		t.Fatalf("err = %v", err)
	}
	if len(*seen) != 0 {
		t.Fatalf("requests were sent: %v", *seen)
	}
}

func TestPluginCredentials(t *testing.T) {
	e := &clientcmdapi.ExecConfig{
		Args: []string{"get-token", "--client-secret", "hunter2", "--password=pw", "--client-id", "cid"},
		Env: []clientcmdapi.ExecEnvVar{{Name: "AWS_PROFILE", Value: "default"}, {Name: "AWS_SECRET_ACCESS_KEY", Value: "sk"},
			{Name: "AWS_SESSION_TOKEN", Value: "st"}, {Name: "AZURE_CLIENT_ID", Value: "cid"}},
	}
	if got := pluginCredentials(e); !slices.Equal(got, []string{"hunter2", "pw", "sk", "st"}) {
		t.Fatalf("got %v", got)
	}
}
