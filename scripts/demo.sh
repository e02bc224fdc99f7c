#!/usr/bin/env bash
# The README's run command: build what is missing, start the local cluster, and run the action
# binary exactly as the Actions runner runs a container action (INPUT_* variables with hyphens
# kept, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files), deploying examples/charts/web. The
# second invocation upgrades the release. The cluster keeps running: `make cluster-down`.
set -euo pipefail
cd "$(dirname "$0")/.."
export HDA_CACHE="${HDA_CACHE:-$HOME/.cache/helm-deploy-action}"
export CLUSTER_NAME="${CLUSTER_NAME:-hda}"

make -s build
make -s cluster-build
make -s cluster-up CLUSTER_NAME="$CLUSTER_NAME"
kubeconfig="$(make -s cluster-kubeconfig CLUSTER_NAME="$CLUSTER_NAME")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

run() {
  local tag=$1
  : >"$work/output"; : >"$work/summary"
  echo
  echo "################ helm-deploy-action: deploy web with image.tag=$tag ################"
  set +e
  env -i PATH="$PATH" HOME="$HOME" \
    GITHUB_ACTIONS=true GITHUB_WORKSPACE="$PWD" GITHUB_REPOSITORY=helmdeploy/demo \
    GITHUB_RUN_ID=1 GITHUB_RUN_ATTEMPT=1 GITHUB_JOB=deploy GITHUB_WORKFLOW=demo \
    GITHUB_SERVER_URL=https://github.com GITHUB_SHA=0000000000000000000000000000000000000000 \
    GITHUB_REF=refs/heads/main GITHUB_OUTPUT="$work/output" GITHUB_STEP_SUMMARY="$work/summary" \
    "INPUT_RELEASE=web" "INPUT_NAMESPACE=demo" "INPUT_CREATE-NAMESPACE=true" \
    "INPUT_CHART=./examples/charts/web" \
    "INPUT_SET=image.tag: \"$tag\"
podAnnotations.note: \"commas, spaces = fine\"" \
    "INPUT_SECRET-VALUES=demoSecret: s3cr3t-demo-value" \
    "INPUT_TIMEOUT=2m" "INPUT_MIN-READY-SECONDS=3" \
    "INPUT_KUBECONFIG=$(cat "$kubeconfig")" \
    bin/helm-deploy-action
  local code=$?
  set -e
  echo "---------------- exit code: $code"
  echo "---------------- outputs (GITHUB_OUTPUT):"
  awk -v d="_GitHubActionsFileCommandDelimeter_" '
    $0 ~ /<</ { split($0, a, "<<"); name = a[1]; value = ""; next }
    $0 == d   { printf "  %-18s %s\n", name, value; next }
              { value = (value == "" ? $0 : value "\n" $0) }' "$work/output"
  echo "---------------- GITHUB_STEP_SUMMARY:"
  cat "$work/summary"
  return $code
}

run "1.0.0"
run "1.0.1"
echo
echo "The cluster is still running; kubeconfig: $kubeconfig (stop it with: make cluster-down CLUSTER_NAME=$CLUSTER_NAME)"
