package gke

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
	"golang.org/x/oauth2/google/externalaccount"
)

// Token mints a new access token on every call: it builds a fresh oauth2
// token source (the library's sources cache internally), so a keyless
// provider fetches a fresh GitHub OIDC token and does a new STS exchange
// (and impersonation) each time. The parent caches.
//
// The expiry is the token's lifetime (measured on the wall clock, where the
// oauth2 library computes it) added to Options.Now, rounded to the second.
func (p *Provider) Token(ctx context.Context) (string, time.Time, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, p.hc)
	failed := &failure{}
	ts, err := p.tokenSource(ctx, failed)
	if err != nil {
		return "", time.Time{}, err
	}
	tok, err := ts.Token()
	if err != nil {
		if ferr := failed.get(); ferr != nil {
			return "", time.Time{}, ferr
		}
		return "", time.Time{}, oneLine(p.explain(err))
	}
	if tok.AccessToken == "" {
		return "", time.Time{}, fmt.Errorf("%w: the answer held no access token", ErrExchangeRejected)
	}
	var exp time.Time
	if !tok.Expiry.IsZero() {
		exp = p.now().Add(time.Until(tok.Expiry).Round(time.Second))
	}
	return tok.AccessToken, exp, nil
}

// tokenSource builds a new, empty-cached token source bound to ctx.
func (p *Provider) tokenSource(ctx context.Context, failed *failure) (oauth2.TokenSource, error) {
	if p.stsAudience != "" {
		ts, err := externalaccount.NewTokenSource(ctx, externalaccount.Config{
			Audience:                       p.stsAudience,
			SubjectTokenType:               jwtTokenType,
			TokenURL:                       p.o.STSURL,
			ServiceAccountImpersonationURL: p.impURL,
			Scopes:                         p.scopes,
			SubjectTokenSupplier:           idTokenSupplier{fn: p.o.IDToken, audience: p.o.Audience, failed: failed},
		})
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidOptions, err)
		}
		return ts, nil
	}
	creds, err := google.CredentialsFromJSONWithType(ctx, p.file, google.CredentialsType(p.fileType), p.scopes...)
	if err != nil {
		// Loader errors name fields, never secret values.
		return nil, fmt.Errorf("%w: loading the %s credentials file: %w", ErrUnsupportedCredentialType, p.fileType, err)
	}
	return creds.TokenSource, nil
}

// idTokenSupplier hands STS a fresh GitHub OIDC token for every exchange.
// It remembers its own failure: with impersonation the oauth2 library
// flattens the error chain (%v), and ErrNoIDToken-style errors must survive.
type idTokenSupplier struct {
	fn       IDTokenFunc
	audience string
	failed   *failure
}

type failure struct {
	mu  sync.Mutex
	err error
}

func (f *failure) set(err error) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
	return err
}

func (f *failure) get() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

func (s idTokenSupplier) SubjectToken(ctx context.Context, _ externalaccount.SupplierOptions) (string, error) {
	tok, err := s.fn(ctx, s.audience)
	if err != nil {
		return "", s.failed.set(fmt.Errorf("getting a GitHub OIDC token for audience %q: %w", s.audience, err))
	}
	if tok == "" {
		return "", s.failed.set(fmt.Errorf("getting a GitHub OIDC token for audience %q: empty token", s.audience))
	}
	return tok, nil
}

// explain wraps a token-source error with what the user can do. The oauth2
// library formats Google's JSON error bodies into its messages; those never
// echo the subject token or the access token.
func (p *Provider) explain(err error) error {
	msg := err.Error()
	var hint string
	switch {
	case strings.Contains(msg, "invalid_target"):
		hint = fmt.Sprintf("the workload identity provider %q does not exist or is disabled: check workload-identity-provider (project number, pool and provider IDs)", p.wip)
	case strings.Contains(msg, "unauthorized_client"):
		hint = fmt.Sprintf("the provider %q rejected this workflow's GitHub token (attribute condition): check the provider's attribute condition against this repository, ref and environment", p.wip)
	case strings.Contains(msg, "invalid_grant") && p.stsAudience != "":
		hint = fmt.Sprintf("Google STS rejected the GitHub OIDC token (expired, or its audience %q is not in the provider's allowed audiences: set the audience input or the provider's allowed audiences)", p.o.Audience)
	case strings.Contains(msg, "invalid_grant") && p.fileType == typeExternalAccount:
		hint = "Google STS rejected the GitHub OIDC token named by the credentials file (expired, or its audience is not in the provider's allowed audiences)"
	case strings.Contains(msg, "invalid_grant"):
		hint = "the credentials in the file were rejected (service account key deleted or disabled, or refresh token expired or revoked)"
	case isCredentialSourceError(msg):
		return fmt.Errorf("fetching the GitHub OIDC token through the credentials file's credential_source failed "+
			"(the job needs permissions: id-token: write, and the URL works only while the job runs): %w", err)
	case strings.Contains(msg, "status code 403") && p.imp:
		hint = fmt.Sprintf("impersonating %s was denied: grant the workload identity principal roles/iam.workloadIdentityUser (or roles/iam.serviceAccountTokenCreator) on that service account", p.identity)
	case strings.Contains(msg, "status code 401") || strings.Contains(msg, "status code 403"):
		hint = "Google rejected the credentials"
	default:
		return fmt.Errorf("getting a Google access token: %w", err)
	}
	return fmt.Errorf("%w: %s: %w", ErrExchangeRejected, hint, err)
}

// isCredentialSourceError tells a failure to read the subject token from an
// external_account file's credential_source (oauth2 names it so).
func isCredentialSourceError(msg string) bool {
	for _, m := range []string{"externalaccount: status code", "retrieving subject token", "URL-sourced credential",
		"subject_token_field_name", "subject token file", "improperly formatted subject token"} {
		if strings.Contains(msg, m) {
			return true
		}
	}
	return false
}

// oneLine keeps err's chain but folds the (often pretty-printed JSON) Google
// error bodies quoted in its message onto one line.
func oneLine(err error) error {
	return &foldedError{msg: strings.Join(strings.Fields(err.Error()), " "), err: err}
}

type foldedError struct {
	msg string
	err error
}

func (e *foldedError) Error() string { return e.msg }
func (e *foldedError) Unwrap() error { return e.err }
