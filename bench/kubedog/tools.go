//go:build tools

// Package kubedog pins werf's kubedog CLI for the benchmark (bench/run.sh builds it into the cache).
package kubedog

import _ "github.com/werf/kubedog/cmd/kubedog"
