// Package gke mints Google OAuth2 access tokens for GKE API servers in
// process (no gcloud, no gke-gcloud-auth-plugin) and looks up a cluster's
// endpoint and CA through the Container API.
//
// Two ways in:
//   - keyless: Options.WorkloadIdentityProvider is set; every Token call
//     exchanges a fresh GitHub OIDC token (Options.IDToken) at Google STS and,
//     when Options.ServiceAccount is set, impersonates that service account;
//   - ADC file: otherwise the credentials file (Options.CredentialsFile or
//     $GOOGLE_APPLICATION_CREDENTIALS, written by google-github-actions/auth)
//     is loaded with the typed loader. Accepted types: external_account,
//     service_account and authorized_user.
package gke

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"time"
)

// Sentinel errors; callers tell cases apart with errors.Is.
var (
	// ErrNoIDToken: the keyless path needs a GitHub OIDC token but the job has none.
	ErrNoIDToken = errors.New("no GitHub OIDC token: the job needs `permissions: id-token: write` (ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN are missing)")
	// ErrInvalidOptions: an input is malformed (provider name, service account, ...).
	ErrInvalidOptions = errors.New("invalid GKE credentials settings")
	// ErrNoCredentials: neither a workload identity provider nor a credentials file.
	ErrNoCredentials = errors.New("no Google credentials")
	// ErrCredentialsFileMissing: the credentials file named by the settings does not exist.
	ErrCredentialsFileMissing = errors.New("the Google credentials file is missing")
	// ErrUnsupportedCredentialType: the credentials file has a type this action does not load.
	ErrUnsupportedCredentialType = errors.New("unsupported Google credentials type")
	// ErrExchangeRejected: Google STS, IAM Credentials or the OAuth endpoint refused to issue a token.
	ErrExchangeRejected = errors.New("access token refused by Google")
	// ErrClusterNotFound: the Container API has no such cluster (404).
	ErrClusterNotFound = errors.New("GKE cluster not found")
	// ErrPermissionDenied: the identity may not read the cluster (403).
	ErrPermissionDenied = errors.New("permission denied reading the GKE cluster")
)

// Defaults for the Google endpoints and scopes.
const (
	DefaultSTSURL            = "https://sts.googleapis.com/v1/token"
	DefaultIAMCredentialsURL = "https://iamcredentials.googleapis.com"
	DefaultContainerURL      = "https://container.googleapis.com"
	ScopeCloudPlatform       = "https://www.googleapis.com/auth/cloud-platform"
	ScopeUserinfoEmail       = "https://www.googleapis.com/auth/userinfo.email"
	jwtTokenType             = "urn:ietf:params:oauth:token-type:jwt"
	iamPrefix                = "//iam.googleapis.com/"
)

// IDTokenFunc returns a fresh GitHub Actions OIDC token for the audience.
type IDTokenFunc = func(ctx context.Context, audience string) (string, error)

// Options configure a Provider. Only WorkloadIdentityProvider (keyless) or a
// credentials file is needed for tokens; Project, Location and Cluster only
// for Endpoint.
type Options struct {
	Project, Location, Cluster string

	// WorkloadIdentityProvider is the full provider resource name,
	// projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>.
	WorkloadIdentityProvider string
	// ServiceAccount is the email to impersonate (keyless path only; optional).
	ServiceAccount string
	// Audience of the GitHub OIDC token; default https://iam.googleapis.com/<WorkloadIdentityProvider>.
	Audience string
	// CredentialsFile is an ADC JSON file; default $GOOGLE_APPLICATION_CREDENTIALS.
	CredentialsFile string

	STSURL            string   // default DefaultSTSURL (keyless path; a file names its own)
	IAMCredentialsURL string   // default DefaultIAMCredentialsURL (keyless path)
	ContainerURL      string   // default DefaultContainerURL
	Scopes            []string // default cloud-platform + userinfo.email

	IDToken    IDTokenFunc
	HTTPClient *http.Client
	Getenv     func(string) string
	Now        func() time.Time
}

// Provider mints GKE bearer tokens. It is safe for concurrent use.
type Provider struct {
	o        Options
	hc       *http.Client
	now      func() time.Time
	scopes   []string
	identity string

	wip string // the workload identity provider resource name, if known
	imp bool   // a service account is impersonated

	// keyless
	stsAudience string // //iam.googleapis.com/<provider>
	impURL      string

	// ADC file
	file     []byte
	fileType string
}

var (
	providerRE = regexp.MustCompile(`^projects/([^/]+)/locations/([^/]+)/workloadIdentityPools/([^/]+)/providers/([^/]+)$`)
	idRE       = regexp.MustCompile(`^[a-z0-9-]+$`)
	emailRE    = regexp.MustCompile(`^[^\s/@:]+@[^\s/@:]+\.[^\s/@:]+$`)
)

// New validates the options and prepares the token source. It mints nothing.
func New(ctx context.Context, o Options) (*Provider, error) {
	p := &Provider{o: o, hc: o.HTTPClient, now: o.Now, scopes: o.Scopes}
	if p.hc == nil {
		p.hc = http.DefaultClient
	}
	if p.now == nil {
		p.now = time.Now
	}
	if len(p.scopes) == 0 {
		p.scopes = []string{ScopeCloudPlatform, ScopeUserinfoEmail}
	}
	p.o.STSURL = orDefault(o.STSURL, DefaultSTSURL)
	p.o.IAMCredentialsURL = strings.TrimSuffix(orDefault(o.IAMCredentialsURL, DefaultIAMCredentialsURL), "/")
	p.o.ContainerURL = strings.TrimSuffix(orDefault(o.ContainerURL, DefaultContainerURL), "/")
	if o.ServiceAccount != "" && !emailRE.MatchString(o.ServiceAccount) {
		return nil, fmt.Errorf("%w: service account %q is not an email address (like deployer@my-project.iam.gserviceaccount.com)", ErrInvalidOptions, o.ServiceAccount)
	}
	if o.WorkloadIdentityProvider != "" {
		return p, p.initKeyless()
	}
	return p, p.initFile()
}

func (p *Provider) initKeyless() error {
	wip := p.o.WorkloadIdentityProvider
	if err := ValidateWorkloadIdentityProvider(wip); err != nil {
		return err
	}
	if p.o.IDToken == nil {
		return fmt.Errorf("workload-identity-provider is set: %w", ErrNoIDToken)
	}
	p.wip, p.stsAudience = wip, iamPrefix+wip
	if p.o.Audience == "" {
		p.o.Audience = "https://iam.googleapis.com/" + wip
	}
	p.identity = "principal of " + wip
	if sa := p.o.ServiceAccount; sa != "" {
		p.impURL = p.o.IAMCredentialsURL + "/v1/projects/-/serviceAccounts/" + sa + ":generateAccessToken"
		p.identity, p.imp = sa, true
	}
	return nil
}

// ValidateWorkloadIdentityProvider checks the full provider resource name
// projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>.
func ValidateWorkloadIdentityProvider(wip string) error {
	const want = "projects/<project number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>"
	bad := func(why string) error {
		return fmt.Errorf("%w: workload-identity-provider %q %s; want %s", ErrInvalidOptions, wip, why, want)
	}
	if strings.HasPrefix(wip, "//") || strings.HasPrefix(wip, "https://") {
		return bad("must not start with //iam.googleapis.com/ or https:// (give the resource name only)")
	}
	m := providerRE.FindStringSubmatch(wip)
	if m == nil {
		if strings.Contains(wip, "workloadIdentityPools/") && !strings.Contains(wip, "/providers/") {
			return bad("names a pool, not a provider")
		}
		return bad("is not a provider resource name")
	}
	switch {
	case strings.Trim(m[1], "0123456789") != "":
		return bad("has a project ID; use the project NUMBER (gcloud projects describe <id> --format='value(projectNumber)')")
	case m[2] != "global":
		return bad("has location " + m[2] + "; workload identity pools live in location global")
	case !idRE.MatchString(m[3]) || !idRE.MatchString(m[4]):
		return bad("has a pool or provider ID with characters other than lowercase letters, digits and hyphens")
	}
	return nil
}

// Identity is who the tokens are for: the impersonated service account, the
// client_email of a service_account file, or the principal of the provider.
func (p *Provider) Identity() string { return p.identity }

func orDefault(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

func (p *Provider) getenv(k string) string {
	if p.o.Getenv != nil {
		return p.o.Getenv(k)
	}
	return os.Getenv(k)
}
