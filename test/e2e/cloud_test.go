//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/cloud/aks/aksfake"
	"github.com/helmdeploy/helm-deploy-action/internal/cloud/eks/eksfake"
	"github.com/helmdeploy/helm-deploy-action/internal/cloud/gke/gkefake"
)

// The credential tests deploy through each in-process login to the local cluster, whose
// kube-apiserver trusts the fake GitHub issuer (structured JWT authentication) and asks the
// authhook webhook about EKS, Google and Entra tokens. Each run's identity is the one the API
// server reports (SelfSubjectReview), and nothing else lets it in: the kubeconfig input is empty
// or holds only an exec plugin the image does not have.

// tokenLife is shorter than the deploys below (min-ready-seconds 25, lock renewed every 2 s),
// so each of them needs a refreshed token to finish.
const tokenLife = 20 * time.Second

func slowDeploy(ns, rel string) map[string]string {
	return map[string]string{"release": rel, "namespace": ns, "chart": webChart, "kubeconfig": "",
		"values": "replicaCount: 1", "min-ready-seconds": "25", "lock-ttl": "6s"}
}

func TestCloudPlainOIDC(t *testing.T) {
	c := newCloudCluster(t)
	gh := c.github(t, tokenLife)
	ns := newNamespace(t, clientset(t))
	in := slowDeploy(ns, "oidc")
	in["cluster"], in["cluster-server"], in["cluster-ca"], in["audience"] = "oidc", c.server, string(c.caPEM), "hda-e2e"
	start := time.Now()
	r := runAction(t, in, c.env(gh)...).mustSucceed(t)
	checkLoggedIn(t, r, "github:"+githubSubject)
	if time.Since(start) < tokenLife {
		t.Fatalf("the deploy took %s, less than the token's life: refresh not exercised", time.Since(start))
	}
	if n := len(gh.Audiences()); n < 2 {
		t.Fatalf("%d GitHub tokens were requested in a %s deploy with %s tokens: no refresh", n, time.Since(start), tokenLife)
	}
	for _, aud := range gh.Audiences() {
		if aud != "hda-e2e" {
			t.Fatalf("audience %q requested", aud)
		}
	}
	checkNotPrinted(t, r.Stdout+r.Stderr, "eyJ", "a JWT")
}

func TestCloudOIDCWithoutIDTokenPermission(t *testing.T) {
	c := newCloudCluster(t)
	ns := newNamespace(t, clientset(t))
	in := slowDeploy(ns, "oidc-noperm")
	in["cluster"], in["cluster-server"], in["cluster-ca"], in["audience"] = "oidc", c.server, string(c.caPEM), "hda-e2e"
	r := runAction(t, in, "SSL_CERT_FILE="+c.caFile)
	if r.ExitCode == 0 || !strings.Contains(r.Stdout, "id-token: write") {
		t.Fatalf("exit %d; the log does not name the missing permission:\n%s", r.ExitCode, r.Stdout)
	}
}

func TestCloudAKSKeyless(t *testing.T) {
	c := newCloudCluster(t)
	gh := c.github(t, 5*time.Minute)
	const tenant, client = "72f988bf-86f1-41af-91ab-2d7cd011db47", "0b1f6471-1bf0-4dda-aec3-cb9272f09590"
	entra := aksfake.Start(t, aksfake.Options{
		Tenant:        tenant,
		Clients:       map[string]aksfake.App{client: {Subjects: []string{githubSubject}}},
		TokenLifetime: tokenLife,
		VerifyIDToken: gh.Verify,
		MintToken:     c.minter(t, entraIssuer),
		TLSCert:       &c.cert,
	})
	ns := newNamespace(t, clientset(t))
	in := slowDeploy(ns, "aks")
	in["cluster"] = "aks:0b1f6471-1bf0-4dda-aec3-cb9272f09590/rg-e2e/hda-e2e"
	in["cluster-server"], in["cluster-ca"], in["client-id"], in["tenant-id"] = c.server, string(c.caPEM), client, tenant
	start := time.Now()
	r := runAction(t, in, c.env(gh, "AZURE_AUTHORITY_HOST="+entra.AuthorityHost)...).mustSucceed(t)
	checkLoggedIn(t, r, "entra:"+client)
	if n := entra.Calls(aksfake.EndpointToken); n < 2 {
		t.Fatalf("%d Entra tokens in a %s deploy with %s tokens: no refresh", n, time.Since(start), tokenLife)
	}
	for _, aud := range gh.Audiences() {
		if aud != "api://AzureADTokenExchange" {
			t.Fatalf("GitHub token requested for audience %q", aud)
		}
	}
}

func TestCloudGKEPluginWithAuthCredentialsFile(t *testing.T) {
	c := newCloudCluster(t)
	gh := c.github(t, 5*time.Minute)
	google := gkefake.Start(t, gkefake.Options{
		VerifyIDToken: gh.Verify,
		MintToken:     c.minter(t, googleIssuer),
		TLSCert:       &c.cert,
	})
	// What google-github-actions/auth leaves in the workspace: a credential_source URL on the
	// runtime's token endpoint, with the request token as a header.
	ws := t.TempDir()
	file, err := google.WriteExternalAccountFile(ws, gkefake.ExternalAccount{
		CredentialSourceURL: gh.URL + "&audience=https://iam.googleapis.com/" + gkefake.DefaultProvider,
		Headers:             map[string]string{"Authorization": "Bearer " + gh.RequestToken},
	})
	if err != nil {
		t.Fatal(err)
	}
	ns := newNamespace(t, clientset(t))
	in := map[string]string{"release": "gke", "namespace": ns, "chart": webChart, "values": "replicaCount: 1",
		"kubeconfig": c.kubeconfigWithExec("gke-gcloud-auth-plugin")}
	r := runAction(t, in, c.env(gh, "GOOGLE_APPLICATION_CREDENTIALS="+file)...).mustSucceed(t)
	checkLoggedIn(t, r, "google:principal://iam.googleapis.com/")
	if !strings.Contains(r.Stdout, "gke-gcloud-auth-plugin") {
		t.Error("the log does not say which plugin was replaced")
	}
}

func TestCloudUnknownPluginFailsBeforeAnyCall(t *testing.T) {
	c := newCloudCluster(t)
	ns := newNamespace(t, clientset(t))
	in := map[string]string{"release": "tsh", "namespace": ns, "chart": webChart,
		"kubeconfig": c.kubeconfigWithExec("tsh", "kube", "credentials", "--kube-cluster=prod")}
	r := runAction(t, in, "SSL_CERT_FILE="+c.caFile)
	if r.ExitCode == 0 {
		t.Fatal("a kubeconfig with an unknown plugin deployed")
	}
	for _, want := range []string{`"tsh"`, "aws eks get-token", "gke-gcloud-auth-plugin", "kubelogin", "cluster input"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("the error does not say %q", want)
		}
	}
	if strings.Contains(r.Stdout, "executable file not found") {
		t.Error("client-go tried to run the plugin")
	}
}

// eksFake is a loopback STS + EKS that lets the fake GitHub subject assume the deploy role and
// knows the local cluster as "hda-e2e" (the id the authhook checks tokens against).
func eksFake(t *testing.T, c *cloudCluster, gh interface {
	Verify(string, string) (string, error)
}) *eksfake.Fake {
	return eksfake.Start(t, eksfake.Options{
		Account:       "111122223333",
		VerifyIDToken: gh.Verify,
		AllowRole: func(role, principal string) bool {
			return role == "arn:aws:iam::111122223333:role/deploy" && principal == githubSubject
		},
		Clusters: []eksfake.Cluster{{Name: "hda-e2e", Endpoint: c.server, CAPEM: c.caPEM}},
		TLSCert:  &c.cert,
	})
}

const eksUser = "arn:aws:sts::111122223333:assumed-role/deploy/helm-deploy-action"

func TestCloudEKSKeylessWithClusterLookup(t *testing.T) {
	c := newCloudCluster(t)
	gh := c.github(t, 5*time.Minute)
	aws := eksFake(t, c, gh)
	ns := newNamespace(t, clientset(t))
	in := map[string]string{"release": "eks", "namespace": ns, "chart": webChart, "values": "replicaCount: 1", "kubeconfig": "",
		"cluster": "eks:us-east-1/hda-e2e", "role-to-assume": "arn:aws:iam::111122223333:role/deploy"}
	r := runAction(t, in, c.env(gh, "AWS_ENDPOINT_URL_STS="+aws.URL, "AWS_ENDPOINT_URL_EKS="+aws.URL)...).mustSucceed(t)
	checkLoggedIn(t, r, eksUser)
	if !strings.Contains(r.Stdout, "API server "+c.server+" (from the cloud's API)") {
		t.Error("the log does not say the endpoint came from DescribeCluster")
	}
	if aud := gh.Audiences(); len(aud) == 0 || aud[0] != "sts.amazonaws.com" {
		t.Errorf("GitHub token audiences %v", aud)
	}
}

func TestCloudEKSPluginReplaced(t *testing.T) {
	c := newCloudCluster(t)
	gh := c.github(t, 5*time.Minute)
	aws := eksFake(t, c, gh)
	ns := newNamespace(t, clientset(t))
	// What `aws eks update-kubeconfig` writes; role-to-assume makes it keyless.
	kc := c.kubeconfigWithExec("aws", "--region", "us-east-1", "eks", "get-token", "--cluster-name", "hda-e2e", "--output", "json")
	in := map[string]string{"release": "eks-kc", "namespace": ns, "chart": webChart, "values": "replicaCount: 1",
		"kubeconfig": kc, "role-to-assume": "arn:aws:iam::111122223333:role/deploy"}
	r := runAction(t, in, c.env(gh, "AWS_ENDPOINT_URL_STS="+aws.URL)...).mustSucceed(t)
	checkLoggedIn(t, r, eksUser)
	checkNotPrinted(t, r.Stdout+r.Stderr, "k8s-aws-v1.", "an EKS token")

	// A token signed for another cluster: the authhook sends its own cluster id to STS, the
	// signature does not match, and the API server refuses the token.
	kc = c.kubeconfigWithExec("aws", "--region", "us-east-1", "eks", "get-token", "--cluster-name", "other-cluster")
	in["kubeconfig"], in["release"] = kc, "eks-other"
	r = runAction(t, in, c.env(gh, "AWS_ENDPOINT_URL_STS="+aws.URL)...)
	if r.ExitCode == 0 || !strings.Contains(r.Stdout, "refused the token of arn:aws:iam::111122223333:role/deploy") || !strings.Contains(r.Stdout, "access entry") {
		t.Fatalf("a token for another cluster was accepted (exit %d)", r.ExitCode)
	}
}

func TestCloudEKSWrongRole(t *testing.T) {
	c := newCloudCluster(t)
	gh := c.github(t, 5*time.Minute)
	aws := eksFake(t, c, gh)
	in := map[string]string{"release": "eks-denied", "namespace": "default", "chart": webChart, "kubeconfig": "",
		"cluster": "eks:us-east-1/hda-e2e", "role-to-assume": "arn:aws:iam::111122223333:role/admin"}
	r := runAction(t, in, c.env(gh, "AWS_ENDPOINT_URL_STS="+aws.URL, "AWS_ENDPOINT_URL_EKS="+aws.URL)...)
	if r.ExitCode == 0 || !strings.Contains(r.Stdout, "trust policy") {
		t.Fatalf("exit %d; the error does not point at the role's trust policy:\n%s", r.ExitCode, r.Stdout)
	}
}
