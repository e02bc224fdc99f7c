package gke

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// cluster holds the fields of a Container API v1 Cluster that Endpoint reads.
type cluster struct {
	Endpoint   string `json:"endpoint"`
	MasterAuth struct {
		ClusterCACertificate string `json:"clusterCaCertificate"`
	} `json:"masterAuth"`
	ControlPlaneEndpointsConfig struct {
		DNSEndpointConfig struct {
			Endpoint string `json:"endpoint"`
		} `json:"dnsEndpointConfig"`
	} `json:"controlPlaneEndpointsConfig"`
}

// apiError is Google's JSON error body.
type apiError struct {
	Error struct {
		Message string `json:"message"`
		Status  string `json:"status"`
	} `json:"error"`
}

// Endpoint reads the cluster from the Container API (GET
// <ContainerURL>/v1/projects/P/locations/L/clusters/C) with a fresh access
// token. The server is https:// + endpoint (the IP endpoint); when the
// cluster has no IP endpoint it is the DNS endpoint, and the CA is nil then
// (DNS endpoints use publicly trusted certificates).
func (p *Provider) Endpoint(ctx context.Context) (string, []byte, error) {
	var missing []string
	for _, f := range []struct{ name, v string }{{"project", p.o.Project}, {"location", p.o.Location}, {"cluster", p.o.Cluster}} {
		if f.v == "" {
			missing = append(missing, f.name)
		} else if strings.ContainsAny(f.v, "/?#") {
			return "", nil, fmt.Errorf("%w: GKE %s %q must not contain '/', '?' or '#'", ErrInvalidOptions, f.name, f.v)
		}
	}
	if len(missing) > 0 {
		return "", nil, fmt.Errorf("%w: looking up the GKE cluster needs the inputs %s (or give the API server yourself)", ErrInvalidOptions, strings.Join(missing, ", "))
	}
	name := "projects/" + p.o.Project + "/locations/" + p.o.Location + "/clusters/" + p.o.Cluster
	tok, _, err := p.Token(ctx)
	if err != nil {
		return "", nil, err
	}
	u := p.o.ContainerURL + "/v1/projects/" + url.PathEscape(p.o.Project) + "/locations/" +
		url.PathEscape(p.o.Location) + "/clusters/" + url.PathEscape(p.o.Cluster)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", nil, fmt.Errorf("%w: container-url: %w", ErrInvalidOptions, err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	resp, err := p.hc.Do(req)
	if err != nil {
		return "", nil, fmt.Errorf("reading GKE cluster %s: %w", name, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return "", nil, fmt.Errorf("reading GKE cluster %s: %w", name, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", nil, p.clusterError(name, resp.StatusCode, body)
	}
	var c cluster
	if err := json.Unmarshal(body, &c); err != nil {
		return "", nil, fmt.Errorf("reading GKE cluster %s: the Container API answer is not a cluster: %w", name, err)
	}
	return clusterServer(name, &c)
}

func clusterServer(name string, c *cluster) (string, []byte, error) {
	if c.Endpoint == "" {
		dns := c.ControlPlaneEndpointsConfig.DNSEndpointConfig.Endpoint
		if dns == "" {
			return "", nil, fmt.Errorf("GKE cluster %s has neither an IP nor a DNS endpoint (is it still being created?)", name)
		}
		return withScheme(dns), nil, nil
	}
	b64 := c.MasterAuth.ClusterCACertificate
	if b64 == "" {
		return "", nil, fmt.Errorf("GKE cluster %s has no masterAuth.clusterCaCertificate for its endpoint", name)
	}
	ca, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return "", nil, fmt.Errorf("GKE cluster %s: masterAuth.clusterCaCertificate is not base64: %w", name, err)
	}
	if blk, _ := pem.Decode(ca); blk == nil || blk.Type != "CERTIFICATE" {
		return "", nil, fmt.Errorf("GKE cluster %s: masterAuth.clusterCaCertificate is not a PEM certificate", name)
	}
	return withScheme(c.Endpoint), ca, nil
}

func withScheme(host string) string {
	if strings.HasPrefix(host, "https://") {
		return host
	}
	return "https://" + host
}

func (p *Provider) clusterError(name string, code int, body []byte) error {
	var ae apiError
	_ = json.Unmarshal(body, &ae)
	detail := ""
	if m := ae.Error.Message; m != "" {
		detail = " (Google: " + m + ")"
	}
	switch code {
	case http.StatusNotFound:
		return fmt.Errorf("%w: %s%s: check project (ID), location (the cluster's region or zone: a regional cluster takes "+
			"the region, e.g. us-central1, a zonal one the zone, e.g. us-central1-a) and cluster name", ErrClusterNotFound, name, detail)
	case http.StatusForbidden:
		return fmt.Errorf("%w: %s may not get %s%s: grant it roles/container.clusterViewer (or roles/container.developer) "+
			"on the project, and enable the Kubernetes Engine API", ErrPermissionDenied, p.identity, name, detail)
	case http.StatusUnauthorized:
		return fmt.Errorf("%w: the Container API rejected the access token for %s (HTTP 401)%s", ErrExchangeRejected, p.identity, detail)
	}
	return fmt.Errorf("reading GKE cluster %s: the Container API answered HTTP %d%s", name, code, detail)
}
