//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/cloud/gke/gkefake"
)

// imageTrustsClusterCA puts the cluster CA into the workspace and returns the SSL_CERT_FILE
// setting (a host path the runner translates into the container).
func imageTrustsClusterCA(t *testing.T, c *cloudCluster, d *runnerDirs) string {
	t.Helper()
	p := filepath.Join(d.workspace, "test-ca.pem")
	if err := os.WriteFile(p, c.caPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	return "SSL_CERT_FILE=" + p
}

// TestImageGKEWithAuthCredentialsFile is the common GKE setup with the image: actions/checkout,
// then google-github-actions/auth writing its external_account file into the workspace and
// exporting GOOGLE_APPLICATION_CREDENTIALS as a runner path, which the runner translates to
// /github/workspace/...; the kubeconfig comes from `gcloud container clusters get-credentials`
// and names gke-gcloud-auth-plugin, which the image does not have.
func TestImageGKEWithAuthCredentialsFile(t *testing.T) {
	needImage(t)
	c := newCloudCluster(t)
	gh := c.github(t, 5*time.Minute)
	google := gkefake.Start(t, gkefake.Options{VerifyIDToken: gh.Verify, MintToken: c.minter(t, googleIssuer), TLSCert: &c.cert})
	d := imageWorkspace(t, "replicaCount: 1\n")
	file, err := google.WriteExternalAccountFile(d.workspace, gkefake.ExternalAccount{
		CredentialSourceURL: gh.URL + "&audience=https://iam.googleapis.com/" + gkefake.DefaultProvider,
		Headers:             map[string]string{"Authorization": "Bearer " + gh.RequestToken},
	})
	if err != nil {
		t.Fatal(err)
	}
	ns := newNamespace(t, clientset(t))
	env := c.env(gh, imageTrustsClusterCA(t, c, d), "GOOGLE_APPLICATION_CREDENTIALS="+file)
	r := startImage(t, "gke", d, imageInputs(ns, "", map[string]string{
		"kubeconfig": c.kubeconfigWithExec("gke-gcloud-auth-plugin")}), env...).result(t, runLimit).mustSucceed(t)
	checkLoggedIn(t, r, "google:principal://iam.googleapis.com/")
	checkNotPrinted(t, r.Stdout+r.Stderr, "eyJ", "a JWT")
	checkNotPrinted(t, r.Stdout+r.Stderr, gh.RequestToken, "the ID token request token")
}

// TestImageEKSKeyless logs in with only the cluster input and the role: the job's ID token is
// exchanged for the role, and the endpoint comes from DescribeCluster.
func TestImageEKSKeyless(t *testing.T) {
	needImage(t)
	c := newCloudCluster(t)
	gh := c.github(t, 5*time.Minute)
	aws := eksFake(t, c, gh)
	d := imageWorkspace(t, "replicaCount: 1\n")
	ns := newNamespace(t, clientset(t))
	env := c.env(gh, imageTrustsClusterCA(t, c, d), "AWS_ENDPOINT_URL_STS="+aws.URL, "AWS_ENDPOINT_URL_EKS="+aws.URL)
	r := startImage(t, "eks", d, imageInputs(ns, "", map[string]string{"kubeconfig": "",
		"cluster": "eks:us-east-1/hda-e2e", "role-to-assume": "arn:aws:iam::111122223333:role/deploy"}), env...).
		result(t, runLimit).mustSucceed(t)
	checkLoggedIn(t, r, eksUser)
	checkNotPrinted(t, r.Stdout+r.Stderr, "k8s-aws-v1.", "an EKS token")
}
