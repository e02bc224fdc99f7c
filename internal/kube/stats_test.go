package kube

import (
	"net/http"
	"net/url"
	"testing"
)

func TestVerbAndResource(t *testing.T) {
	cases := []struct{ method, path, want string }{
		{"GET", "/api/v1/namespaces/apps/pods", "LIST pods"},
		{"GET", "/api/v1/namespaces/apps/pods?watch=true&resourceVersion=1", "WATCH pods"},
		{"GET", "/api/v1/namespaces/apps/pods/web-1/log?follow=true", "GET pods/log"},
		{"GET", "/apis/apps/v1/namespaces/apps/deployments/web", "GET deployments"},
		{"PATCH", "/apis/apps/v1/namespaces/apps/deployments/web", "PATCH deployments"},
		{"PUT", "/apis/coordination.k8s.io/v1/namespaces/apps/leases/helm-deploy-web", "PUT leases"},
		{"GET", "/api/v1/namespaces/apps", "GET namespaces"},
		{"GET", "/api/v1/namespaces", "LIST namespaces"},
		{"GET", "/apis/apps/v1/deployments", "LIST deployments"},
		{"GET", "/version", "GET /version"},
		{"GET", "/apis/apps/v1", "GET (discovery)"},
	}
	for _, c := range cases {
		u, _ := url.Parse("https://x" + c.path)
		r := &http.Request{Method: c.method, URL: u}
		if got := verbOf(r) + " " + resourceOf(u.Path); got != c.want {
			t.Errorf("%s %s: %q, want %q", c.method, c.path, got, c.want)
		}
	}
}
