//go:build e2e

// Package e2e runs the compiled action against a real Kubernetes control plane (the local
// KWOK cluster of test/cluster) exactly as the GitHub runner runs a container action: INPUT_*
// environment, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, GITHUB_* variables.
//
//	make cluster-up
//	E2E_KUBECONFIG=$(make -s cluster-kubeconfig) go test -tags e2e ./test/e2e/ -v
package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// harness is what TestMain prepares once for every test.
type harness struct {
	repoRoot   string // module root: GITHUB_WORKSPACE and the go build directory
	binary     string // the compiled action
	kubeconfig []byte // content of $E2E_KUBECONFIG
	skip       string // why the tests are skipped ("" when they run)
	image      string // the action's image ($E2E_IMAGE), run by the image tests
	imageSkip  string // why the image tests are skipped ("" when they run)
}

var h harness

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	// The registry of the OCI and release tests (distribution) exports OpenTelemetry traces to
	// localhost:4318 by default: nothing listens there.
	os.Setenv("OTEL_TRACES_EXPORTER", "none")
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	h.repoRoot = root
	if h.image = os.Getenv("E2E_IMAGE"); h.image == "" {
		h.imageSkip = "E2E_IMAGE is not set: build the image with `make image` and set E2E_IMAGE=helm-deploy-action:dev (make test does both)"
	}
	path := os.Getenv("E2E_KUBECONFIG")
	if path == "" {
		h.skip = "E2E_KUBECONFIG is not set: start the local cluster with `make cluster-up` and run " +
			"E2E_KUBECONFIG=$(make -s cluster-kubeconfig) go test -tags e2e ./test/e2e/"
		return m.Run()
	}
	h.kubeconfig, err = os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: read E2E_KUBECONFIG: %v\n", err)
		return 1
	}
	tmp, err := os.MkdirTemp("", "hda-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(tmp)
	h.binary = filepath.Join(tmp, "helm-deploy-action")
	start := time.Now()
	if err := buildAction(root, h.binary); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	fmt.Printf("e2e: built the action in %.1fs\n", time.Since(start).Seconds())
	return m.Run()
}

// buildAction compiles the action the way the Dockerfile does (static, trimmed).
func buildAction(root, out string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", out, ".")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build the action: %w\n%s", err, b)
	}
	return nil
}

// needImage skips the test when no cluster was given, and fails it when the cluster is up but
// no image was given: the image tests are part of the suite, not optional.
func needImage(t *testing.T) {
	t.Helper()
	needCluster(t)
	if h.imageSkip != "" {
		t.Fatal(h.imageSkip)
	}
}

// needCluster skips the test when no cluster was given.
func needCluster(t *testing.T) {
	t.Helper()
	if h.skip != "" {
		t.Skip(h.skip)
	}
}
