package gkefake

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
)

// handleIAM is IAM Credentials generateAccessToken. The caller must present
// an STS token the fake issued whose OIDC subject may impersonate the email.
func (f *Fake) handleIAM(w http.ResponseWriter, r *http.Request) {
	fault := f.begin(IAM)
	email, ok := strings.CutSuffix(r.PathValue("call"), ":generateAccessToken")
	if !ok {
		googleError(w, http.StatusNotFound, "NOT_FOUND", "unknown method")
		return
	}
	caller, ok := f.bearer(r)
	if !ok || caller.kind != STS {
		googleError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token.")
		return
	}
	var body struct {
		Scope    []string `json:"scope"`
		Lifetime string   `json:"lifetime"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || len(body.Scope) == 0 {
		googleError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "scope is required")
		return
	}
	lifetime := time.Hour
	if body.Lifetime != "" {
		d, err := time.ParseDuration(body.Lifetime)
		if err != nil || d <= 0 || d > 12*time.Hour {
			googleError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "invalid lifetime")
			return
		}
		lifetime = d
	}
	allowed := f.o.ServiceAccounts[email]
	if fault == AccessDenied || (!slices.Contains(allowed, "*") && !slices.Contains(allowed, caller.oidcSub)) {
		googleError(w, http.StatusForbidden, "PERMISSION_DENIED",
			"Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).")
		return
	}
	if fault == NotFound {
		googleError(w, http.StatusNotFound, "NOT_FOUND", "Not found; Gaia id not found for email "+email)
		return
	}
	tok, exp := f.issue(issued{subject: email, kind: IAM}, f.lifetime(lifetime))
	writeJSON(w, http.StatusOK, map[string]string{"accessToken": tok, "expireTime": exp.UTC().Format(time.RFC3339Nano)})
}

// handleContainer is Container API v1 projects.locations.clusters.get.
func (f *Fake) handleContainer(w http.ResponseWriter, r *http.Request) {
	fault := f.begin(Container)
	caller, ok := f.bearer(r)
	if !ok {
		googleError(w, http.StatusUnauthorized, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token.")
		return
	}
	name := ClusterName(r.PathValue("p"), r.PathValue("l"), r.PathValue("c"))
	f.mu.Lock()
	c, exists := f.o.Clusters[name]
	f.mu.Unlock()
	switch {
	case fault == NotFound || !exists:
		googleError(w, http.StatusNotFound, "NOT_FOUND", "Not found: "+name+".")
		return
	case fault == AccessDenied || (c.Viewers != nil && !slices.Contains(c.Viewers, caller.subject)):
		googleError(w, http.StatusForbidden, "PERMISSION_DENIED", `Required "container.clusters.get" permission(s) for "`+name+`".`)
		return
	}
	out := map[string]any{
		"name":       r.PathValue("c"),
		"status":     "RUNNING",
		"selfLink":   f.ContainerURL + "/v1/" + name,
		"masterAuth": map[string]string{"clusterCaCertificate": base64.StdEncoding.EncodeToString(c.CAPEM)},
	}
	if c.Endpoint != "" {
		out["endpoint"] = c.Endpoint
	}
	if c.DNSEndpoint != "" {
		out["controlPlaneEndpointsConfig"] = map[string]any{
			"dnsEndpointConfig": map[string]any{"endpoint": c.DNSEndpoint, "allowExternalTraffic": true},
		}
	}
	writeJSON(w, http.StatusOK, out)
}
