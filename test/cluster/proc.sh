# Process and config helpers for up.sh and down.sh. Source it after env.sh; do not run it.
# Each started process is recorded in <cluster dir>/pids/<name>.pid as "<pid> <start time>",
# the start time being field 22 of /proc/<pid>/stat, so a reused PID is never taken for ours.

proc_field() { # proc_field <pid> <n>: field n of /proc/<pid>/stat (n >= 3; the comm field is skipped)
	local rest
	rest=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	echo "$rest" | cut -d' ' -f$(($2 - 2))
}

# proc_running <name>: the recorded process exists, is the one we started and is not a zombie.
proc_running() {
	local f="$CLUSTER_DIR/pids/$1.pid" pid start state
	[ -r "$f" ] || return 1
	read -r pid start <"$f"
	state=$(proc_field "$pid" 3) || return 1
	[ "$state" != Z ] && [ "$(proc_field "$pid" 22)" = "$start" ]
}

start_proc() { # start_proc <name> <command...>: runs it in its own session, logging to logs/<name>.log
	local name=$1 pid
	shift
	setsid "$@" >"$CLUSTER_DIR/logs/$name.log" 2>&1 </dev/null &
	pid=$!
	echo "$pid $(proc_field "$pid" 22)" >"$CLUSTER_DIR/pids/$name.pid"
	echo "$name" >>"$CLUSTER_DIR/pids/order"
}

stop_proc() { # stop_proc <name>: SIGTERM, up to 10 s, then SIGKILL; a zombie counts as stopped
	local f="$CLUSTER_DIR/pids/$1.pid" pid start i
	[ -r "$f" ] || return 0
	read -r pid start <"$f"
	if proc_running "$1"; then
		kill -TERM "$pid" 2>/dev/null || true
		for i in $(seq 100); do
			proc_running "$1" || break
			sleep 0.1
		done
		if proc_running "$1"; then
			echo "[down] $1 ($pid) did not stop in 10s: SIGKILL"
			kill -KILL "$pid" 2>/dev/null || true
			for i in $(seq 50); do
				proc_running "$1" || break
				sleep 0.1
			done
		fi
	fi
	if proc_running "$1"; then
		echo "[down] $1 ($pid) is still running" >&2
		return 1
	fi
	rm -f "$f"
}

# wait_for <description> <seconds> <command...>: retries the command every 0.2 s. Fails early
# when a started component has exited, showing the end of its log.
wait_for() {
	local what=$1 secs=$2 deadline name
	shift 2
	deadline=$(($(date +%s) + secs))
	while ! "$@" >/dev/null 2>&1; do
		for name in $(cat "$CLUSTER_DIR/pids/order" 2>/dev/null); do
			if ! proc_running "$name"; then
				echo "$name exited while waiting for $what; end of $CLUSTER_DIR/logs/$name.log:" >&2
				tail -n 20 "$CLUSTER_DIR/logs/$name.log" >&2
				return 1
			fi
		done
		if [ "$(date +%s)" -ge "$deadline" ]; then
			echo "timed out after ${secs}s waiting for $what (logs in $CLUSTER_DIR/logs)" >&2
			return 1
		fi
		sleep 0.2
	done
}

cluster_healthy() { # every recorded component runs and the apiserver answers /readyz
	local name
	[ -r "$CLUSTER_DIR/pids/order" ] && [ -r "$CLUSTER_DIR/kubeconfig" ] || return 1
	for name in $(cat "$CLUSTER_DIR/pids/order"); do
		proc_running "$name" || return 1
	done
	"$CLUSTER_BIN/kubectl" --kubeconfig "$CLUSTER_DIR/kubeconfig" get --raw /readyz >/dev/null 2>&1
}

pick_ports() { # pick_ports <VAR...>: sets each variable to a distinct TCP port not in use
	local used p v
	used=" $(ss -Htan | awk '{n = split($4, a, ":"); print a[n]}' | sort -u | tr '\n' ' ') "
	for v in "$@"; do
		while :; do
			p=$((20000 + RANDOM % 30000))
			case "$used" in *" $p "*) continue ;; esac
			break
		done
		used+="$p "
		printf -v "$v" '%s' "$p"
	done
}

write_kubeconfig() { # write_kubeconfig <file> <server> <ca> <cert> <key>; credentials embedded
	umask 077
	cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: $CLUSTER_NAME
  cluster:
    server: $2
    certificate-authority-data: $(base64 -w0 "$3")
users:
- name: $CLUSTER_NAME-$(basename "$1" .kubeconfig)
  user:
    client-certificate-data: $(base64 -w0 "$4")
    client-key-data: $(base64 -w0 "$5")
contexts:
- name: $CLUSTER_NAME
  context:
    cluster: $CLUSTER_NAME
    user: $CLUSTER_NAME-$(basename "$1" .kubeconfig)
    namespace: default
current-context: $CLUSTER_NAME
EOF
}

# write_kwok_config <file> <pod log dir>: KWOK's upstream default stages (from the module
# cache, same version as the binary), our behaviour and Service stages, and the ClusterLogs.
write_kwok_config() {
	local out=$1 logs=$2 f n
	local upstream=(
		node/fast/node-initialize.yaml
		node/heartbeat-with-lease/node-heartbeat-with-lease.yaml
		pod/fast/pod-ready.yaml
		pod/fast/pod-complete.yaml
		pod/fast/pod-delete.yaml
		volume/fast/pv-bind.yaml
		volume/fast/pv-delete.yaml
		volume/fast/pvc-provision.yaml
		volume/fast/pvc-delete.yaml
	)
	: >"$out"
	for f in "${upstream[@]}"; do
		cat "$KWOK_SRC/kustomize/stage/$f" >>"$out"
		printf '\n---\n' >>"$out"
	done
	for f in behaviours.yaml services.yaml widget.yaml; do
		cat "$CLUSTER_SRC/kwok/$f" >>"$out"
		printf '\n---\n' >>"$out"
	done
	{
		echo "apiVersion: kwok.x-k8s.io/v1alpha1"
		echo "kind: ClusterLogs"
		echo "metadata: {name: hda-pod-logs}"
		echo "spec:"
		echo "  logs:"
		for n in web db migrate; do
			echo "  - containers: [$n]"
			echo "    logsFile: $logs/$n.log"
			echo "    previousLogsFile: $logs/$n-previous.log"
			echo "    follow: true"
		done
		echo "  - logsFile: $logs/app.log"
		echo "    previousLogsFile: $logs/app-previous.log"
		echo "    follow: true"
	} >>"$out"
}

write_authn_config() { # write_authn_config <cluster dir> <authhook port> <ca file>
	local dir=$1 port=$2 ca=$3
	{
		echo "apiVersion: apiserver.config.k8s.io/v1"
		echo "kind: AuthenticationConfiguration"
		echo "jwt:"
		echo "- issuer:"
		echo "    url: https://127.0.0.1:$port"
		echo "    audiences: [hda-e2e]"
		echo "    certificateAuthority: |"
		sed 's/^/      /' "$ca"
		echo "  claimMappings:"
		echo "    username: {claim: sub, prefix: 'github:'}"
	} >"$dir/authn.yaml"
	cat >"$dir/authhook.kubeconfig" <<EOC
apiVersion: v1
kind: Config
clusters:
- name: authhook
  cluster: {server: "https://127.0.0.1:$port/authenticate", certificate-authority: "$ca"}
users:
- name: apiserver
  user: {}
contexts:
- name: webhook
  context: {cluster: authhook, user: apiserver}
current-context: webhook
EOC
}
