//go:build tools

// Package tools pins Helm's CLI (cmd/helm) at the Helm version the action's
// main module uses, with Helm's own dependency versions, for benchmarks.
package tools

import _ "helm.sh/helm/v3/cmd/helm"
