package aks

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// Provider mints Entra ID access tokens for an AKS API server.
type Provider struct {
	o    Options
	mode Mode
	cred azcore.TokenCredential
	arm  *http.Client
}

// New validates o and builds the credential. It makes no network call.
func New(ctx context.Context, o Options) (*Provider, error) {
	_ = ctx
	o, err := o.resolve()
	if err != nil {
		return nil, err
	}
	cred, mode, err := chooseCredential(o)
	if err != nil {
		return nil, err
	}
	arm := o.HTTPClient
	if arm == nil {
		arm = &http.Client{Timeout: defaultARMTimeout}
	}
	return &Provider{o: o, mode: mode, cred: cred, arm: arm}, nil
}

// Token returns an access token for the AKS server application (scope ServerID/.default)
// and its expiry as reported by Entra. In federated mode every exchange with Entra
// calls IDToken for a fresh GitHub token. azidentity keeps the access token in memory
// and hands it out again only while it has more than 5 minutes left, so a repeated
// call may return the same token with its real expiry; an already expired token is
// never returned.
func (p *Provider) Token(ctx context.Context) (string, time.Time, error) {
	tok, err := p.getToken(ctx, p.o.serverScope(), "for the AKS API server ("+p.o.serverScope()+")")
	if err != nil {
		return "", time.Time{}, err
	}
	return tok.Token, tok.ExpiresOn, nil
}

func (p *Provider) getToken(ctx context.Context, scope, purpose string) (azcore.AccessToken, error) {
	ctx, h := withAssertionErr(ctx)
	tok, err := p.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{scope}})
	if err != nil {
		return azcore.AccessToken{}, entraErr(err, h, p.o, p.mode, purpose)
	}
	if tok.Token == "" {
		return azcore.AccessToken{}, fmt.Errorf("aks: Entra ID returned an empty access token %s for %s", purpose, p.Identity())
	}
	if now := p.o.Now(); !tok.ExpiresOn.After(now) {
		return azcore.AccessToken{}, fmt.Errorf("aks: %w: Entra ID returned a token %s that expires at %s, not after now (%s); check the clock",
			ErrTokenExpired, purpose, tok.ExpiresOn.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	return tok, nil
}

// Identity says who the tokens are for; safe to print.
func (p *Provider) Identity() string { return identity(p.o, p.mode) }

// Mode reports how the provider authenticates.
func (p *Provider) Mode() Mode { return p.mode }

func identity(o Options, mode Mode) string {
	return fmt.Sprintf("client %s in tenant %s (%s)", o.ClientID, o.TenantID, mode)
}
