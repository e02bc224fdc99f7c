# The image of the action, built offline and published by scripts/release.sh (`make image`
# builds it locally). No `# syntax=` line: BuildKit would pull a frontend image.
#
# scripts/image.sh builds it from a scratch context holding vendor/ (`go mod vendor`), so the
# build needs no network (`docker build --network none`). Without vendor/ (the runner building
# `image: Dockerfile` from a checkout of an unreleased commit) the modules are downloaded.
# BuildKit is required (the default builder of current Docker).
#
# GO_IMAGE is any image with Go at /usr/local/go and a POSIX shell: golang:<version> where
# images can be pulled, or the local image scripts/go-image.sh makes from this machine's Go.
ARG GO_IMAGE=golang:1.26.8-bookworm

# Build: runs on the builder's own platform and cross-compiles for the target (no emulation).
FROM --platform=$BUILDPLATFORM ${GO_IMAGE} AS build
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=dev
ENV PATH=/usr/local/go/bin:/usr/bin:/bin \
    CGO_ENABLED=0 GOTOOLCHAIN=local GOCACHE=/tmp/gocache GOMODCACHE=/tmp/gomod HOME=/tmp
WORKDIR /src
# .dockerignore lets in only go.mod, go.sum, main.go, LICENSE, internal/ and vendor/.
COPY . .
# The cache mount keeps compiled packages between builds on one builder (not in the image).
RUN --mount=type=cache,id=hda-gocache,target=/tmp/gocache \
    if [ -d vendor ]; then export GOFLAGS=-mod=vendor GOPROXY=off; else go mod download; fi \
 && GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -buildvcs=false \
      -ldflags="-s -w -X github.com/helmdeploy/helm-deploy-action/internal/app.Version=$VERSION" \
      -o /out/rootfs/helm-deploy-action . \
 && mkdir -p /out/rootfs/tmp && chmod 1777 /out/rootfs/tmp && cp LICENSE /out/rootfs/LICENSE

# Run: nothing but the binary (CA roots and time zones are compiled in), a writable /tmp and
# the license. It runs as root on purpose: the runner mounts GITHUB_OUTPUT and
# GITHUB_STEP_SUMMARY created by its own user (uid 1001 on hosted runners), and GitHub's docs
# say a container action must run as the default (root) user to write them and the workspace.
FROM scratch
ARG VERSION=dev
ARG REVISION=unknown
LABEL org.opencontainers.image.title="helm-deploy-action" \
      org.opencontainers.image.description="Deploys Helm charts from GitHub Actions: lock, track, roll back, report." \
      org.opencontainers.image.source="https://github.com/helmdeploy/helm-deploy-action" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="$VERSION" \
      org.opencontainers.image.revision="$REVISION"
COPY --from=build /out/rootfs/ /
ENV TMPDIR=/tmp
ENTRYPOINT ["/helm-deploy-action"]
