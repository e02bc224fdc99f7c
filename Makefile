# The two commands (see README): `make demo` runs the main job, `make test` runs every test.
SHELL := /bin/bash
HDA_CACHE ?= $(HOME)/.cache/helm-deploy-action
export HDA_CACHE
BIN := bin/helm-deploy-action

.PHONY: build demo test unit e2e lint bench clean

build:
	CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o $(BIN) .

## demo: build what is missing, start the local cluster, deploy examples/charts/web twice
demo:
	scripts/demo.sh

## test: unit tests, then the local cluster and the end-to-end tests on it
test:
	scripts/test.sh

unit:
	go vet ./...
	go test ./...

e2e:
	E2E_KUBECONFIG=$$($(MAKE) -s cluster-kubeconfig) go test -tags e2e -count=1 -timeout 30m ./test/e2e/

bench:
	bench/run.sh

clean:
	rm -rf bin

-include test/cluster/cluster.mk
