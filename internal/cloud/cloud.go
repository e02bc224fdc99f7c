// Package cloud mints the bearer tokens that managed Kubernetes clusters accept, in process:
// EKS (a presigned STS URL), GKE (a Google access token), AKS (a Microsoft Entra token) and any
// cluster that trusts GitHub's OIDC issuer (the job's ID token). It replaces the exec plugins
// (aws, aws-iam-authenticator, gke-gcloud-auth-plugin, kubelogin) that a kubeconfig may name
// and that the action's image does not contain.
//
// The providers live in the subpackages eks, gke and aks, each the only importer of its cloud's
// SDK; this package chooses one from a Spec, caches its tokens and refreshes them before they
// expire, and hands every token to a mask function before anything can use it.
package cloud

import (
	"errors"
	"fmt"
	"strings"
)

// Kinds of cluster access.
const (
	EKS  = "eks"
	GKE  = "gke"
	AKS  = "aks"
	OIDC = "oidc"
)

// Spec says how to reach one cluster and which identity to use. It comes from the cluster
// inputs or from a kubeconfig exec plugin that was recognised (FromExec), completed by the
// identity inputs (role-to-assume, workload-identity-provider, client-id, ...).
type Spec struct {
	Kind string

	// Cluster coordinates.
	Region        string // EKS
	Name          string // EKS, GKE and AKS cluster name
	Project       string // GKE
	Location      string // GKE
	Subscription  string // AKS
	ResourceGroup string // AKS

	// Identity.
	RoleARN                  string // EKS: role to assume (keyless with the job's ID token when no keys are set)
	WorkloadIdentityProvider string // GKE: projects/N/locations/global/workloadIdentityPools/P/providers/Q
	ServiceAccount           string // GKE: service account to impersonate
	ClientID                 string // AKS: application (client) id
	TenantID                 string // AKS: directory (tenant) id
	ServerID                 string // AKS: server application id (default the AKS one)
	Audience                 string // audience of the GitHub ID token (default per kind; required for oidc)

	// Plugin is the kubeconfig exec plugin this Spec replaces ("" when it came from the inputs).
	Plugin string
}

// ErrUnsupportedPlugin means a kubeconfig names an exec or auth-provider plugin that the action
// cannot replace in process.
var ErrUnsupportedPlugin = errors.New("unsupported kubeconfig credential plugin")

// ErrNoIDToken means a keyless login needs the job's GitHub OIDC token and the job cannot
// request one.
var ErrNoIDToken = errors.New("the job cannot request a GitHub OIDC token: add `permissions: id-token: write` to the job " +
	"(ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set)")

// String describes the cluster for the log, with no secret in it.
func (s Spec) String() string {
	var where string
	switch s.Kind {
	case EKS:
		where = fmt.Sprintf("EKS cluster %s in %s", s.Name, s.Region)
	case GKE:
		where = fmt.Sprintf("GKE cluster %s in %s/%s", s.Name, s.Project, s.Location)
	case AKS:
		where = fmt.Sprintf("AKS cluster %s in %s/%s", s.Name, s.Subscription, s.ResourceGroup)
	case OIDC:
		where = "cluster trusting GitHub's OIDC issuer (audience " + s.Audience + ")"
	default:
		where = "cluster of unknown kind " + s.Kind
	}
	if s.Plugin != "" {
		where += " (in place of the kubeconfig's " + s.Plugin + " plugin)"
	}
	return where
}

// Validate checks the fields a kind needs.
func (s Spec) Validate() error {
	var missing []string
	need := func(v, name string) {
		if strings.TrimSpace(v) == "" {
			missing = append(missing, name)
		}
	}
	switch s.Kind {
	case EKS:
		need(s.Region, "region")
		need(s.Name, "cluster name")
	case GKE:
		need(s.Project, "project")
		need(s.Location, "location")
		need(s.Name, "cluster name")
	case AKS:
		need(s.Subscription, "subscription")
		need(s.ResourceGroup, "resource group")
		need(s.Name, "cluster name")
	case OIDC:
		need(s.Audience, "audience")
	default:
		return fmt.Errorf("unknown cluster kind %q (want eks, gke, aks or oidc)", s.Kind)
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s: missing %s", s.Kind, strings.Join(missing, ", "))
	}
	return nil
}

// RefusedHint says what to check when the API server answers 401 to this login's tokens.
func (s Spec) RefusedHint() string {
	switch s.Kind {
	case EKS:
		return "the cluster must know this IAM identity: add an EKS access entry for it (aws eks create-access-entry " +
			"--principal-arn <role ARN>) or map it in the aws-auth ConfigMap, and check that cluster " + s.Name + " in " + s.Region + " is the one the kubeconfig or cluster input names"
	case GKE:
		return "the identity needs access to the cluster: an IAM role such as roles/container.developer on the project, or a Kubernetes RBAC binding for its email or principal"
	case AKS:
		return "the cluster must use Microsoft Entra ID integration, and the application needs an Azure RBAC role on it " +
			"(such as Azure Kubernetes Service RBAC Writer) or a Kubernetes RBAC binding for its object id"
	case OIDC:
		return "the API server's JWT authenticator must trust the issuer https://token.actions.githubusercontent.com with audience " +
			s.Audience + " and map the token's sub claim to a user with RBAC permissions"
	}
	return ""
}
