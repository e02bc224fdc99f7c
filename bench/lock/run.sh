#!/usr/bin/env bash
# `make bench-lock`: starts its own cluster (hda-lock), runs the release lock benchmark and
# writes bench/lock/RESULTS.md, then stops the cluster it started. ROUNDS (default 20), QUEUE
# (default 10).
set -euo pipefail
cd "$(dirname "$0")/../.."
export HDA_CACHE="${HDA_CACHE:-$HOME/.cache/helm-deploy-action}"
export CLUSTER_NAME=hda-lock
make -s cluster-up CLUSTER_NAME=hda-lock >/dev/null
trap 'make -s cluster-down CLUSTER_NAME=hda-lock >/dev/null 2>&1 || true' EXIT
go run ./bench/lock -kubeconfig "$(make -s cluster-kubeconfig CLUSTER_NAME=hda-lock)" \
  -rounds "${ROUNDS:-20}" -queue "${QUEUE:-10}" -out bench/lock/RESULTS.md
