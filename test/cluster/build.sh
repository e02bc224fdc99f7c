#!/usr/bin/env bash
# Builds the local control plane (kube-apiserver, kube-controller-manager, kube-scheduler,
# kubectl, kwok, etcd) and the Helm CLI into a cache keyed by version:
#   ${HDA_CACHE:-$HOME/.cache/helm-deploy-action}/cluster/v<k8s>-kwok<kwok>-etcd<etcd>/bin/
# A build is skipped when every binary exists and the stamp matches the hash of the
# inputs (go.mod, go.sum, this script, etcd/main.go). Prints the time of each phase.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$CLUSTER_SRC"

now() { date +%s.%N; }
phase() { # phase <name> <start>
	printf '[build] %-28s %6.1fs\n' "$1" "$(echo "$(now) - $2" | bc)"
}
inputs_hash() { # inputs_hash <files...>
	cat "$@" | sha256sum | cut -d' ' -f1
}
all_exist() {
	local b
	for b in "$@"; do [ -x "$CLUSTER_BIN/$b" ] || return 1; done
}

mkdir -p "$CLUSTER_BIN"
total=$(now)

# --- Kubernetes, kwok and etcd: one go build so shared packages compile once. ---
k8s_bins=(kube-apiserver kube-controller-manager kube-scheduler kubectl kwok etcd)
k8s_stamp="$CLUSTER_BIN/.stamp-cluster"
k8s_hash=$(inputs_hash go.mod go.sum build.sh etcd/main.go)
if all_exist "${k8s_bins[@]}" && [ "$(cat "$k8s_stamp" 2>/dev/null)" = "$k8s_hash" ]; then
	echo "[build] cluster binaries up to date in $CLUSTER_BIN"
else
	t=$(now)
	go mod download
	phase "module download" "$t"

	build_date=$(go list -m -f '{{.Time.Format "2006-01-02T15:04:05Z"}}' k8s.io/kubernetes)
	mod_sum=$(go list -m -json k8s.io/kubernetes | sed -n 's/^[[:space:]]*"Sum": "\(.*\)".*/\1/p')
	minor=$(echo "$K8S_VERSION" | cut -d. -f2)
	ldflags="-s -w"
	for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		ldflags+=" -X $p.gitVersion=v$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
		ldflags+=" -X $p.gitTreeState=clean -X $p.gitCommit=gomod-$mod_sum -X $p.buildDate=$build_date"
	done
	ldflags+=" -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION"
	ldflags+=" -X go.etcd.io/etcd/api/v3/version.GitSHA=v$ETCD_VERSION"

	t=$(now)
	go build -trimpath -ldflags "$ldflags" -o "$CLUSTER_BIN/" \
		k8s.io/kubernetes/cmd/kube-apiserver \
		k8s.io/kubernetes/cmd/kube-controller-manager \
		k8s.io/kubernetes/cmd/kube-scheduler \
		k8s.io/kubernetes/cmd/kubectl \
		sigs.k8s.io/kwok/cmd/kwok \
		./etcd
	phase "build cluster binaries" "$t"
	echo "$k8s_hash" >"$k8s_stamp"
fi

# --- Helm CLI from its own module so it links Helm's own dependency versions. ---
helm_stamp="$CLUSTER_BIN/.stamp-helm"
helm_hash=$(inputs_hash helmcli/go.mod helmcli/go.sum build.sh)
if all_exist helm && [ "$(cat "$helm_stamp" 2>/dev/null)" = "$helm_hash" ]; then
	echo "[build] helm v$HELM_VERSION up to date in $CLUSTER_BIN"
else
	t=$(now)
	(cd helmcli && go mod download && go build -trimpath \
		-ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean" \
		-o "$CLUSTER_BIN/helm" helm.sh/helm/v3/cmd/helm)
	phase "build helm v$HELM_VERSION" "$t"
	echo "$helm_hash" >"$helm_stamp"
fi

phase "total" "$total"
"$CLUSTER_BIN/kube-apiserver" --version
"$CLUSTER_BIN/helm" version --short
echo "CLUSTER_BIN=$CLUSTER_BIN"
