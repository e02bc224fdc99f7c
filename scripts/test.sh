#!/usr/bin/env bash
# The README's test command: lint, unit tests, the action's image (a Docker engine is installed
# and started when missing), the release dry run (both platforms), then a real local control
# plane (etcd, kube-apiserver, controller-manager, scheduler, KWOK) and the end-to-end tests
# against it, of the binary and of the image. Prints the time of every phase; stops the cluster,
# and a Docker daemon it started, even on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export HDA_CACHE="${HDA_CACHE:-$HOME/.cache/helm-deploy-action}"
export CLUSTER_NAME="${CLUSTER_NAME:-hda-test}"
. scripts/docker-lib.sh

phase() {
  local name=$1; shift
  local t0=$SECONDS
  echo "=== phase: $name"
  "$@"
  echo "=== phase: $name took $((SECONDS - t0))s"
}

docker_started=""
cleanup() {
  make -s cluster-down CLUSTER_NAME="$CLUSTER_NAME" >/dev/null 2>&1 || true
  if [ -n "$docker_started" ]; then docker_down; fi
}
trap cleanup EXIT

docker_phase() { docker_started=$(docker_up); }

phase "lint (go vet, staticcheck, actionlint)" scripts/lint.sh
phase "unit tests" go test -count=1 ./...
fuzz() {
  go test -run '^$' -fuzz '^FuzzLines$' -fuzztime 10s -fuzzminimizetime 1s ./internal/safetext/
  go test -run '^$' -fuzz '^FuzzMasker$' -fuzztime 10s -fuzzminimizetime 1s ./internal/mask/
  go test -run '^$' -fuzz '^FuzzParse$' -fuzztime 10s -fuzzminimizetime 1s ./internal/config/
}
phase "fuzz (sanitizer, masker, input parser; 10s each)" fuzz
phase "docker engine" docker_phase
phase "image build" make -s image
phase "release dry run (linux/amd64, linux/arm64)" scripts/release.sh --dry-run --skip-tests v0.0.0-dryrun
phase "cluster build (cached)" make -s cluster-build
phase "cluster up" make -s cluster-up CLUSTER_NAME="$CLUSTER_NAME"
E2E_KUBECONFIG="$(make -s cluster-kubeconfig CLUSTER_NAME="$CLUSTER_NAME")"
export E2E_KUBECONFIG E2E_IMAGE=helm-deploy-action:dev
phase "e2e tests (binary and image)" go test -tags e2e -count=1 -timeout 40m ./test/e2e/ -v
echo "all phases passed"
