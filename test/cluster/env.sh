# Shared settings for build.sh, up.sh and down.sh. Source it; do not run it.
# Versions come from this folder's go.mod files so they are written in one place.

CLUSTER_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HDA_CACHE=${HDA_CACHE:-$HOME/.cache/helm-deploy-action}

modver() { # modver <module dir> <module path>: the version go.mod selects, without the leading v
	(cd "$1" && go list -m -f '{{.Version}}' "$2") | sed 's/^v//'
}

K8S_VERSION=${K8S_VERSION:-$(modver "$CLUSTER_SRC" k8s.io/kubernetes)}
KWOK_VERSION=${KWOK_VERSION:-$(modver "$CLUSTER_SRC" sigs.k8s.io/kwok)}
ETCD_VERSION=${ETCD_VERSION:-$(modver "$CLUSTER_SRC" go.etcd.io/etcd/server/v3)}
HELM_VERSION=${HELM_VERSION:-$(modver "$CLUSTER_SRC/helmcli" helm.sh/helm/v3)}

CLUSTER_BIN=${CLUSTER_BIN:-$HDA_CACHE/cluster/v$K8S_VERSION-kwok$KWOK_VERSION-etcd$ETCD_VERSION/bin}
CLUSTER_NAME=${CLUSTER_NAME:-hda}
CLUSTER_DIR=${CLUSTER_DIR:-$HDA_CACHE/clusters/$CLUSTER_NAME}

# KWOK's source in the module cache: its upstream stage files are loaded from there.
KWOK_SRC=${KWOK_SRC:-$(cd "$CLUSTER_SRC" && go list -m -f '{{.Dir}}' sigs.k8s.io/kwok)}
if [ -z "$KWOK_SRC" ]; then
	KWOK_SRC=$(cd "$CLUSTER_SRC" && go mod download -json sigs.k8s.io/kwok | sed -n 's/^[[:space:]]*"Dir": "\(.*\)".*/\1/p')
fi
