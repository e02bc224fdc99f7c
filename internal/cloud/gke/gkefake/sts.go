package gkefake

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	grantTokenExchange = "urn:ietf:params:oauth:grant-type:token-exchange"
	grantJWTBearer     = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	tokenTypeAccess    = "urn:ietf:params:oauth:token-type:access_token"
)

// handleSTS is Google STS: POST /v1/token, an RFC 8693 token exchange.
func (f *Fake) handleSTS(w http.ResponseWriter, r *http.Request) {
	fault := f.begin(STS)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the body is not a form")
		return
	}
	form := r.PostForm
	req := STSRequest{Audience: form.Get("audience"), Scope: form.Get("scope"), SubjectTokenType: form.Get("subject_token_type")}
	defer func() {
		f.mu.Lock()
		f.stsForms = append(f.stsForms, req)
		f.mu.Unlock()
	}()
	switch {
	case form.Get("grant_type") != grantTokenExchange:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be "+grantTokenExchange)
		return
	case form.Get("requested_token_type") != tokenTypeAccess:
		oauthError(w, http.StatusBadRequest, "invalid_request", "requested_token_type must be "+tokenTypeAccess)
		return
	case req.SubjectTokenType != "urn:ietf:params:oauth:token-type:jwt" && req.SubjectTokenType != "urn:ietf:params:oauth:token-type:id_token":
		oauthError(w, http.StatusBadRequest, "invalid_request", "unsupported subject_token_type")
		return
	case req.Scope == "":
		oauthError(w, http.StatusBadRequest, "invalid_scope", "scope is required")
		return
	case fault == NotFound || req.Audience != "//iam.googleapis.com/"+f.o.WorkloadIdentityProvider:
		oauthError(w, http.StatusBadRequest, "invalid_target", `The target service indicated by the "audience" parameters is invalid. `+
			"This might either be because the pool or provider is disabled or deleted or because it doesn't exist.")
		return
	case fault == Expired:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "The ID Token has expired.")
		return
	case fault == WrongAudience:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "The audience in ID Token does not match the expected audience.")
		return
	case fault == AccessDenied:
		oauthError(w, http.StatusBadRequest, "unauthorized_client", "The given credential is rejected by the attribute condition.")
		return
	}
	token := form.Get("subject_token")
	if token == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "subject_token is required")
		return
	}
	sub := "unknown"
	if f.o.VerifyIDToken != nil {
		var err error
		if sub, err = f.o.VerifyIDToken(token, f.o.OIDCAudience); err != nil {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "The ID Token was rejected: "+err.Error())
			return
		}
	}
	req.OIDCSubject = sub
	pool, _, _ := strings.Cut(f.o.WorkloadIdentityProvider, "/providers/")
	principal := "principal://iam.googleapis.com/" + pool + "/subject/" + sub
	lifetime := f.lifetime(time.Hour)
	tok, _ := f.issue(issued{subject: principal, oidcSub: sub, kind: STS}, lifetime)
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token":      tok,
		"issued_token_type": tokenTypeAccess,
		"token_type":        "Bearer",
		"expires_in":        int(lifetime / time.Second),
	})
}

// handleOAuth is oauth2.googleapis.com/token for service_account key files
// (jwt-bearer, keys registered by WriteServiceAccountFile) and
// authorized_user files (refresh_token, registered by WriteAuthorizedUserFile).
func (f *Fake) handleOAuth(w http.ResponseWriter, r *http.Request) {
	fault := f.begin(OAuth)
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "the body is not a form")
		return
	}
	if fault == Expired || fault == AccessDenied {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "Invalid grant: account not found")
		return
	}
	var subject string
	switch r.PostForm.Get("grant_type") {
	case grantJWTBearer:
		email, err := f.verifyAssertion(r.PostForm.Get("assertion"))
		if err != nil {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "Invalid JWT Signature: "+err.Error())
			return
		}
		subject = email
	case "refresh_token":
		f.mu.Lock()
		user, ok := f.refresh[r.PostForm.Get("refresh_token")]
		f.mu.Unlock()
		if !ok {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "Token has been expired or revoked.")
			return
		}
		subject = user
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "Invalid grant_type")
		return
	}
	lifetime := f.lifetime(time.Hour)
	tok, _ := f.issue(issued{subject: subject, kind: OAuth}, lifetime)
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": int(lifetime / time.Second)})
}

// verifyAssertion checks a service account's self-signed JWT: RS256 with
// the registered key, aud = the token URL, a scope, not expired.
func (f *Fake) verifyAssertion(assertion string) (string, error) {
	var claims assertionClaims
	_, err := jwt.ParseWithClaims(assertion, &claims, func(t *jwt.Token) (any, error) {
		c, ok := t.Claims.(*assertionClaims)
		if !ok {
			return nil, fmt.Errorf("unexpected claims")
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		key, ok := f.keys[c.Issuer]
		if !ok {
			return nil, errNoKey
		}
		return key, nil
	}, jwt.WithValidMethods([]string{"RS256"}), jwt.WithAudience(f.TokenURL), jwt.WithExpirationRequired())
	if err != nil {
		return "", err
	}
	if claims.Scope == "" {
		return "", fmt.Errorf("no scope")
	}
	return claims.Issuer, nil
}

type assertionClaims struct {
	jwt.RegisteredClaims
	Scope string `json:"scope"`
}
