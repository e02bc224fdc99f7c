package aks

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Sentinel errors for configuration problems found by New.
var (
	// ErrNoIDToken: the keyless path was chosen but the job cannot request a GitHub OIDC token.
	ErrNoIDToken = errors.New("no GitHub OIDC ID token available")
	// ErrNoCredentials: neither a federated identity nor environment credentials are configured.
	ErrNoCredentials = errors.New("no Azure credentials configured")
)

// containerActionNote explains why an earlier azure/login step does not help.
const containerActionNote = "an earlier azure/login step does not carry over into this container action " +
	"(it exports no environment variables and this image has no az CLI)"

// chooseCredential picks the mode and builds the azidentity credential.
// Precedence: AZURE_CLIENT_SECRET, then AZURE_CLIENT_CERTIFICATE_PATH, then federated.
func chooseCredential(o Options) (azcore.TokenCredential, Mode, error) {
	secret := o.Getenv(envClientSecret)
	certPath := o.Getenv(envCertPath)
	missing := missingIDs(o)
	switch {
	case secret != "" || certPath != "":
		if missing != "" {
			return nil, "", fmt.Errorf("aks: %w: %s is set but %s is empty; set the %s (or %s)",
				ErrNoCredentials, firstSet(secret, envClientSecret, envCertPath), missing, missingInputs(o), missing)
		}
		if secret != "" {
			c, err := azidentity.NewClientSecretCredential(o.TenantID, o.ClientID, secret,
				&azidentity.ClientSecretCredentialOptions{ClientOptions: clientOptions(o), DisableInstanceDiscovery: true})
			if err != nil {
				return nil, "", fmt.Errorf("aks: client secret credential: %w", err)
			}
			return c, ModeSecret, nil
		}
		c, err := certificateCredential(o, certPath)
		if err != nil {
			return nil, "", err
		}
		return c, ModeCertificate, nil
	case missing == "" && o.IDToken == nil:
		return nil, "", fmt.Errorf("aks: client-id %s and tenant-id %s name a federated identity, but %w: "+
			"the job needs `permissions: id-token: write` (ACTIONS_ID_TOKEN_REQUEST_URL/ACTIONS_ID_TOKEN_REQUEST_TOKEN are missing)",
			o.ClientID, o.TenantID, ErrNoIDToken)
	case missing == "":
		c, err := federatedCredential(o)
		if err != nil {
			return nil, "", err
		}
		return c, ModeFederated, nil
	default:
		return nil, "", fmt.Errorf("aks: %w: set the %s (or %s) to an Entra app or "+
			"managed identity with a federated credential for this repository, and give the job `permissions: id-token: write`; "+
			"or set AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH. Note: %s",
			ErrNoCredentials, missingInputs(o), missingIDs(o), containerActionNote)
	}
}

func missingIDs(o Options) string {
	var m []string
	if o.ClientID == "" {
		m = append(m, envClientID)
	}
	if o.TenantID == "" {
		m = append(m, envTenantID)
	}
	return strings.Join(m, " and ")
}

func missingInputs(o Options) string {
	var m []string
	if o.ClientID == "" {
		m = append(m, "client-id")
	}
	if o.TenantID == "" {
		m = append(m, "tenant-id")
	}
	if len(m) == 1 {
		return m[0] + " input"
	}
	return strings.Join(m, " and ") + " inputs"
}

func firstSet(secret, secretName, certName string) string {
	if secret != "" {
		return secretName
	}
	return certName
}

// clientOptions points the SDK at the configured authority through its own settings.
func clientOptions(o Options) azcore.ClientOptions {
	co := azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: o.AuthorityHost}}
	if o.HTTPClient != nil {
		co.Transport = o.HTTPClient
	}
	return co
}

// federatedCredential exchanges a fresh GitHub ID token on every Entra request.
func federatedCredential(o Options) (azcore.TokenCredential, error) {
	idToken, audience := o.IDToken, o.Audience
	assertion := func(ctx context.Context) (string, error) {
		tok, err := idToken(ctx, audience)
		if err == nil && tok == "" {
			err = errors.New("the GitHub OIDC token request returned an empty token")
		}
		if err != nil {
			if h, ok := ctx.Value(assertionKey{}).(*assertionErr); ok {
				h.set(err)
			}
			return "", err
		}
		return tok, nil
	}
	c, err := azidentity.NewClientAssertionCredential(o.TenantID, o.ClientID, assertion,
		&azidentity.ClientAssertionCredentialOptions{ClientOptions: clientOptions(o), DisableInstanceDiscovery: true})
	if err != nil {
		return nil, fmt.Errorf("aks: federated credential for client %s in tenant %s: %w", o.ClientID, o.TenantID, err)
	}
	return c, nil
}

func certificateCredential(o Options, path string) (azcore.TokenCredential, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("aks: reading %s: %w", envCertPath, err)
	}
	var password []byte
	if p := o.Getenv(envCertPassword); p != "" {
		password = []byte(p)
	}
	certs, key, err := azidentity.ParseCertificates(data, password)
	if err != nil {
		return nil, fmt.Errorf("aks: parsing the certificate in %s (PEM or PKCS#12; password in %s): %w", envCertPath, envCertPassword, err)
	}
	chain := strings.ToLower(o.Getenv(envSendCertChain))
	c, err := azidentity.NewClientCertificateCredential(o.TenantID, o.ClientID, certs, key,
		&azidentity.ClientCertificateCredentialOptions{
			ClientOptions:            clientOptions(o),
			DisableInstanceDiscovery: true,
			SendCertificateChain:     chain == "1" || chain == "true",
		})
	if err != nil {
		return nil, fmt.Errorf("aks: certificate credential: %w", err)
	}
	return c, nil
}

// assertionKey carries, per Token call, the error of the IDToken callback so it
// can be returned wrapped (%w) instead of flattened by the SDK.
type assertionKey struct{}

type assertionErr struct {
	mu  sync.Mutex
	err error
}

func (a *assertionErr) set(err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.err = err
}

func (a *assertionErr) get() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

func withAssertionErr(ctx context.Context) (context.Context, *assertionErr) {
	h := &assertionErr{}
	return context.WithValue(ctx, assertionKey{}, h), h
}
