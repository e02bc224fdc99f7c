#!/usr/bin/env bash
# Starts a local Kubernetes control plane named $CLUSTER_NAME (default hda) from the binaries
# build.sh made: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and a KWOK
# controller, all on 127.0.0.1 with ports chosen at start, plus two fake nodes whose address is
# 127.0.0.1. Writes $HDA_CACHE/clusters/<name>/kubeconfig; components log to <cluster dir>/logs/.
# Running it again on a healthy cluster does nothing; an unhealthy one is stopped and restarted.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
. "$CLUSTER_SRC/pki.sh"
. "$CLUSTER_SRC/proc.sh"

KUBECTL="$CLUSTER_BIN/kubectl"
KUBECONFIG_FILE="$CLUSTER_DIR/kubeconfig"
t0=$(date +%s.%N)
elapsed() { echo "$(date +%s.%N) - $t0" | bc | xargs printf '%.1f'; }

for b in etcd kube-apiserver kube-controller-manager kube-scheduler kwok kubectl; do
	if [ ! -x "$CLUSTER_BIN/$b" ]; then
		echo "missing $CLUSTER_BIN/$b: run test/cluster/build.sh (make cluster-build) first" >&2
		exit 1
	fi
done

if [ -d "$CLUSTER_DIR" ]; then
	if cluster_healthy; then
		echo "cluster $CLUSTER_NAME already running; kubeconfig: $KUBECONFIG_FILE"
		exit 0
	fi
	echo "cluster $CLUSTER_NAME is not healthy: stopping it and starting again"
	"$CLUSTER_SRC/down.sh"
fi

mkdir -p "$CLUSTER_DIR"/{pki,logs,pids,etcd,pod-logs,run}
chmod 700 "$CLUSTER_DIR"
pick_ports ETCD_PORT ETCD_PEER_PORT API_PORT KCM_PORT SCHED_PORT KWOK_PORT AUTHHOOK_PORT
printf 'ETCD_PORT=%s\nETCD_PEER_PORT=%s\nAPI_PORT=%s\nKCM_PORT=%s\nSCHED_PORT=%s\nKWOK_PORT=%s\nAUTHHOOK_PORT=%s\n' \
	"$ETCD_PORT" "$ETCD_PEER_PORT" "$API_PORT" "$KCM_PORT" "$SCHED_PORT" "$KWOK_PORT" "$AUTHHOOK_PORT" >"$CLUSTER_DIR/ports"

make_pki "$CLUSTER_DIR/pki"
P="$CLUSTER_DIR/pki"
SERVER="https://127.0.0.1:$API_PORT"
for who in admin kube-controller-manager kube-scheduler kwok; do
	write_kubeconfig "$CLUSTER_DIR/$who.kubeconfig" "$SERVER" "$P/ca.crt" "$P/$who.crt" "$P/$who.key"
done
cp "$CLUSTER_DIR/admin.kubeconfig" "$KUBECONFIG_FILE"
echo "[up] certificates and kubeconfigs: $(elapsed)s"

start_proc etcd "$CLUSTER_BIN/etcd" \
	--name=hda --data-dir="$CLUSTER_DIR/etcd" --unsafe-no-fsync --log-level=warn \
	--listen-client-urls="http://127.0.0.1:$ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
	--listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
	--initial-cluster="hda=http://127.0.0.1:$ETCD_PEER_PORT" --auto-compaction-retention=1
wait_for "etcd" 30 curl -fsS "http://127.0.0.1:$ETCD_PORT/health"
echo "[up] etcd ready: $(elapsed)s"

# Cloud-style authentication for the credential tests: the authhook is the fake GitHub OIDC
# issuer (structured JWT authentication) and a token-review webhook for EKS, Google and Entra
# tokens. It starts first: the API server fetches the issuer's keys as it starts.
(cd "$CLUSTER_SRC" && go build -o "$CLUSTER_DIR/run/authhook" ./authhook)
start_proc authhook "$CLUSTER_DIR/run/authhook" --listen="127.0.0.1:$AUTHHOOK_PORT" \
	--cert="$P/authhook.crt" --key="$P/authhook.key" --ca="$P/ca.crt" --idp-key="$P/idp.key" --cluster-id=hda-e2e
wait_for "authhook" 30 curl -fsS --cacert "$P/ca.crt" "https://127.0.0.1:$AUTHHOOK_PORT/jwks"
write_authn_config "$CLUSTER_DIR" "$AUTHHOOK_PORT" "$P/ca.crt"

start_proc kube-apiserver "$CLUSTER_BIN/kube-apiserver" \
	--authentication-config="$CLUSTER_DIR/authn.yaml" \
	--authentication-token-webhook-config-file="$CLUSTER_DIR/authhook.kubeconfig" \
	--authentication-token-webhook-version=v1 --authentication-token-webhook-cache-ttl=1s \
	--bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$API_PORT" \
	--etcd-servers="http://127.0.0.1:$ETCD_PORT" --cert-dir="$CLUSTER_DIR/run" \
	--tls-cert-file="$P/apiserver.crt" --tls-private-key-file="$P/apiserver.key" --client-ca-file="$P/ca.crt" \
	--service-account-issuer=https://kubernetes.default.svc.cluster.local \
	--service-account-key-file="$P/sa.pub" --service-account-signing-key-file="$P/sa.key" \
	--service-cluster-ip-range=10.96.0.0/16 --endpoint-reconciler-type=none \
	--authorization-mode=Node,RBAC --allow-privileged=true --profiling=false \
	--kubelet-preferred-address-types=InternalIP \
	--kubelet-client-certificate="$P/apiserver-kubelet-client.crt" --kubelet-client-key="$P/apiserver-kubelet-client.key" \
	--requestheader-client-ca-file="$P/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client \
	--requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
	--requestheader-extra-headers-prefix=X-Remote-Extra- \
	--proxy-client-cert-file="$P/front-proxy-client.crt" --proxy-client-key-file="$P/front-proxy-client.key"
wait_for "kube-apiserver" 60 curl -fsS --cacert "$P/ca.crt" --cert "$P/admin.crt" --key "$P/admin.key" "$SERVER/readyz"
echo "[up] kube-apiserver ready: $(elapsed)s"

start_proc kube-controller-manager "$CLUSTER_BIN/kube-controller-manager" \
	--kubeconfig="$CLUSTER_DIR/kube-controller-manager.kubeconfig" \
	--authentication-kubeconfig="$CLUSTER_DIR/kube-controller-manager.kubeconfig" \
	--authorization-kubeconfig="$CLUSTER_DIR/kube-controller-manager.kubeconfig" \
	--bind-address=127.0.0.1 --secure-port="$KCM_PORT" --cert-dir="$CLUSTER_DIR/run" \
	--leader-elect=false --use-service-account-credentials=true \
	--service-account-private-key-file="$P/sa.key" --root-ca-file="$P/ca.crt" \
	--cluster-signing-cert-file="$P/ca.crt" --cluster-signing-key-file="$P/ca.key" \
	--kube-api-qps=200 --kube-api-burst=400
start_proc kube-scheduler "$CLUSTER_BIN/kube-scheduler" \
	--kubeconfig="$CLUSTER_DIR/kube-scheduler.kubeconfig" \
	--authentication-kubeconfig="$CLUSTER_DIR/kube-scheduler.kubeconfig" \
	--authorization-kubeconfig="$CLUSTER_DIR/kube-scheduler.kubeconfig" \
	--bind-address=127.0.0.1 --secure-port="$SCHED_PORT" --cert-dir="$CLUSTER_DIR/run" \
	--leader-elect=false --kube-api-qps=200 --kube-api-burst=400

# KWOK watches every kind its stages name: the test custom resource must exist first.
"$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" apply -f "$CLUSTER_SRC/kwok/widget-crd.yaml" >/dev/null
wait_for "Widget CRD established" 30 "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" wait --for=condition=Established crd/widgets.hda.test --timeout=2s
# KWOK reads the kind's OpenAPI v3 document at start and exits when it is not published yet.
wait_for "Widget OpenAPI v3" 30 "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" get --raw /openapi/v3/apis/hda.test/v1
write_kwok_config "$CLUSTER_DIR/kwok.yaml" "$CLUSTER_DIR/pod-logs"
start_proc loggen bash "$CLUSTER_SRC/loggen.sh" "$CLUSTER_DIR/pod-logs"
start_proc kwok "$CLUSTER_BIN/kwok" \
	--kubeconfig="$CLUSTER_DIR/kwok.kubeconfig" \
	--config="$CLUSTER_DIR/kwok.yaml" \
	--manage-all-nodes=true --node-ip=127.0.0.1 --node-name=hda-kwok \
	--node-port="$KWOK_PORT" --server-address="127.0.0.1:$KWOK_PORT" \
	--tls-cert-file="$P/kwok-serving.crt" --tls-private-key-file="$P/kwok-serving.key" \
	--node-lease-duration-seconds=40

export KUBECONFIG="$KUBECONFIG_FILE"
"$KUBECTL" apply -f "$CLUSTER_SRC/kwok/nodes.yaml" -f "$KWOK_SRC/kustomize/stage/volume/fast/storage-class.yaml" >/dev/null
wait_for "nodes Ready" 60 "$KUBECTL" wait --for=condition=Ready node --all --timeout=2s
wait_for "default ServiceAccount" 60 "$KUBECTL" get serviceaccount default -n default
bad=$("$KUBECTL" get nodes -o jsonpath='{range .items[*]}{range .status.addresses[*]}{.type}={.address}{"\n"}{end}{end}' |
	grep '^InternalIP=' | grep -v '=127\.' || true)
if [ -n "$bad" ]; then
	echo "a node has a non-loopback address: $bad" >&2
	exit 1
fi
echo "[up] cluster $CLUSTER_NAME ready in $(elapsed)s"
echo "KUBECONFIG=$KUBECONFIG_FILE"
