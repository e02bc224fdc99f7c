# Sourced by the image, release and test scripts: a Docker engine and a BuildKit builder.
# shellcheck shell=bash

HDA_CACHE="${HDA_CACHE:-$HOME/.cache/helm-deploy-action}"
DOCKERD_PIDFILE="$HDA_CACHE/dockerd.pid"

# docker_up makes sure a Docker engine answers. Without one it installs Debian's docker.io
# (when dockerd is missing) and starts dockerd with no bridge and no iptables rules, so it
# creates no network: containers run with --network host, builds with --network none.
# It prints "started" when it started the daemon (stop it with docker_down).
docker_up() {
  if docker info >/dev/null 2>&1; then return 0; fi
  if ! command -v dockerd >/dev/null 2>&1; then
    echo "docker: installing Debian's docker.io" >&2
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io >&2; then
      DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io >&2
    fi
  fi
  mkdir -p "$HDA_CACHE"
  echo "docker: starting dockerd (--bridge=none --iptables=false)" >&2
  nohup dockerd --bridge=none --iptables=false >"$HDA_CACHE/dockerd.log" 2>&1 &
  echo $! >"$DOCKERD_PIDFILE"
  for _ in $(seq 1 120); do
    if docker info >/dev/null 2>&1; then echo started; return 0; fi
    sleep 0.5
  done
  echo "docker: dockerd did not answer within 60s; its log: $HDA_CACHE/dockerd.log" >&2
  tail -20 "$HDA_CACHE/dockerd.log" >&2
  return 1
}

# docker_down stops a dockerd that docker_up started.
docker_down() {
  [ -f "$DOCKERD_PIDFILE" ] || return 0
  local pid; pid=$(cat "$DOCKERD_PIDFILE")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  rm -f "$DOCKERD_PIDFILE"
}

# docker_build runs a BuildKit build (needed for --platform and the TARGET*/BUILDPLATFORM
# arguments): `docker buildx build --load` when buildx exists, else a docker client that has
# BuildKit built in (Debian's docker.io 20.10 client, /usr/bin/docker) with DOCKER_BUILDKIT=1.
docker_build() {
  if docker buildx version >/dev/null 2>&1; then
    docker buildx build --load "$@"
    return
  fi
  local c v
  for c in docker /usr/bin/docker; do
    command -v "$c" >/dev/null 2>&1 || continue
    v=$("$c" version --format '{{.Client.Version}}' 2>/dev/null || true)
    case "$v" in
      19.*|20.*|21.*|22.*) DOCKER_BUILDKIT=1 "$c" build "$@"; return ;;
    esac
  done
  echo "docker: no BuildKit builder: install the buildx plugin (docker-buildx) or Debian's docker.io client" >&2
  return 1
}
