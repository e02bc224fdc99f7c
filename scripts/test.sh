#!/usr/bin/env bash
# The README's test command: unit tests, then a real local control plane (etcd, kube-apiserver,
# controller-manager, scheduler, KWOK) and the end-to-end tests against it. Prints the time of
# every phase; stops the cluster even on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export HDA_CACHE="${HDA_CACHE:-$HOME/.cache/helm-deploy-action}"
export CLUSTER_NAME="${CLUSTER_NAME:-hda-test}"

phase() {
  local name=$1; shift
  local t0=$SECONDS
  echo "=== phase: $name"
  "$@"
  echo "=== phase: $name took $((SECONDS - t0))s"
}

cleanup() { make -s cluster-down CLUSTER_NAME="$CLUSTER_NAME" >/dev/null 2>&1 || true; }
trap cleanup EXIT

phase "go vet" go vet ./...
phase "unit tests" go test -count=1 ./...
phase "cluster build (cached)" make -s cluster-build
phase "cluster up" make -s cluster-up CLUSTER_NAME="$CLUSTER_NAME"
E2E_KUBECONFIG="$(make -s cluster-kubeconfig CLUSTER_NAME="$CLUSTER_NAME")"
export E2E_KUBECONFIG
phase "e2e tests" go test -tags e2e -count=1 -timeout 40m ./test/e2e/ -v
echo "all phases passed"
