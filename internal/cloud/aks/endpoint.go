package aks

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"sigs.k8s.io/yaml"
)

// Sentinel errors of Endpoint.
var (
	// ErrClusterNotFound: ARM answered 404 (subscription, resource group or cluster name wrong).
	ErrClusterNotFound = errors.New("AKS cluster not found")
	// ErrNoClusterAccess: ARM answered 403 (no listClusterUserCredential permission).
	ErrNoClusterAccess = errors.New("no permission to read the AKS cluster user credentials")
	// ErrMissingCluster: Subscription, ResourceGroup or Cluster is empty.
	ErrMissingCluster = errors.New("AKS cluster not named")
)

const maxARMBody = 4 << 20

// credentialResults is the listClusterUserCredential answer.
type credentialResults struct {
	Kubeconfigs []struct {
		Name  string `json:"name"`
		Value []byte `json:"value"` // base64 in JSON
	} `json:"kubeconfigs"`
}

// kubeconfig holds the only fields Endpoint needs.
type kubeconfig struct {
	Clusters []struct {
		Name    string `json:"name"`
		Cluster struct {
			Server string `json:"server"`
			CAData string `json:"certificate-authority-data"`
		} `json:"cluster"`
	} `json:"clusters"`
}

// Endpoint asks ARM for the cluster user kubeconfig (listClusterUserCredential) and
// returns its server URL and CA certificate PEM. The kubeconfig's user section is ignored.
func (p *Provider) Endpoint(ctx context.Context) (string, []byte, error) {
	o := p.o
	if o.Subscription == "" || o.ResourceGroup == "" || o.Cluster == "" {
		return "", nil, fmt.Errorf("aks: %w: set the subscription, resource-group and cluster inputs (or the server input)", ErrMissingCluster)
	}
	tok, err := p.getToken(ctx, o.armScope(), "for Azure Resource Manager ("+o.armScope()+")")
	if err != nil {
		return "", nil, err
	}
	u := fmt.Sprintf("%s/subscriptions/%s/resourceGroups/%s/providers/Microsoft.ContainerService/managedClusters/%s/listClusterUserCredential?api-version=%s",
		o.ARMEndpoint, url.PathEscape(o.Subscription), url.PathEscape(o.ResourceGroup), url.PathEscape(o.Cluster), APIVersion)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
	if err != nil {
		return "", nil, fmt.Errorf("aks: building the ARM request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	req.Header.Set("Accept", "application/json")
	resp, err := p.arm.Do(req)
	if err != nil {
		return "", nil, fmt.Errorf("aks: calling ARM at %s: %w", o.ARMEndpoint, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxARMBody))
	if err != nil {
		return "", nil, fmt.Errorf("aks: reading the ARM answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", nil, armError(resp.StatusCode, body, o, p.mode)
	}
	return parseCredentials(body)
}

func parseCredentials(body []byte) (string, []byte, error) {
	var res credentialResults
	if err := json.Unmarshal(body, &res); err != nil {
		return "", nil, fmt.Errorf("aks: decoding the listClusterUserCredential answer: %w", err)
	}
	if len(res.Kubeconfigs) == 0 || len(res.Kubeconfigs[0].Value) == 0 {
		return "", nil, errors.New("aks: listClusterUserCredential returned no kubeconfig")
	}
	var kc kubeconfig
	if err := yaml.Unmarshal(res.Kubeconfigs[0].Value, &kc); err != nil {
		return "", nil, fmt.Errorf("aks: parsing the cluster kubeconfig: %w", err)
	}
	if len(kc.Clusters) == 0 || kc.Clusters[0].Cluster.Server == "" {
		return "", nil, errors.New("aks: the cluster kubeconfig has no clusters[0].cluster.server")
	}
	c := kc.Clusters[0].Cluster
	if !strings.HasPrefix(c.Server, "https://") {
		return "", nil, fmt.Errorf("aks: the cluster server %q is not an https URL", c.Server)
	}
	if c.CAData == "" {
		return "", nil, fmt.Errorf("aks: the cluster kubeconfig for %s has no certificate-authority-data", c.Server)
	}
	ca, err := base64.StdEncoding.DecodeString(strings.TrimSpace(c.CAData))
	if err != nil {
		return "", nil, fmt.Errorf("aks: decoding certificate-authority-data of %s: %w", c.Server, err)
	}
	if blk, _ := pem.Decode(ca); blk == nil || blk.Type != "CERTIFICATE" {
		return "", nil, fmt.Errorf("aks: certificate-authority-data of %s holds no PEM certificate", c.Server)
	}
	return c.Server, ca, nil
}
