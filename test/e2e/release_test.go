//go:build e2e

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// gitIn runs git in dir and returns its trimmed stdout.
func gitIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, stderr)
	}
	return strings.TrimSpace(string(out))
}

// releaseRun runs scripts/release.sh of checkout with the registry and remote of the test.
func releaseRun(t *testing.T, checkout, repo string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(filepath.Join(checkout, "scripts", "release.sh"), append([]string{"--skip-tests"}, args...)...)
	cmd.Dir = checkout
	cmd.Env = append(os.Environ(), "IMAGE_REPO="+repo, "GIT_REMOTE=release", "INSECURE_REGISTRY=1")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		return stdout.String() + stderr.String(), err
	}
	return strings.TrimSpace(stdout.String()), nil
}

// cloneForRelease clones the committed state of the repository with a bare "release" remote.
func cloneForRelease(t *testing.T, remote string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "checkout")
	gitIn(t, h.repoRoot, "clone", "-q", "--no-local", h.repoRoot, dir)
	gitIn(t, dir, "remote", "add", "release", remote)
	return dir
}

// TestReleaseToLoopbackRegistry runs the real release (not the dry run) against an OCI registry
// on 127.0.0.1 and a bare git remote: both platforms are pushed under an index, the tagged
// release commit's action.yml names exactly that image, the major tag follows it, and neither the
// git tag nor the image tag can be released twice.
func TestReleaseToLoopbackRegistry(t *testing.T) {
	needImage(t)
	addr := runRegistry(t, false)
	repo := addr + "/helmdeploy/helm-deploy-action"
	remote := filepath.Join(t.TempDir(), "remote.git")
	gitIn(t, h.repoRoot, "init", "-q", "--bare", remote)

	checkout := cloneForRelease(t, remote)
	head := gitIn(t, checkout, "rev-parse", "HEAD")
	image, err := releaseRun(t, checkout, repo, "v9.9.9")
	if err != nil {
		t.Fatalf("release v9.9.9: %v\n%s", err, image)
	}
	m := regexp.MustCompile(`^` + regexp.QuoteMeta(repo) + `:v9\.9\.9@(sha256:[0-9a-f]{64})$`).FindStringSubmatch(image)
	if m == nil {
		t.Fatalf("release printed %q, want %s:v9.9.9@sha256:<digest>", image, repo)
	}

	// The registry holds an index for v9.9.9 with both platforms, under the printed digest.
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/v2/helmdeploy/helm-deploy-action/manifests/v9.9.9", nil)
	req.Header.Set("Accept", "application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.index.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var index struct {
		Manifests []struct {
			Platform struct{ OS, Architecture string }
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&index); err != nil {
		t.Fatalf("decode the index: %v", err)
	}
	if got := resp.Header.Get("Docker-Content-Digest"); got != m[1] {
		t.Errorf("registry digest of v9.9.9 is %s, action.yml names %s", got, m[1])
	}
	var platforms []string
	for _, mf := range index.Manifests {
		platforms = append(platforms, mf.Platform.OS+"/"+mf.Platform.Architecture)
	}
	slices.Sort(platforms)
	if fmt.Sprint(platforms) != "[linux/amd64 linux/arm64]" {
		t.Errorf("index platforms %v, want linux/amd64 and linux/arm64", platforms)
	}

	// The remote's v9.9.9 and v9 are the release commit: HEAD plus one changed line of action.yml.
	remoteTags := gitIn(t, remote, "tag", "--list")
	if !strings.Contains(remoteTags, "v9.9.9") || !strings.Contains(remoteTags, "v9\n") && !strings.HasSuffix(remoteTags, "v9") {
		t.Fatalf("remote tags %q, want v9.9.9 and v9", remoteTags)
	}
	commit := gitIn(t, remote, "rev-parse", "v9.9.9^{commit}")
	if major := gitIn(t, remote, "rev-parse", "v9^{commit}"); major != commit {
		t.Errorf("v9 is at %s, v9.9.9 at %s", major, commit)
	}
	if parent := gitIn(t, remote, "rev-parse", commit+"^"); parent != head {
		t.Errorf("the release commit's parent is %s, want the released HEAD %s", parent, head)
	}
	if files := gitIn(t, remote, "diff", "--name-only", head, commit); files != "action.yml" {
		t.Errorf("the release commit changes %q, want only action.yml", files)
	}
	actionYML := gitIn(t, remote, "show", commit+":action.yml")
	if !strings.Contains(actionYML, "\n  image: 'docker://"+image+"'") {
		t.Errorf("the release commit's action.yml does not run docker://%s:\n%s", image, actionYML)
	}

	// Versions are never reused: the git tag, and the image tag from a checkout without the tag.
	if out, err := releaseRun(t, checkout, repo, "v9.9.9"); err == nil || !strings.Contains(out, "tag v9.9.9 exists already") {
		t.Errorf("a second release of v9.9.9 from the same checkout: err %v\n%s", err, out)
	}
	other := cloneForRelease(t, remote)
	if out, err := releaseRun(t, other, repo, "v9.9.9"); err == nil || !strings.Contains(out, "exists in the registry already") {
		t.Errorf("a release of v9.9.9 over an existing image tag: err %v\n%s", err, out)
	}
	// A pre-release never moves the major tag.
	if out, err := releaseRun(t, other, repo, "v9.10.0-rc.1"); err != nil {
		t.Fatalf("release v9.10.0-rc.1: %v\n%s", err, out)
	}
	if major := gitIn(t, remote, "rev-parse", "v9^{commit}"); major != commit {
		t.Errorf("a pre-release moved v9 to %s", major)
	}
}
