#!/usr/bin/env bash
# `make image`: builds the action's image from the Dockerfile, offline.
#
#   scripts/image.sh [--platform linux/amd64] [--tag helm-deploy-action:dev] [--version dev]
#
# The build context is a scratch folder with the sources and `go mod vendor`, so the build runs
# with --network none and pulls nothing (GO_IMAGE from scripts/go-image.sh unless set).
# Prints the image ID on the last line of stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/docker-lib.sh

platform="linux/$(go env GOHOSTARCH)"
tag="helm-deploy-action:dev"
version="dev"
revision="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
while [ $# -gt 0 ]; do
  case "$1" in
    --platform) platform=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    --version) version=$2; shift 2 ;;
    --revision) revision=$2; shift 2 ;;
    *) echo "image.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

docker_up >/dev/null
GO_IMAGE="${GO_IMAGE:-$(scripts/go-image.sh)}"

mkdir -p "$HDA_CACHE"
ctx=$(mktemp -d "$HDA_CACHE/image-context.XXXXXX")
trap 'rm -rf "$ctx"' EXIT
cp go.mod go.sum main.go LICENSE Dockerfile .dockerignore "$ctx/"
tar -cf - --exclude='*_test.go' --exclude='testdata' internal | tar -C "$ctx" -xf -
go mod vendor -o "$ctx/vendor"

t0=$(date +%s.%N)
docker_build --network none --platform "$platform" \
  --build-arg GO_IMAGE="$GO_IMAGE" --build-arg VERSION="$version" --build-arg REVISION="$revision" \
  --iidfile "$ctx/iid" -t "$tag" "$ctx" >&2
t1=$(date +%s.%N)
id=$(cat "$ctx/iid")
size=$(docker image inspect "$id" --format '{{.Size}}')
compressed=$(docker save "$id" | gzip -1 | wc -c)
printf 'image %s (%s) built in %.0fs: %s bytes uncompressed, %s bytes compressed (gzip -1 of docker save)\n' \
  "$tag" "$platform" "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')" "$size" "$compressed" >&2
echo "$id"
