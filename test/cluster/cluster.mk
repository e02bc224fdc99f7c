# Local Kubernetes control plane for end-to-end tests and the demo (see test/cluster/README.md).
# Included by the top-level Makefile: include test/cluster/cluster.mk
#   make cluster-build       build etcd, kube-apiserver, kube-controller-manager, kube-scheduler,
#                            kubectl, kwok and helm into $(HDA_CACHE)/cluster/... (cached)
#   make cluster-up          build if needed, start cluster $(CLUSTER_NAME) (no-op when healthy)
#   make cluster-down        stop it and remove its state
#   make cluster-kubeconfig  print the kubeconfig path
# CLUSTER_NAME (default hda) and HDA_CACHE (default ~/.cache/helm-deploy-action) come from the
# environment or the make command line.

CLUSTER_DIR_MK := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
HDA_CACHE ?= $(HOME)/.cache/helm-deploy-action
CLUSTER_NAME ?= hda
export HDA_CACHE CLUSTER_NAME

.PHONY: cluster-build cluster-up cluster-down cluster-kubeconfig

cluster-build:
	$(CLUSTER_DIR_MK)/build.sh

cluster-up: cluster-build
	$(CLUSTER_DIR_MK)/up.sh

cluster-down:
	$(CLUSTER_DIR_MK)/down.sh

cluster-kubeconfig:
	@echo $(HDA_CACHE)/clusters/$(CLUSTER_NAME)/kubeconfig
