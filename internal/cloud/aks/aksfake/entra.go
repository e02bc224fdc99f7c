package aksfake

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// EntraError is an OAuth/AADSTS error answer of the token endpoint.
type EntraError struct {
	Status      int    // HTTP status; 0 = 400
	Code        string // OAuth error, e.g. invalid_client
	Codes       []int  // AADSTS numbers
	Description string // starts with "AADSTS<n>: "
}

// NoFederatedMatch is AADSTS700213 for a subject with no federated credential.
func NoFederatedMatch(subject string) *EntraError {
	return &EntraError{Status: 400, Code: "invalid_client", Codes: []int{700213}, Description: fmt.Sprintf(
		"AADSTS700213: No matching federated identity record found for presented assertion subject '%s'. "+
			"Check your federated identity credential Subject, Audience and Issuer against the presented assertion. "+
			"https://learn.microsoft.com/entra/workload-id/workload-identity-federation", subject)}
}

// AssertionExpired is AADSTS700024.
func AssertionExpired() *EntraError {
	return &EntraError{Status: 400, Code: "invalid_client", Codes: []int{700024},
		Description: "AADSTS700024: Client assertion is not within its valid time range."}
}

// AssertionAudience is AADSTS700212.
func AssertionAudience() *EntraError {
	return &EntraError{Status: 400, Code: "invalid_client", Codes: []int{700212}, Description: "AADSTS700212: No matching federated " +
		"identity record found for presented assertion audience. Check your federated identity credential Subject, Audience and Issuer."}
}

// UnknownClient is AADSTS700016.
func UnknownClient(clientID, tenant string) *EntraError {
	return &EntraError{Status: 400, Code: "unauthorized_client", Codes: []int{700016}, Description: fmt.Sprintf(
		"AADSTS700016: Application with identifier '%s' was not found in the directory '%s'. This can happen if the application "+
			"has not been installed by the administrator of the tenant or consented to by any user in the tenant.", clientID, tenant)}
}

// TenantNotFound is AADSTS90002.
func TenantNotFound(tenant string) *EntraError {
	return &EntraError{Status: 400, Code: "invalid_request", Codes: []int{90002},
		Description: fmt.Sprintf("AADSTS90002: Tenant '%s' not found.", tenant)}
}

// InvalidSecret is AADSTS7000215.
func InvalidSecret(clientID string) *EntraError {
	return &EntraError{Status: 401, Code: "invalid_client", Codes: []int{7000215}, Description: fmt.Sprintf(
		"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, "+
			"not the client secret ID, for a secret added to app '%s'.", clientID)}
}

func invalid(code int, oauth, desc string) *EntraError {
	return &EntraError{Status: 400, Code: oauth, Codes: []int{code}, Description: fmt.Sprintf("AADSTS%d: %s", code, desc)}
}

func (f *Fake) writeEntraError(w http.ResponseWriter, e *EntraError) {
	st := e.Status
	if st == 0 {
		st = http.StatusBadRequest
	}
	now := f.o.Now().UTC().Format("2006-01-02 15:04:05Z")
	writeJSON(w, st, map[string]any{
		"error": e.Code, "error_codes": e.Codes, "timestamp": now,
		"error_description": e.Description + " Trace ID: 00000000-0000-0000-0000-00000000fa4e Timestamp: " + now,
		"trace_id":          "00000000-0000-0000-0000-00000000fa4e",
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *Fake) discovery(w http.ResponseWriter, tenant string) {
	f.count(EndpointDiscovery)
	base := f.URL + "/" + tenant
	writeJSON(w, http.StatusOK, map[string]any{
		"authorization_endpoint":                base + "/oauth2/v2.0/authorize",
		"token_endpoint":                        base + "/oauth2/v2.0/token",
		"issuer":                                base + "/v2.0",
		"jwks_uri":                              f.URL + "/" + tenant + "/discovery/v2.0/keys",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt"},
	})
}

// token serves POST /{tenant}/oauth2/v2.0/token (client_credentials only).
func (f *Fake) token(w http.ResponseWriter, r *http.Request, tenant string) {
	f.count(EndpointToken)
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		f.writeEntraError(w, invalid(900144, "invalid_request", "The request body must contain a form-encoded POST."))
		return
	}
	f.mu.Lock()
	injected := f.tokErr
	f.mu.Unlock()
	switch {
	case injected != nil:
		f.writeEntraError(w, injected)
		return
	case f.o.Tenant != "" && !strings.EqualFold(tenant, f.o.Tenant):
		f.writeEntraError(w, TenantNotFound(tenant))
		return
	case r.PostForm.Get("grant_type") != "client_credentials":
		f.writeEntraError(w, invalid(70003, "unsupported_grant_type", "The app requested an unsupported grant type."))
		return
	}
	clientID := r.PostForm.Get("client_id")
	app, known := f.o.Clients[clientID]
	if clientID == "" || (f.o.Clients != nil && !known) {
		f.writeEntraError(w, UnknownClient(clientID, tenant))
		return
	}
	resource := ""
	for _, s := range strings.Fields(r.PostForm.Get("scope")) {
		if strings.HasSuffix(s, "/.default") {
			resource = strings.TrimSuffix(s, "/.default")
		}
	}
	if resource == "" {
		f.writeEntraError(w, invalid(70011, "invalid_scope", "The provided value for the input parameter 'scope' is not valid."))
		return
	}
	ti := TokenInfo{ClientID: clientID, Tenant: tenant, Resource: resource}
	if e := f.authenticate(r, &ti, app, f.URL+r.URL.Path); e != nil {
		f.writeEntraError(w, e)
		return
	}
	ti.Expiry = f.o.Now().Add(f.o.TokenLifetime)
	tok := randomToken()
	if f.o.MintToken != nil && resource == f.o.ServerID {
		tok = f.o.MintToken(clientID, ti.Expiry)
	}
	f.mu.Lock()
	f.tokens[tok] = ti
	f.mu.Unlock()
	secs := int(f.o.TokenLifetime / time.Second)
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type": "Bearer", "expires_in": secs, "ext_expires_in": secs, "access_token": tok,
	})
}

// authenticate checks the client secret, certificate assertion or federated assertion.
func (f *Fake) authenticate(r *http.Request, ti *TokenInfo, app App, endpoint string) *EntraError {
	form := r.PostForm
	if secret := form.Get("client_secret"); secret != "" {
		ti.Method = "secret"
		if app.Secret == "" || subtle.ConstantTimeCompare([]byte(secret), []byte(app.Secret)) != 1 {
			return InvalidSecret(ti.ClientID)
		}
		return nil
	}
	assertion := form.Get("client_assertion")
	if assertion == "" || form.Get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
		return invalid(7000218, "invalid_client", "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
	}
	// A certificate assertion is self-issued (iss = client ID); anything else is federated.
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(assertion, claims); err == nil {
		if iss, _ := claims["iss"].(string); iss == ti.ClientID {
			ti.Method = "certificate"
			return f.verifyCertAssertion(assertion, ti.ClientID, app, endpoint)
		}
	}
	ti.Method = "federated"
	sub, err := f.verifyIDToken(assertion)
	switch {
	case errors.Is(err, ErrIDTokenExpired):
		return AssertionExpired()
	case errors.Is(err, ErrIDTokenAudience):
		return AssertionAudience()
	case err != nil:
		return invalid(50027, "invalid_request", "JWT token is invalid or malformed.")
	}
	ti.FederatedSubject = sub
	if f.o.Clients != nil && !slices.Contains(app.Subjects, sub) {
		return NoFederatedMatch(sub)
	}
	return nil
}

func (f *Fake) verifyIDToken(assertion string) (string, error) {
	if f.o.VerifyIDToken != nil {
		return f.o.VerifyIDToken(assertion, FederationAudience)
	}
	return "unknown", nil
}

func (f *Fake) verifyCertAssertion(assertion, clientID string, app App, endpoint string) *EntraError {
	if app.Certificate == nil {
		return invalid(700027, "invalid_client", "Client assertion failed signature validation: no certificate is registered for the app.")
	}
	_, err := jwt.Parse(assertion, func(*jwt.Token) (any, error) { return app.Certificate.PublicKey, nil },
		jwt.WithValidMethods([]string{"PS256", "RS256"}), jwt.WithAudience(endpoint), jwt.WithIssuer(clientID),
		jwt.WithSubject(clientID), jwt.WithExpirationRequired(), jwt.WithTimeFunc(f.o.Now))
	switch {
	case errors.Is(err, jwt.ErrTokenExpired), errors.Is(err, jwt.ErrTokenNotValidYet):
		return AssertionExpired()
	case err != nil:
		return invalid(700027, "invalid_client", "Client assertion failed signature validation.")
	}
	return nil
}
