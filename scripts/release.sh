#!/usr/bin/env bash
# Releases the action so that a pin means something. CI (.github/workflows/release.yml) and a
# maintainer run it the same way:
#
#   scripts/release.sh [--dry-run] [--skip-tests] vX.Y.Z
#
# 1. `make test` passes (unless --skip-tests: the dry run inside `make test` itself).
# 2. The image is built from the Dockerfile for every platform in PLATFORMS (cross-compiled,
#    offline) and smoke-checked: the target's binary architecture, and a run of the host's image.
# 3. The tag must not exist in the registry (tags are immutable); each platform is pushed, then a
#    multi-platform index vX.Y.Z referring to them by digest.
# 4. A release commit on top of HEAD rewrites action.yml's image to
#    docker://<repo>:vX.Y.Z@sha256:<index digest>, so `@vX.Y.Z` and `@<that commit>` always run
#    exactly that image; it is tagged vX.Y.Z. The major tag (v1) moves to it only now that the
#    image exists, and only for a final version (no -rc) higher than the one it points at.
# 5. The tags are pushed to GIT_REMOTE.
#
# --dry-run does 1 (unless skipped) and 2, rewrites action.yml in a scratch copy and checks it,
# and pushes nothing. Settings: IMAGE_REPO (ghcr.io/helmdeploy/helm-deploy-action), PLATFORMS
# (linux/amd64,linux/arm64), GIT_REMOTE (origin), INSECURE_REGISTRY=1 for a plain-HTTP registry.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/docker-lib.sh

dry=0 tests=1 version=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry=1 ;;
    --skip-tests) tests=0 ;;
    -*) echo "release: unknown option $1" >&2; exit 2 ;;
    *) version=$1 ;;
  esac
  shift
done
IMAGE_REPO="${IMAGE_REPO:-ghcr.io/helmdeploy/helm-deploy-action}"
PLATFORMS="${PLATFORMS:-linux/amd64,linux/arm64}"
GIT_REMOTE="${GIT_REMOTE:-origin}"
insecure=()
[ "${INSECURE_REGISTRY:-0}" = 1 ] && insecure=(--insecure)

say() { echo "release: $*" >&2; }
fail() { echo "release: error: $*" >&2; exit 1; }

[[ "$version" =~ ^v(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z.-]+)?$ ]] ||
  fail "the version must be vMAJOR.MINOR.PATCH[-PRERELEASE], got \"$version\""
major="v${BASH_REMATCH[1]}"
prerelease="${BASH_REMATCH[4]}"
revision=$(git rev-parse HEAD)
if [ $dry = 0 ]; then
  [ -z "$(git status --porcelain)" ] || fail "the work tree has changes; a release is made from a clean checkout"
  git rev-parse -q --verify "refs/tags/$version" >/dev/null && fail "tag $version exists already; versions are never reused"
fi

if [ $tests = 1 ]; then
  say "running the tests (make test)"
  make test >&2
fi

docker_up >/dev/null
host_platform="linux/$(go env GOHOSTARCH)"
IFS=, read -r -a platforms <<<"$PLATFORMS"
declare -A local_tag
for p in "${platforms[@]}"; do
  arch=${p#linux/}
  tag="$IMAGE_REPO:$version-$arch"
  say "building $tag ($p)"
  scripts/image.sh --platform "$p" --tag "$tag" --version "$version" --revision "$revision" >/dev/null
  got=$(docker image inspect "$tag" --format '{{.Os}}/{{.Architecture}}')
  [ "$got" = "$p" ] || fail "$tag is $got, want $p"
  # The binary inside must be for the platform: read its ELF header.
  cid=$(docker create "$tag")
  bin=$(mktemp)
  docker cp "$cid:/helm-deploy-action" "$bin" >/dev/null
  docker rm "$cid" >/dev/null
  machine=$(od -An -tu2 -j18 -N2 "$bin" | tr -d ' ')
  rm -f "$bin"
  case "$arch:$machine" in
    amd64:62|arm64:183) ;;
    *) fail "the binary in $tag has ELF machine $machine, not $arch" ;;
  esac
  labels=$(docker image inspect "$tag" --format '{{index .Config.Labels "org.opencontainers.image.version"}} {{index .Config.Labels "org.opencontainers.image.revision"}}')
  [ "$labels" = "$version $revision" ] || fail "$tag is labelled \"$labels\", want \"$version $revision\""
  if [ "$p" = "$host_platform" ]; then
    # With no inputs the action must start, name the missing inputs and exit 1.
    set +e
    out=$(docker run --rm --network none "$tag" 2>&1); code=$?
    set -e
    [ $code = 1 ] && grep -q 'input "release": is required' <<<"$out" ||
      fail "$tag did not run as expected (exit $code):"$'\n'"$out"
  fi
  local_tag[$p]=$tag
done

# The release commit's action.yml: exactly one line changes, the image.
rewrite() { # rewrite <action.yml> <image reference>
  local file=$1 ref=$2 before after
  before=$(grep -c '' "$file")
  sed -i -E "s#^(  image: ).*#\1'docker://$ref'#" "$file"
  after=$(grep -c '' "$file")
  [ "$before" = "$after" ] || fail "rewriting $file changed its length"
  [ "$(grep -cE "^  image: 'docker://$ref'\$" "$file")" = 1 ] || fail "$file does not name docker://$ref"
}

if [ $dry = 1 ]; then
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  cp action.yml "$scratch/action.yml"
  rewrite "$scratch/action.yml" "$IMAGE_REPO:$version@sha256:$(printf '0%.0s' {1..64})"
  changed=$(diff action.yml "$scratch/action.yml" | grep -c '^>' || true)
  [ "$changed" = 1 ] || fail "the rewrite changed $changed lines of action.yml, want 1"
  say "dry run: built ${platforms[*]}; action.yml would run docker://$IMAGE_REPO:$version@sha256:<index digest>; nothing pushed"
  exit 0
fi

if docker manifest inspect "${insecure[@]}" "$IMAGE_REPO:$version" >/dev/null 2>&1; then
  fail "$IMAGE_REPO:$version exists in the registry already; image tags are never overwritten"
fi
refs=()
for p in "${platforms[@]}"; do
  say "pushing ${local_tag[$p]}"
  docker push "${local_tag[$p]}" >&2
  digest=$(docker image inspect "${local_tag[$p]}" --format '{{join .RepoDigests "\n"}}' | grep "^$IMAGE_REPO@" | head -1)
  [ -n "$digest" ] || fail "no registry digest for ${local_tag[$p]}"
  refs+=("$digest")
done
docker manifest rm "$IMAGE_REPO:$version" >/dev/null 2>&1 || true
docker manifest create "${insecure[@]}" "$IMAGE_REPO:$version" "${refs[@]}" >&2
index=$(docker manifest push "${insecure[@]}" "$IMAGE_REPO:$version")
[[ "$index" =~ ^sha256:[0-9a-f]{64}$ ]] || fail "pushing the index gave no digest: $index"
docker manifest inspect "${insecure[@]}" "$IMAGE_REPO:$version@$index" >/dev/null ||
  fail "the index $IMAGE_REPO:$version@$index cannot be read back"
image="$IMAGE_REPO:$version@$index"
say "pushed $image"

# The release commit, made in a scratch worktree so the checkout is left as it was.
wt=$(mktemp -d)
trap 'git worktree remove --force "$wt" >/dev/null 2>&1 || rm -rf "$wt"' EXIT
git worktree add --detach "$wt" "$revision" >/dev/null 2>&1
rewrite "$wt/action.yml" "$image"
git -C "$wt" -c user.name="${GIT_AUTHOR_NAME:-helm-deploy-action release}" \
  -c user.email="${GIT_AUTHOR_EMAIL:-release@helmdeploy.invalid}" \
  commit -q -m "release $version: action.yml runs docker://$image" action.yml
commit=$(git -C "$wt" rev-parse HEAD)
git tag -a -m "helm-deploy-action $version (image $image)" "$version" "$commit"
push=("$version")
if [ -z "$prerelease" ]; then
  current=$(git tag -l "$major" --format '%(contents:subject)' | sed -n 's/^helm-deploy-action \(v[^ ]*\) .*/\1/p')
  newest=$(printf '%s\n%s\n' "${current:-v0.0.0}" "$version" | sort -V | tail -1)
  if [ "$newest" = "$version" ] && [ "$current" != "$version" ]; then
    git tag -f -a -m "helm-deploy-action $version (image $image)" "$major" "$commit" >/dev/null
    push+=("+refs/tags/$major:refs/tags/$major")
  else
    say "$major stays at $current (newer than $version)"
  fi
fi
git push -q "$GIT_REMOTE" "${push[@]}" >&2
say "released $version at $commit (tags: ${push[*]})"
echo "$image"
