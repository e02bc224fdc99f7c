#!/usr/bin/env bash
# Stops every process up.sh started for $CLUSTER_NAME (newest first; a zombie counts as
# stopped, checked in /proc/<pid>/stat) and removes the cluster's state directory.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/env.sh"
. "$CLUSTER_SRC/proc.sh"

t0=$(date +%s.%N)
if [ ! -d "$CLUSTER_DIR" ]; then
	echo "cluster $CLUSTER_NAME is not running"
	exit 0
fi
failed=0
if [ -r "$CLUSTER_DIR/pids/order" ]; then
	for name in $(tac "$CLUSTER_DIR/pids/order"); do
		stop_proc "$name" || failed=1
	done
fi
if [ "$failed" -ne 0 ]; then
	echo "some processes did not stop; state kept in $CLUSTER_DIR" >&2
	exit 1
fi
case "$CLUSTER_DIR" in
*/clusters/*) rm -rf "$CLUSTER_DIR" ;;
*) echo "not removing unexpected cluster dir $CLUSTER_DIR" >&2 ;;
esac
printf '[down] cluster %s stopped in %.1fs\n' "$CLUSTER_NAME" "$(echo "$(date +%s.%N) - $t0" | bc)"
