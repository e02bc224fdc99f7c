#!/usr/bin/env bash
# `make lint`: go vet, staticcheck and actionlint (Go tools pinned in tools/go.mod) over the
# action's module, the e2e tests, .github/workflows, examples/workflows and action.yml.
set -euo pipefail
cd "$(dirname "$0")/.."
HDA_CACHE="${HDA_CACHE:-$HOME/.cache/helm-deploy-action}"
bin="$HDA_CACHE/tools"
mkdir -p "$bin"
go -C tools build -o "$bin/" honnef.co/go/tools/cmd/staticcheck github.com/rhysd/actionlint/cmd/actionlint

echo "lint: gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then echo "gofmt needed:"; echo "$unformatted"; exit 1; fi
echo "lint: go vet"
go vet ./...
go vet -tags e2e ./test/e2e/
echo "lint: staticcheck"
"$bin/staticcheck" ./...
"$bin/staticcheck" -tags e2e ./test/e2e/

echo "lint: actionlint"
"$bin/actionlint" -no-color .github/workflows/*.yml examples/workflows/*.yml
# actionlint checks an action's metadata when a workflow uses it locally: a scratch project
# whose workflow runs ./ (this action.yml) with every declared input.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/.github/workflows"
cp action.yml Dockerfile "$scratch/"
{
  echo "name: uses-action"
  echo "on: workflow_dispatch"
  echo "jobs:"
  echo "  deploy:"
  echo "    runs-on: ubuntu-latest"
  echo "    steps:"
  echo "      - uses: actions/checkout@v4"
  echo "      - uses: ./"
  echo "        with:"
  sed -n '/^inputs:/,/^outputs:/p' action.yml | sed -n 's/^  \([a-z][a-z0-9-]*\):$/\1/p' |
    while read -r name; do echo "          $name: x"; done
} >"$scratch/.github/workflows/uses-action.yml"
(cd "$scratch" && git init -q . && "$bin/actionlint" -no-color .github/workflows/uses-action.yml)
echo "lint: ok"
