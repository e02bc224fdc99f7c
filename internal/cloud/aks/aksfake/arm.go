package aksfake

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"
)

// ARMError is an ARM error answer: {"error":{"code","message"}}.
type ARMError struct {
	Status        int
	Code, Message string
}

// ARM resources ARM tokens may be issued for (trailing "/" trimmed).
var armAudiences = []string{"https://management.azure.com", "https://management.core.windows.net"}

var (
	entraPath = regexp.MustCompile(`^/([^/]+)/(v2\.0/\.well-known/openid-configuration|oauth2/v2\.0/token)$`)
	armPath   = regexp.MustCompile(`^/subscriptions/([^/]+)/resourceGroups/([^/]+)/providers/Microsoft\.ContainerService/managedClusters/([^/]+)/listClusterUserCredential$`)
)

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	if m := armPath.FindStringSubmatch(r.URL.Path); m != nil {
		f.listClusterUserCredential(w, r, m[1], m[2], m[3])
		return
	}
	if m := entraPath.FindStringSubmatch(r.URL.Path); m != nil {
		if strings.HasPrefix(m[2], "v2.0/") && r.Method == http.MethodGet {
			f.discovery(w, m[1])
			return
		}
		if strings.HasPrefix(m[2], "oauth2/") {
			f.token(w, r, m[1])
			return
		}
	}
	f.count(EndpointOther)
	http.NotFound(w, r)
}

func writeARMError(w http.ResponseWriter, e *ARMError) {
	writeJSON(w, e.Status, map[string]any{"error": map[string]string{"code": e.Code, "message": e.Message}})
}

func (f *Fake) listClusterUserCredential(w http.ResponseWriter, r *http.Request, sub, group, name string) {
	f.count(EndpointARM)
	if r.Method != http.MethodPost {
		writeARMError(w, &ARMError{http.StatusMethodNotAllowed, "MethodNotAllowed", "use POST"})
		return
	}
	if r.URL.Query().Get("api-version") == "" {
		writeARMError(w, &ARMError{http.StatusBadRequest, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests."})
		return
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	ti, known := f.LookupToken(tok)
	switch {
	case !ok || !known:
		writeARMError(w, &ARMError{http.StatusUnauthorized, "InvalidAuthenticationToken", "The access token is invalid."})
		return
	case !slices.Contains(armAudiences, strings.TrimRight(ti.Resource, "/")):
		writeARMError(w, &ARMError{http.StatusUnauthorized, "InvalidAuthenticationToken",
			fmt.Sprintf("The access token has an invalid audience '%s'.", ti.Resource)})
		return
	case !f.o.Now().Before(ti.Expiry):
		writeARMError(w, &ARMError{http.StatusUnauthorized, "ExpiredAuthenticationToken", "The access token expiry UTC time is earlier than current UTC time."})
		return
	}
	f.mu.Lock()
	injected := f.armErr
	f.mu.Unlock()
	if injected != nil {
		writeARMError(w, injected)
		return
	}
	i := slices.IndexFunc(f.o.Clusters, func(c Cluster) bool {
		return strings.EqualFold(c.Subscription, sub) && strings.EqualFold(c.ResourceGroup, group) && strings.EqualFold(c.Name, name)
	})
	scope := fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.ContainerService/managedClusters/%s", sub, group, name)
	if i < 0 {
		writeARMError(w, &ARMError{http.StatusNotFound, "ResourceNotFound", fmt.Sprintf("The Resource 'Microsoft.ContainerService/managedClusters/%s' "+
			"under resource group '%s' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix", name, group)})
		return
	}
	c := f.o.Clusters[i]
	if c.Users != nil && !slices.Contains(c.Users, ti.ClientID) {
		writeARMError(w, &ARMError{http.StatusForbidden, "AuthorizationFailed", fmt.Sprintf("The client '%s' with object id '%s' does not have "+
			"authorization to perform action 'Microsoft.ContainerService/managedClusters/listClusterUserCredential/action' over scope '%s' "+
			"or the scope is invalid. If access was recently granted, please refresh your credentials.", ti.ClientID, ti.ClientID, scope)})
		return
	}
	kc, err := f.kubeconfig(c)
	if err != nil {
		writeARMError(w, &ARMError{http.StatusInternalServerError, "InternalServerError", err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"kubeconfigs": []map[string]string{
		{"name": "clusterUser", "value": base64.StdEncoding.EncodeToString(kc)},
	}})
}

// kubeconfig renders the cluster user kubeconfig the way AKS does for Entra-enabled clusters.
func (f *Fake) kubeconfig(c Cluster) ([]byte, error) {
	server := c.Server
	if server == "" {
		server = "https://" + strings.ToLower(c.Name) + "-dns.hcp.westeurope.azmk8s.io:443"
	}
	ca := c.CAPEM
	if len(ca) == 0 {
		ca = f.CertPEM()
	}
	user := "clusterUser_" + c.ResourceGroup + "_" + c.Name
	return yaml.Marshal(map[string]any{
		"apiVersion": "v1", "kind": "Config", "current-context": c.Name, "preferences": map[string]any{},
		"clusters": []any{map[string]any{"name": c.Name, "cluster": map[string]any{
			"server": server, "certificate-authority-data": base64.StdEncoding.EncodeToString(ca)}}},
		"contexts": []any{map[string]any{"name": c.Name, "context": map[string]any{"cluster": c.Name, "user": user}}},
		"users": []any{map[string]any{"name": user, "user": map[string]any{"exec": map[string]any{
			"apiVersion": "client.authentication.k8s.io/v1beta1", "command": "kubelogin",
			"args":        []string{"get-token", "--login", "devicecode", "--server-id", f.o.ServerID},
			"installHint": "kubelogin is not installed",
		}}}},
	})
}
