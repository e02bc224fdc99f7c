#!/usr/bin/env bash
# restart.sh <component> <downtime seconds>: stops a running component of cluster
# $CLUSTER_NAME (SIGTERM, as a rolling control-plane upgrade does), keeps it down for the given
# time and starts it again with the same command line, then waits until it is ready again. Used
# by the reliability tests (kube-apiserver restarted during a rollout).
set -euo pipefail
. "$(dirname "$0")/env.sh"
. "$(dirname "$0")/proc.sh"
name=$1 downtime=${2:-3}
f="$CLUSTER_DIR/pids/$name.pid"
proc_running "$name" || { echo "[restart] $name of cluster $CLUSTER_NAME is not running" >&2; exit 1; }
read -r pid _ <"$f"
mapfile -d '' cmd <"/proc/$pid/cmdline"
stop_proc "$name"
echo "[restart] $name stopped; down for ${downtime}s"
sleep "$downtime"
mv "$CLUSTER_DIR/logs/$name.log" "$CLUSTER_DIR/logs/$name.log.$(date +%s)" 2>/dev/null || true
start_proc "$name" "${cmd[@]}"
if [ "$name" = kube-apiserver ]; then
	P="$CLUSTER_DIR/pki"
	SERVER=$(sed -n 's/^ *server: //p' "$CLUSTER_DIR/kubeconfig" | head -1)
	wait_for "kube-apiserver" 60 curl -fsS --cacert "$P/ca.crt" --cert "$P/admin.crt" --key "$P/admin.key" "$SERVER/readyz"
fi
echo "[restart] $name running again"
