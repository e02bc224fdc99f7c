# The two commands (see README): `make demo` runs the main job, `make test` runs every test.
SHELL := /bin/bash
HDA_CACHE ?= $(HOME)/.cache/helm-deploy-action
export HDA_CACHE
BIN := bin/helm-deploy-action

.PHONY: build image release-dry-run demo test unit e2e lint bench bench-lock bench-scale clean

build:
	CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o $(BIN) .

## image: the action's image (helm-deploy-action:dev) from the Dockerfile, offline
image:
	scripts/image.sh --tag helm-deploy-action:dev

## release-dry-run: build linux/amd64 and linux/arm64, rewrite action.yml in a scratch copy, push nothing
release-dry-run:
	scripts/release.sh --dry-run v0.0.0-dryrun

## demo: build what is missing, start the local cluster, deploy examples/charts/web twice
demo:
	scripts/demo.sh

## test: unit tests, then the local cluster and the end-to-end tests on it
test:
	scripts/test.sh

unit:
	go vet ./...
	go test ./...

## lint: go vet, staticcheck and actionlint (tools/go.mod), also over action.yml
lint:
	scripts/lint.sh

e2e: image
	E2E_IMAGE=helm-deploy-action:dev E2E_KUBECONFIG=$$($(MAKE) -s cluster-kubeconfig) go test -tags e2e -count=1 -timeout 30m ./test/e2e/

bench:
	bench/run.sh

## bench-lock: the release lock benchmark on its own cluster; rewrites bench/lock/RESULTS.md
bench-lock:
	bench/lock/run.sh

## bench-scale: the scale benchmark (issue 15) on its own cluster (hda-scale); rewrites
## bench/scale/RESULTS.md and bench/scale/scale.png. SIZES (default 10,100,1000), REPS (default 1)
bench-scale:
	bench/scale/run.sh

clean:
	rm -rf bin

-include test/cluster/cluster.mk
