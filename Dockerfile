# syntax=docker/dockerfile:1
# Build: a static binary, no cgo, reproducible paths.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY main.go ./
COPY internal ./internal
ARG VERSION=dev
RUN CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath \
    -ldflags="-s -w -X github.com/helmdeploy/helm-deploy-action/internal/app.Version=${VERSION}" \
    -o /out/helm-deploy-action .

# Run: distroless "static" has CA certificates, tzdata and /etc/passwd, nothing else.
# It runs as root on purpose: the runner creates GITHUB_OUTPUT and GITHUB_STEP_SUMMARY as its
# own user (uid 1001 on hosted runners) and mounts them into the container; GitHub's docs say a
# container action must run as the default (root) user to write them and the workspace.
FROM gcr.io/distroless/static-debian12:latest
COPY --from=build /out/helm-deploy-action /helm-deploy-action
ENTRYPOINT ["/helm-deploy-action"]
