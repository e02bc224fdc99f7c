// Package eks mints Amazon EKS bearer tokens in process (what
// `aws eks get-token` prints) and reads a cluster's endpoint and CA from
// DescribeCluster, with aws-sdk-go-v2.
package eks

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Defaults.
const (
	DefaultSessionName = "helm-deploy-action"
	DefaultAudience    = "sts.amazonaws.com"
)

// Sentinel errors a caller can tell apart with errors.Is.
var (
	ErrNoIDToken       = errors.New("no GitHub OIDC token available")
	ErrNoRegion        = errors.New("no AWS region")
	ErrNoCluster       = errors.New("no EKS cluster name")
	ErrNoCredentials   = errors.New("no AWS credentials")
	ErrAccessDenied    = errors.New("AWS denied access")
	ErrIdentityToken   = errors.New("AWS STS rejected the GitHub OIDC token")
	ErrExpired         = errors.New("AWS credentials or token expired")
	ErrClusterNotFound = errors.New("EKS cluster not found")
	ErrClusterNotReady = errors.New("EKS cluster not ready")
)

// Options configures a Provider.
type Options struct {
	Region      string // required; "" = AWS_REGION, then AWS_DEFAULT_REGION (through Getenv)
	Cluster     string // cluster name, signed as the x-k8s-aws-id header
	RoleARN     string // role to assume; "" = the environment's credentials as they are
	SessionName string // "" = DefaultSessionName
	Audience    string // OIDC audience for the keyless path; "" = DefaultAudience
	STSEndpoint string // base endpoint; "" = the SDK's resolution (AWS_ENDPOINT_URL_STS, ...)
	EKSEndpoint string // base endpoint; "" = the SDK's resolution (AWS_ENDPOINT_URL_EKS, ...)
	MaxAttempts int    // SDK attempts per call; 0 = the SDK default (3)

	// IDToken returns a fresh GitHub OIDC token for audience; nil when the
	// job has no id-token: write permission.
	IDToken    func(ctx context.Context, audience string) (string, error)
	HTTPClient *http.Client        // nil = the SDK's default client
	Getenv     func(string) string // nil = os.Getenv
	Now        func() time.Time    // nil = time.Now
}

// Provider mints EKS tokens. It is safe for concurrent use.
type Provider struct {
	o     Options
	now   func() time.Time
	mode  credMode
	creds aws.CredentialsProvider
	sts   *sts.Client // signs with creds
	eks   *eks.Client

	mu        sync.Mutex
	callerARN string
}

// New validates o and builds the SDK clients. It makes no network call (ctx
// is unused; it is in the signature all providers share).
func New(ctx context.Context, o Options) (*Provider, error) {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.SessionName == "" {
		o.SessionName = DefaultSessionName
	}
	if o.Audience == "" {
		o.Audience = DefaultAudience
	}
	if o.Region == "" {
		o.Region = o.Getenv("AWS_REGION")
	}
	if o.Region == "" {
		o.Region = o.Getenv("AWS_DEFAULT_REGION")
	}
	if o.Region == "" {
		return nil, fmt.Errorf("%w: set the AWS region input of this action, or run aws-actions/configure-aws-credentials with aws-region before it (it exports AWS_REGION)", ErrNoRegion)
	}
	if o.Cluster == "" {
		return nil, fmt.Errorf("%w: set the EKS cluster name input of this action", ErrNoCluster)
	}
	mode, base, err := chooseCredentials(o)
	if err != nil {
		return nil, err
	}
	cfg, err := awsConfig(o, base)
	if err != nil {
		return nil, err
	}
	stsOpts := func(so *sts.Options) {
		so.BaseEndpoint = endpoint(o, o.STSEndpoint, "STS")
		so.EndpointOptions.UseFIPSEndpoint = fips(o)
		so.EndpointOptions.UseDualStackEndpoint = dualStack(o)
	}
	p := &Provider{o: o, now: o.Now, mode: mode}
	p.creds = p.roleCredentials(sts.NewFromConfig(cfg, stsOpts), base)
	p.sts = sts.NewFromConfig(cfg, stsOpts, func(so *sts.Options) { so.Credentials = p.creds })
	p.eks = eks.NewFromConfig(cfg, func(eo *eks.Options) {
		eo.Credentials = p.creds
		eo.BaseEndpoint = endpoint(o, o.EKSEndpoint, "EKS")
		eo.EndpointOptions.UseFIPSEndpoint = fips(o)
		eo.EndpointOptions.UseDualStackEndpoint = dualStack(o)
	})
	return p, nil
}

// Identity is the role ARN when a role is assumed, else the caller ARN seen
// at the first Token ("" before it).
func (p *Provider) Identity() string {
	if p.o.RoleARN != "" {
		return p.o.RoleARN
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.callerARN
}
