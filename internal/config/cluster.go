package config

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"net/url"
	"regexp"
	"strings"
)

// ClusterSpec is how to log in to a managed cluster without a kubeconfig (input cluster), and
// the identity inputs that also complete a kubeconfig whose exec plugin the action replaces.
type ClusterSpec struct {
	Kind          string // eks, gke, aks, oidc; "" = from the kubeconfig
	Region        string // eks
	Name          string // eks, gke, aks
	Project       string // gke
	Location      string // gke
	Subscription  string // aks
	ResourceGroup string // aks
	Server        string // cluster-server: skips the cloud API lookup (required for oidc)
	CAData        []byte // cluster-ca as PEM; nil = from the cloud, or the system roots

	RoleARN                  string
	WorkloadIdentityProvider string
	ServiceAccount           string
	ClientID                 string
	TenantID                 string
	Audience                 string
}

var (
	awsRegion   = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]+$`)
	eksName     = regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$`)
	gcpProject  = regexp.MustCompile(`^[a-z][a-z0-9-]{4,28}[a-z0-9]$`)
	gcpLocation = regexp.MustCompile(`^[a-z]+-[a-z]+[0-9]+(-[a-z])?$`)
	gkeName     = regexp.MustCompile(`^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$`)
	guid        = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	azureGroup  = regexp.MustCompile(`^[-\w.()]{0,89}[-\w()]$`)
	aksName     = regexp.MustCompile(`^[a-zA-Z0-9]([-_a-zA-Z0-9]{0,61}[a-zA-Z0-9])?$`)
	roleARN     = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]{1,512}$`)
	wifProvider = regexp.MustCompile(`^projects/[0-9]+/locations/global/workloadIdentityPools/[a-z0-9-]{4,32}/providers/[a-z0-9-]{4,32}$`)
	saEmail     = regexp.MustCompile(`^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z0-9.-]+\.iam\.gserviceaccount\.com$|^[^@\s]+@[a-z0-9.-]+\.gserviceaccount\.com$`)
	tenantID    = regexp.MustCompile(`^[0-9a-fA-F-]{36}$|^[a-zA-Z0-9.-]+\.[a-z]{2,}$`)
)

const clusterForms = "eks:<region>/<name>, gke:<project>/<location>/<name>, aks:<subscription-id>/<resource-group>/<name> or oidc"

func (r *reader) cluster() ClusterSpec {
	c := ClusterSpec{
		RoleARN:                  r.str("role-to-assume"),
		WorkloadIdentityProvider: r.str("workload-identity-provider"),
		ServiceAccount:           r.str("service-account"),
		ClientID:                 r.str("client-id"),
		TenantID:                 r.str("tenant-id"),
		Audience:                 r.str("audience"),
		Server:                   r.str("cluster-server"),
	}
	r.clusterKind(&c)
	r.identity(c)
	if c.Server != "" {
		if u, err := url.Parse(c.Server); err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
			r.fail("cluster-server", c.Server, "must be an https URL of the API server such as https://1.2.3.4 or https://example.eks.amazonaws.com")
		}
	}
	if ca := r.str("cluster-ca"); ca != "" {
		c.CAData = r.certificates(ca)
	}
	if r.str("cluster") == "" && (c.Server != "" || c.CAData != nil) {
		r.fail("cluster-server", c.Server, "is used with the cluster input; with a kubeconfig the server comes from the kubeconfig")
	}
	if c.Kind == "oidc" {
		if c.Server == "" {
			r.fail("cluster-server", "", "is required with cluster: oidc (the API server URL; GitHub's token says nothing about it)")
		}
		if c.Audience == "" {
			r.fail("audience", "", "is required with cluster: oidc: the audience your API server's JWT authenticator expects")
		}
	}
	return c
}

func (r *reader) clusterKind(c *ClusterSpec) {
	v := r.str("cluster")
	if v == "" {
		return
	}
	if r.str("kubeconfig") != "" || r.str("kubeconfig-path") != "" {
		r.fail("cluster", v, "cannot be used together with kubeconfig or kubeconfig-path: set only one way to reach the cluster")
	}
	kind, rest, _ := strings.Cut(v, ":")
	parts := strings.Split(rest, "/")
	bad := func(format string, args ...any) { r.fail("cluster", v, format, args...) }
	switch kind {
	case "eks":
		if len(parts) != 2 {
			bad("eks takes eks:<region>/<name>, e.g. eks:eu-west-1/prod")
			return
		}
		c.Kind, c.Region, c.Name = kind, parts[0], parts[1]
		if !awsRegion.MatchString(c.Region) {
			bad("%q is not an AWS region such as us-east-1", c.Region)
		}
		if !eksName.MatchString(c.Name) {
			bad("%q is not an EKS cluster name (letters, digits, - and _, at most 100)", c.Name)
		}
	case "gke":
		if len(parts) != 3 {
			bad("gke takes gke:<project>/<location>/<name>, e.g. gke:my-project/europe-west1/prod")
			return
		}
		c.Kind, c.Project, c.Location, c.Name = kind, parts[0], parts[1], parts[2]
		if !gcpProject.MatchString(c.Project) {
			bad("%q is not a Google Cloud project id (6-30 lowercase letters, digits and hyphens)", c.Project)
		}
		if !gcpLocation.MatchString(c.Location) {
			bad("%q is not a Google Cloud region or zone such as europe-west1 or us-central1-a", c.Location)
		}
		if !gkeName.MatchString(c.Name) {
			bad("%q is not a GKE cluster name (lowercase letters, digits and hyphens, at most 40)", c.Name)
		}
	case "aks":
		if len(parts) != 3 {
			bad("aks takes aks:<subscription-id>/<resource-group>/<name>")
			return
		}
		c.Kind, c.Subscription, c.ResourceGroup, c.Name = kind, parts[0], parts[1], parts[2]
		if !guid.MatchString(c.Subscription) {
			bad("%q is not an Azure subscription id (a GUID)", c.Subscription)
		}
		if !azureGroup.MatchString(c.ResourceGroup) {
			bad("%q is not an Azure resource group name", c.ResourceGroup)
		}
		if !aksName.MatchString(c.Name) {
			bad("%q is not an AKS cluster name (letters, digits, - and _, at most 63)", c.Name)
		}
	case "oidc":
		if rest != "" || strings.Contains(v, ":") {
			bad("oidc takes no arguments: set cluster-server, cluster-ca and audience")
			return
		}
		c.Kind = kind
	default:
		bad("must be one of %s", clusterForms)
	}
}

// identity checks the identity inputs' formats, and that each fits the cluster kind when the
// kind is known (with a kubeconfig it is known only once the kubeconfig is read).
func (r *reader) identity(c ClusterSpec) {
	check := func(name, v string, re *regexp.Regexp, want, kind string) {
		if v == "" {
			return
		}
		if !re.MatchString(v) {
			r.fail(name, v, "is not %s", want)
		}
		if c.Kind != "" && c.Kind != kind {
			r.fail(name, v, "is for %s clusters, but cluster is %s", kind, c.Kind)
		}
	}
	check("role-to-assume", c.RoleARN, roleARN, "an IAM role ARN such as arn:aws:iam::123456789012:role/deploy", "eks")
	check("workload-identity-provider", c.WorkloadIdentityProvider, wifProvider,
		"a provider name such as projects/123456789/locations/global/workloadIdentityPools/github/providers/my-repo", "gke")
	check("service-account", c.ServiceAccount, saEmail, "a service account email such as deploy@my-project.iam.gserviceaccount.com", "gke")
	check("client-id", c.ClientID, guid, "an application (client) id (a GUID)", "aks")
	check("tenant-id", c.TenantID, tenantID, "a tenant id (a GUID or a domain such as contoso.onmicrosoft.com)", "aks")
	if c.ClientID != "" && c.TenantID == "" && c.Kind == "aks" {
		r.fail("tenant-id", "", "is required with client-id")
	}
}

// certificates reads cluster-ca: PEM, or base64 of PEM (as certificate-authority-data).
func (r *reader) certificates(v string) []byte {
	data := []byte(v)
	if !strings.Contains(v, "-----BEGIN") {
		b, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(v), ""))
		if err != nil {
			r.fail("cluster-ca", v, "is neither PEM nor base64 of PEM")
			return nil
		}
		data = b
	}
	n := 0
	for rest := data; ; {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			r.fail("cluster-ca", "(PEM)", "holds a %s block; it takes CA certificates only", blk.Type)
			return nil
		}
		if _, err := x509.ParseCertificate(blk.Bytes); err != nil {
			r.fail("cluster-ca", "(PEM)", "holds a certificate that does not parse: %v", err)
			return nil
		}
		n++
	}
	if n == 0 {
		r.fail("cluster-ca", "(PEM)", "holds no PEM certificate")
		return nil
	}
	return data
}
