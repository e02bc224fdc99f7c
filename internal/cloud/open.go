package cloud

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/cloud/aks"
	"github.com/helmdeploy/helm-deploy-action/internal/cloud/eks"
	"github.com/helmdeploy/helm-deploy-action/internal/cloud/gke"
)

// Env is what the providers may use from the run.
type Env struct {
	Getenv     func(string) string // the process environment, overlaid with the plugin's
	IDToken    IDTokenFunc         // nil: the job has no id-token: write permission
	HTTPClient *http.Client        // nil: the SDKs' defaults
	Mask       func(string)        // registers a secret with the log masker
	Now        func() time.Time
}

// Login is an opened cluster login: a refreshing token source and, for the cloud kinds, the
// cluster's endpoint as the cloud's API knows it.
type Login struct {
	Spec     Spec
	Source   *Source
	endpoint func(context.Context) (string, []byte, error)
}

// Endpoint asks the cloud for the API server URL and CA (EKS DescribeCluster, GKE clusters.get,
// AKS listClusterUserCredential). oidc has none: the cluster-server input is required there.
func (l *Login) Endpoint(ctx context.Context) (string, []byte, error) {
	if l.endpoint == nil {
		return "", nil, fmt.Errorf("%s: set cluster-server (and cluster-ca)", l.Spec)
	}
	return l.endpoint(ctx)
}

// Open builds the provider for spec. No token is minted yet.
func Open(ctx context.Context, spec Spec, env Env) (*Login, error) {
	if env.Mask == nil {
		env.Mask = func(string) {}
	}
	idToken := env.IDToken
	if idToken != nil {
		// The job's ID token is an assertion: masked before any SDK sees it.
		inner := idToken
		idToken = func(ctx context.Context, aud string) (string, error) {
			tok, err := inner(ctx, aud)
			if err == nil {
				env.Mask(tok)
			}
			return tok, err
		}
	}
	var m Minter
	var endpoint func(context.Context) (string, []byte, error)
	switch spec.Kind {
	case EKS:
		p, err := eks.New(ctx, eks.Options{Region: spec.Region, Cluster: spec.Name, RoleARN: spec.RoleARN, Audience: spec.Audience,
			IDToken: idToken, HTTPClient: env.HTTPClient, Getenv: env.Getenv, Now: env.Now})
		if err != nil {
			return nil, err
		}
		m, endpoint = presignMasker{p, env.Mask}, p.Endpoint
	case GKE:
		p, err := gke.New(ctx, gke.Options{Project: spec.Project, Location: spec.Location, Cluster: spec.Name,
			WorkloadIdentityProvider: spec.WorkloadIdentityProvider, ServiceAccount: spec.ServiceAccount, Audience: spec.Audience,
			IDToken: gke.IDTokenFunc(idToken), HTTPClient: env.HTTPClient, Getenv: env.Getenv, Now: env.Now})
		if err != nil {
			return nil, err
		}
		m, endpoint = p, p.Endpoint
	case AKS:
		p, err := aks.New(ctx, aks.Options{Subscription: spec.Subscription, ResourceGroup: spec.ResourceGroup, Cluster: spec.Name,
			TenantID: spec.TenantID, ClientID: spec.ClientID, ServerID: spec.ServerID, Audience: spec.Audience,
			IDToken: idToken, HTTPClient: env.HTTPClient, Getenv: env.Getenv, Now: env.Now})
		if err != nil {
			return nil, err
		}
		m, endpoint = p, p.Endpoint
	case OIDC:
		if idToken == nil {
			return nil, ErrNoIDToken
		}
		m = &oidcMinter{idToken: idToken, audience: spec.Audience}
	default:
		return nil, spec.Validate()
	}
	return &Login{Spec: spec, Source: NewSource(ctx, m, env.Mask, env.Now), endpoint: endpoint}, nil
}

// presignMasker also masks the presigned STS URL inside an EKS token, so that neither the
// token nor the URL it encodes can be printed.
type presignMasker struct {
	Minter
	mask func(string)
}

func (p presignMasker) Token(ctx context.Context) (string, time.Time, error) {
	tok, exp, err := p.Minter.Token(ctx)
	if err == nil {
		if u, derr := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tok, "k8s-aws-v1.")); derr == nil {
			p.mask(string(u))
		}
	}
	return tok, exp, err
}
