// Package aks mints Microsoft Entra ID access tokens for an AKS cluster's API server
// in process (no az or kubelogin): a GitHub OIDC token is exchanged through an Entra
// federated identity credential (keyless), or an environment client secret or
// certificate is used. It also reads the cluster's server URL and CA from ARM.
package aks

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Defaults for Options.
const (
	// DefaultServerID is the AKS Entra server application ID (the same in every cloud).
	DefaultServerID = "6dae42f8-4368-4678-94ff-3960e28e3630"
	// DefaultAudience is the audience Entra federated credentials expect in a GitHub ID token.
	DefaultAudience = "api://AzureADTokenExchange"
	// DefaultAuthorityHost is the Entra ID authority of the public cloud.
	DefaultAuthorityHost = "https://login.microsoftonline.com/"
	// DefaultARMEndpoint is the Azure Resource Manager endpoint of the public cloud.
	DefaultARMEndpoint = "https://management.azure.com"
	// APIVersion is the Microsoft.ContainerService API version used for listClusterUserCredential.
	APIVersion = "2025-02-01"
)

// Environment variables read through Options.Getenv.
const (
	envClientID       = "AZURE_CLIENT_ID"
	envTenantID       = "AZURE_TENANT_ID"
	envClientSecret   = "AZURE_CLIENT_SECRET"
	envCertPath       = "AZURE_CLIENT_CERTIFICATE_PATH"
	envCertPassword   = "AZURE_CLIENT_CERTIFICATE_PASSWORD"
	envSendCertChain  = "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN"
	envAuthorityHost  = "AZURE_AUTHORITY_HOST"
	defaultARMTimeout = 60 * time.Second
)

// Mode says how the provider authenticates to Entra ID.
type Mode string

// Authentication modes.
const (
	ModeFederated   Mode = "federated"
	ModeSecret      Mode = "client secret"
	ModeCertificate Mode = "certificate"
)

// Options configure a Provider. Only ClientID/TenantID (or their environment
// variables) are needed for tokens; Subscription, ResourceGroup and Cluster are
// needed only by Endpoint.
type Options struct {
	Subscription, ResourceGroup, Cluster string

	// TenantID and ClientID name the Entra app registration (or user-assigned
	// managed identity); empty = AZURE_TENANT_ID / AZURE_CLIENT_ID.
	TenantID, ClientID string

	// ServerID is the application ID the API server tokens are issued for;
	// scope = ServerID + "/.default". Empty = DefaultServerID.
	ServerID string
	// Audience of the GitHub ID token; empty = DefaultAudience.
	Audience string
	// AuthorityHost is the Entra ID authority (https); empty = AZURE_AUTHORITY_HOST, then DefaultAuthorityHost.
	AuthorityHost string
	// ARMEndpoint is the Azure Resource Manager URL; empty = DefaultARMEndpoint.
	ARMEndpoint string
	// ARMAudience is the resource ARM tokens are requested for (scope = ARMAudience + "/.default");
	// empty = DefaultARMEndpoint (right for the public cloud whatever ARMEndpoint is).
	ARMAudience string

	// IDToken returns a FRESH GitHub Actions OIDC ID token for the audience; nil
	// when the job has no id-token: write permission.
	IDToken    func(ctx context.Context, audience string) (string, error)
	HTTPClient *http.Client        // every SDK and ARM call; nil = default transport
	Getenv     func(string) string // nil = os.Getenv
	Now        func() time.Time    // refuses tokens already expired by this clock; nil = time.Now
}

// resolve fills defaults and validates URLs. It does not choose the mode.
func (o Options) resolve() (Options, error) {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ClientID == "" {
		o.ClientID = o.Getenv(envClientID)
	}
	if o.TenantID == "" {
		o.TenantID = o.Getenv(envTenantID)
	}
	o.ClientID = strings.TrimSpace(o.ClientID)
	o.TenantID = strings.TrimSpace(o.TenantID)
	if o.ServerID == "" {
		o.ServerID = DefaultServerID
	}
	o.ServerID = strings.TrimRight(o.ServerID, "/")
	if o.Audience == "" {
		o.Audience = DefaultAudience
	}
	if o.AuthorityHost == "" {
		o.AuthorityHost = o.Getenv(envAuthorityHost)
	}
	if o.AuthorityHost == "" {
		o.AuthorityHost = DefaultAuthorityHost
	}
	if err := requireHTTPS("authority host", o.AuthorityHost); err != nil {
		return o, err
	}
	if !strings.HasSuffix(o.AuthorityHost, "/") {
		o.AuthorityHost += "/"
	}
	if o.ARMEndpoint == "" {
		o.ARMEndpoint = DefaultARMEndpoint
	}
	if err := requireHTTPS("ARM endpoint", o.ARMEndpoint); err != nil {
		return o, err
	}
	o.ARMEndpoint = strings.TrimRight(o.ARMEndpoint, "/")
	if o.ARMAudience == "" {
		o.ARMAudience = DefaultARMEndpoint
	}
	o.ARMAudience = strings.TrimRight(o.ARMAudience, "/")
	return o, nil
}

func requireHTTPS(what, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("aks: the %s %q must be an https URL", what, raw)
	}
	return nil
}

func (o Options) serverScope() string { return o.ServerID + "/.default" }
func (o Options) armScope() string    { return o.ARMAudience + "/.default" }
