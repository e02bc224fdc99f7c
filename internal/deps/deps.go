//go:build tools

// Package deps pins modules used across the module before code imports them.
package deps

import (
	_ "github.com/getkin/kin-openapi/openapi3filter"
	_ "github.com/google/go-github/v60/github"
	_ "github.com/sethvargo/go-githubactions"
	_ "helm.sh/helm/v3/pkg/action"
	_ "helm.sh/helm/v3/pkg/kube/fake"
	_ "helm.sh/helm/v3/pkg/repo/repotest"
	_ "helm.sh/helm/v3/pkg/storage/driver"
	_ "k8s.io/client-go/kubernetes/fake"
	_ "k8s.io/client-go/tools/clientcmd"
	_ "k8s.io/client-go/tools/leaderelection/resourcelock"
	_ "sigs.k8s.io/yaml"
)
