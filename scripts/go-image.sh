#!/usr/bin/env bash
# Prints the name of a local image holding this machine's Go toolchain (GOROOT at
# /usr/local/go) and a static busybox as /bin/sh, made with `docker import` when missing.
# It is the GO_IMAGE of the Dockerfile where no golang image can be pulled; scripts/release.sh
# uses it too, so a release is built by the same Go as the tests (setup-go in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/docker-lib.sh

goroot=$(go env GOROOT)
version=$(go env GOVERSION)
name="hda-go:${version#go}-$(go env GOHOSTARCH)"
if docker image inspect "$name" >/dev/null 2>&1; then echo "$name"; exit 0; fi

busybox=$(command -v busybox || true)
if [ -z "$busybox" ] || ! file -L "$busybox" 2>/dev/null | grep -q 'statically linked'; then
  if [ "$(id -u)" != 0 ]; then
    # Not root (a GitHub-hosted runner): images can be pulled there, use Go's official one.
    echo "golang:${version#go}-bookworm"
    exit 0
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q busybox-static >&2
  busybox=/bin/busybox
fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/usr/bin" "$root/usr/local" "$root/tmp"
chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
for app in sh mkdir chmod cp rm ls cat env; do ln -s busybox "$root/bin/$app"; done
# The toolchain without what builds do not need (tests, docs, the API history).
tar -C "$goroot/.." --anchored --exclude='go/test' --exclude='go/doc' --exclude='go/api' \
  --exclude='go/pkg/obj' --no-anchored --exclude='*_test.go' --exclude='testdata' \
  -cf - "$(basename "$goroot")" | tar -C "$root/usr/local" -xf -
[ "$(basename "$goroot")" = go ] || mv "$root/usr/local/$(basename "$goroot")" "$root/usr/local/go"
tar -C "$root" -cf - . | docker import \
  -c 'ENV PATH=/usr/local/go/bin:/usr/bin:/bin' -c 'WORKDIR /' - "$name" >/dev/null
echo "$name"
