package aks

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Sentinel errors for Entra ID rejections; every *EntraError matches ErrEntraRejected
// and at most one of the others.
var (
	ErrEntraRejected       = errors.New("entra ID rejected the token request")
	ErrFederationMismatch  = errors.New("no matching federated identity credential")
	ErrAssertionExpired    = errors.New("client assertion outside its validity window")
	ErrUnknownClient       = errors.New("application not found in the tenant")
	ErrUnknownTenant       = errors.New("tenant not found")
	ErrInvalidClientSecret = errors.New("invalid or expired client secret")
	// ErrTokenExpired: Entra returned a token whose expiry is not in the future (by Options.Now).
	ErrTokenExpired = errors.New("access token already expired")
)

// EntraError is an AADSTS error answer of the Entra ID token endpoint. Its message
// holds the AADSTS description (which names subjects and IDs, never secrets) and a hint.
type EntraError struct {
	Status      int    // HTTP status
	Code        string // OAuth error, e.g. invalid_client
	Codes       []int  // AADSTS numbers, e.g. 700213
	Description string // error_description

	who, hint string
	kind      error
	cause     error
}

func (e *EntraError) Error() string {
	desc := e.Description
	if desc == "" {
		desc = e.Code
	}
	msg := fmt.Sprintf("aks: Entra ID refused a token for %s (HTTP %d): %s", e.who, e.Status, desc)
	if e.hint != "" {
		msg += " -- " + e.hint
	}
	return msg
}

// Unwrap exposes ErrEntraRejected, the specific sentinel and the SDK error.
func (e *EntraError) Unwrap() []error {
	errs := []error{ErrEntraRejected}
	if e.kind != nil {
		errs = append(errs, e.kind)
	}
	if e.cause != nil {
		errs = append(errs, e.cause)
	}
	return errs
}

var aadstsRE = regexp.MustCompile(`AADSTS(\d+)`)

// entraBody is the OAuth error JSON of the token endpoint.
type entraBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
	Codes       []int  `json:"error_codes"`
}

// asEntraError turns an azidentity failure that carries an Entra error answer into
// an *EntraError with a hint; ok is false when there is no such answer.
func asEntraError(err error, o Options, mode Mode) (*EntraError, bool) {
	var afe *azidentity.AuthenticationFailedError
	if !errors.As(err, &afe) || afe.RawResponse == nil {
		return nil, false
	}
	body, rerr := runtime.Payload(afe.RawResponse) // buffered: afe.Error() can still read it
	var b entraBody
	if rerr != nil || json.Unmarshal(body, &b) != nil || (b.Error == "" && len(b.Codes) == 0) {
		return nil, false
	}
	if len(b.Codes) == 0 {
		for _, m := range aadstsRE.FindAllStringSubmatch(b.Description, -1) {
			if n, err := strconv.Atoi(m[1]); err == nil {
				b.Codes = append(b.Codes, n)
			}
		}
	}
	e := &EntraError{
		Status: afe.RawResponse.StatusCode, Code: b.Error, Codes: b.Codes,
		Description: strings.TrimSpace(b.Description), who: identity(o, mode), cause: err,
	}
	e.kind, e.hint = classify(b.Codes, o, mode)
	return e, true
}

//lint:ignore ST1008 kind is the sentinel the EntraError wraps, not a failure of classify
func classify(codes []int, o Options, mode Mode) (kind error, hint string) {
	for _, c := range codes {
		switch c {
		case 70021, 700213, 7002137, 7002138:
			return ErrFederationMismatch, fmt.Sprintf("add a federated credential to app %s whose subject equals the job's `sub` claim exactly "+
				"(case-sensitive), e.g. repo:ORG/REPO:environment:NAME for a job with an environment, or repo:ORG/REPO:ref:refs/heads/BRANCH; "+
				"issuer https://token.actions.githubusercontent.com, audience %s", o.ClientID, o.Audience)
		case 700211:
			return ErrFederationMismatch, fmt.Sprintf("the federated credential on app %s must have issuer https://token.actions.githubusercontent.com "+
				"(GitHub Enterprise Cloud with a custom issuer: https://token.actions.githubusercontent.com/<enterprise>)", o.ClientID)
		case 700212:
			return ErrFederationMismatch, fmt.Sprintf("the federated credential on app %s must list audience %s (the audience this action requests)",
				o.ClientID, o.Audience)
		case 700024:
			return ErrAssertionExpired, "the GitHub OIDC token was not within its 5-minute validity window; this action requests a fresh one " +
				"for every exchange, so check the runner's clock"
		case 700016:
			return ErrUnknownClient, fmt.Sprintf("no application %s in tenant %s: set the client-id input to the app registration's "+
				"Application (client) ID (or the managed identity's client ID) and tenant-id to its Directory (tenant) ID", o.ClientID, o.TenantID)
		case 90002, 900023:
			return ErrUnknownTenant, fmt.Sprintf("tenant %s does not exist: check the tenant-id input (Directory (tenant) ID)", o.TenantID)
		case 7000215, 7000222:
			if mode == ModeSecret {
				return ErrInvalidClientSecret, "AZURE_CLIENT_SECRET is wrong or expired: use the secret's Value (not its ID), or create a new one"
			}
		}
	}
	return nil, ""
}

// entraErr converts a GetToken failure into the error callers see.
func entraErr(err error, h *assertionErr, o Options, mode Mode, purpose string) error {
	if aerr := h.get(); aerr != nil {
		return fmt.Errorf("aks: requesting a GitHub OIDC token (audience %s) for the Entra ID exchange: %w", o.Audience, aerr)
	}
	if e, ok := asEntraError(err, o, mode); ok {
		return e
	}
	return fmt.Errorf("aks: requesting an Entra ID token %s for %s from %s: %w", purpose, identity(o, mode), o.AuthorityHost, err)
}

// armError maps an ARM error answer of listClusterUserCredential.
func armError(status int, body []byte, o Options, mode Mode) error {
	var b struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	_ = json.Unmarshal(body, &b)
	detail := strings.TrimSpace(b.Error.Code + ": " + b.Error.Message)
	if b.Error.Code == "" {
		detail = http.StatusText(status)
	}
	cluster := fmt.Sprintf("AKS cluster %q (resource group %q, subscription %s)", o.Cluster, o.ResourceGroup, o.Subscription)
	switch status {
	case http.StatusNotFound:
		return fmt.Errorf("aks: %w: %s (%s); check the subscription, resource-group and cluster inputs", ErrClusterNotFound, cluster, detail)
	case http.StatusForbidden:
		return fmt.Errorf("aks: %w: %s may not list the user credentials of %s (%s); grant it the "+
			"\"Azure Kubernetes Service Cluster User Role\" on the cluster, or set the server input to skip this ARM call",
			ErrNoClusterAccess, identity(o, mode), cluster, detail)
	case http.StatusUnauthorized:
		return fmt.Errorf("aks: ARM rejected the access token of %s for %s (%s); check that ARMEndpoint and the tenant belong to the same cloud",
			identity(o, mode), cluster, detail)
	}
	return fmt.Errorf("aks: listClusterUserCredential of %s failed with HTTP %d (%s)", cluster, status, detail)
}
