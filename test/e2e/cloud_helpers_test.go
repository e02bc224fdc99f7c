//go:build e2e

package e2e

import (
	"context"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/helmdeploy/helm-deploy-action/internal/cloud/ghoidc"
)

// Issuers of the fake Google and Entra bearer tokens that the cluster's authhook trusts
// (test/cluster/authhook).
const (
	googleIssuer = "https://fake-google.hda.test"
	entraIssuer  = "https://fake-entra.hda.test"
	// githubSubject is the sub claim of the fake GitHub ID tokens; the API server maps it to
	// the user "github:" + githubSubject.
	githubSubject = ghoidc.DefaultSubject
)

// cloudCluster is what the credential tests need from the local cluster: its API server and
// CA, the key that signs tokens its authhook and JWT authenticator trust, the authhook's
// serving certificate (the cloud fakes serve with it: it is for 127.0.0.1 and signed by the
// cluster CA, which the action trusts through SSL_CERT_FILE) and the issuer URL.
type cloudCluster struct {
	server, caFile string
	caPEM          []byte
	idpKey         *rsa.PrivateKey
	cert           tls.Certificate
	issuer         string
}

func newCloudCluster(t *testing.T) *cloudCluster {
	t.Helper()
	needCluster(t)
	dir := filepath.Dir(os.Getenv("E2E_KUBECONFIG"))
	pki := filepath.Join(dir, "pki")
	c := &cloudCluster{caFile: filepath.Join(pki, "ca.crt")}
	var err error
	if c.caPEM, err = os.ReadFile(c.caFile); err != nil {
		t.Fatalf("the cluster has no CA file (start it with make cluster-up): %v", err)
	}
	if c.cert, err = tls.LoadX509KeyPair(filepath.Join(pki, "authhook.crt"), filepath.Join(pki, "authhook.key")); err != nil {
		t.Fatalf("the cluster has no authhook certificate (restart it: make cluster-down cluster-up): %v", err)
	}
	b, err := os.ReadFile(filepath.Join(pki, "idp.key"))
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	c.idpKey = k.(*rsa.PrivateKey)
	ports, err := os.ReadFile(filepath.Join(dir, "ports"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^AUTHHOOK_PORT=(\d+)$`).FindSubmatch(ports)
	if m == nil {
		t.Fatal("the cluster's ports file has no AUTHHOOK_PORT (restart it: make cluster-down cluster-up)")
	}
	c.issuer = "https://127.0.0.1:" + string(m[1])
	cfg, err := clientcmd.RESTConfigFromKubeConfig(h.kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	c.server = cfg.Host
	c.grantCloudIdentities(t)
	return c
}

// grantCloudIdentities lets the identities of the credential tests deploy.
func (c *cloudCluster) grantCloudIdentities(t *testing.T) {
	t.Helper()
	crb := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "hda-e2e-cloud-identities"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "cluster-admin"},
		Subjects: []rbacv1.Subject{
			{Kind: "Group", APIGroup: "rbac.authorization.k8s.io", Name: "hda:eks"},
			{Kind: "Group", APIGroup: "rbac.authorization.k8s.io", Name: "hda:gke"},
			{Kind: "Group", APIGroup: "rbac.authorization.k8s.io", Name: "hda:aks"},
			{Kind: "User", APIGroup: "rbac.authorization.k8s.io", Name: "github:" + githubSubject},
		},
	}
	_, err := clientset(t).RbacV1().ClusterRoleBindings().Create(context.Background(), crb, metav1.CreateOptions{})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// github starts the fake GitHub OIDC token service, signing as the issuer the cluster trusts.
func (c *cloudCluster) github(t *testing.T, lifetime time.Duration) *ghoidc.Fake {
	return ghoidc.Start(t, ghoidc.Options{Key: c.idpKey, Issuer: c.issuer, Lifetime: lifetime, TLSCert: &c.cert})
}

// minter makes the bearer tokens of a fake cloud token service: JWTs the authhook accepts.
func (c *cloudCluster) minter(t *testing.T, issuer string) func(subject string, expiry time.Time) string {
	return func(subject string, expiry time.Time) string {
		tok, err := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
			"iss": issuer, "sub": subject, "exp": expiry.Unix(), "iat": time.Now().Unix(),
		}).SignedString(c.idpKey)
		if err != nil {
			t.Error(err)
		}
		return tok
	}
}

// env is the runner environment of a job with `id-token: write`, trusting the cluster CA.
func (c *cloudCluster) env(gh *ghoidc.Fake, extra ...string) []string {
	out := []string{"SSL_CERT_FILE=" + c.caFile}
	for k, v := range gh.Env() {
		out = append(out, k+"="+v)
	}
	return append(out, extra...)
}

// kubeconfigWithExec is what a cloud CLI writes: the local cluster, and a user whose exec
// plugin is not in the action's image.
func (c *cloudCluster) kubeconfigWithExec(command string, args ...string) string {
	return `apiVersion: v1
kind: Config
clusters:
- name: cloud
  cluster:
    server: ` + c.server + `
    certificate-authority-data: ` + base64.StdEncoding.EncodeToString(c.caPEM) + `
users:
- name: cloud-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: ` + command + `
      args: ["` + strings.Join(args, `", "`) + `"]
      installHint: the plugin is not in the action's image
contexts:
- name: cloud
  context: {cluster: cloud, user: cloud-user}
current-context: cloud
`
}

// checkLoggedIn checks the run's log says which identity the API server saw.
func checkLoggedIn(t *testing.T, r result, user string) {
	t.Helper()
	if want := "the API server knows this run as " + user; !strings.Contains(r.Stdout, want) {
		t.Errorf("the log does not say %q", want)
	}
}
