//go:build e2e

package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/actionrun"
	"github.com/helmdeploy/helm-deploy-action/internal/linelog"
)

// The runner's cancellation schedule for a step (actions/runner ProcessInvoker): SIGINT to the
// step's process (for a container action the `docker run` client, which proxies it to PID 1 of
// the container), SIGTERM 7.5 s later, SIGKILL 2.5 s after that.
const (
	runnerSigtermAfter = 7500 * time.Millisecond
	runnerSigkillAfter = 2500 * time.Millisecond
)

// runnerDirs are the host folders the runner bind-mounts into an action container, laid out as
// on a hosted runner: <work>/_temp/_github_home, _github_workflow, _runner_file_commands and the
// workspace.
type runnerDirs struct {
	work, workspace, home, workflow, fileCommands string
}

// mounts maps host folders to the container paths the runner mounts them at.
func (d *runnerDirs) mounts() [][2]string {
	return [][2]string{
		{d.home, "/github/home"},
		{d.workflow, "/github/workflow"},
		{d.fileCommands, "/github/file_commands"},
		{d.workspace, "/github/workspace"},
	}
}

// translate is the runner's TranslateToContainerPath: a value that starts with a mounted host
// folder is rewritten to the container path; anything else is passed as it is.
func (d *runnerDirs) translate(v string) string {
	for _, m := range d.mounts() {
		if v == m[0] || strings.HasPrefix(v, m[0]+"/") {
			return m[1] + strings.TrimPrefix(v, m[0])
		}
	}
	return v
}

// newRunnerDirs makes the runner's folders for one job; workspace files come from the caller.
func newRunnerDirs(t *testing.T) *runnerDirs {
	t.Helper()
	work := t.TempDir()
	d := &runnerDirs{
		work:         work,
		workspace:    filepath.Join(work, "repo", "repo"),
		home:         filepath.Join(work, "_temp", "_github_home"),
		workflow:     filepath.Join(work, "_temp", "_github_workflow"),
		fileCommands: filepath.Join(work, "_temp", "_runner_file_commands"),
	}
	for _, dir := range []string{d.workspace, d.home, d.workflow, d.fileCommands} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	event := `{"ref":"refs/heads/main","repository":{"full_name":"helmdeploy/helm-deploy-action"}}`
	if err := os.WriteFile(filepath.Join(d.workflow, "event.json"), []byte(event), 0o644); err != nil {
		t.Fatal(err)
	}
	return d
}

// copyTree copies the files under src (a path relative to the repository) to dst.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	root := filepath.Join(h.repoRoot, src)
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
}

func randomID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// startImage runs the action's image (h.image) as the runner runs a container action step:
//
//	docker run --name <label>_<id> --label <label> --workdir /github/workspace --rm
//	  -e NAME ... (values through the docker client's environment, as the runner passes them)
//	  -e GITHUB_ACTIONS=true -e CI=true -v /var/run/docker.sock:/var/run/docker.sock
//	  -v <_github_home>:/github/home -v <_github_workflow>:/github/workflow
//	  -v <_runner_file_commands>:/github/file_commands -v <workspace>:/github/workspace <image>
//
// with --network host added (this machine's Docker has no bridge; the runner's default bridge
// network is the only difference). The file-command files are created fresh for the step and
// owned by uid 1001, as the runner user creates them on hosted runners. Inputs are named as in
// action.yml (hyphens kept); every value, inputs included, goes through the runner's path
// translation. env entries ("K=V", host paths allowed) are added last and win.
func startImage(t *testing.T, name string, d *runnerDirs, inputs map[string]string, env ...string) *proc {
	t.Helper()
	if h.image == "" {
		t.Fatal(h.imageSkip)
	}
	id := randomID()
	outName, sumName := "set_output_"+id, "step_summary_"+id
	for _, f := range []string{outName, sumName, "set_env_" + id, "add_path_" + id, "save_state_" + id} {
		p := filepath.Join(d.fileCommands, f)
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, 1001, 1001); err != nil {
			t.Fatal(err)
		}
	}

	vars := map[string]string{}
	for _, kv := range runnerEnv(t, t.TempDir(), inputs) {
		k, v, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "INPUT_") || strings.HasPrefix(k, "GITHUB_") || strings.HasPrefix(k, "RUNNER_") {
			vars[k] = v
		}
	}
	for k, v := range map[string]string{
		"HOME":                "/github/home",
		"GITHUB_WORKSPACE":    d.workspace,
		"GITHUB_EVENT_PATH":   filepath.Join(d.workflow, "event.json"),
		"GITHUB_OUTPUT":       filepath.Join(d.fileCommands, outName),
		"GITHUB_STEP_SUMMARY": filepath.Join(d.fileCommands, sumName),
		"GITHUB_ENV":          filepath.Join(d.fileCommands, "set_env_"+id),
		"GITHUB_PATH":         filepath.Join(d.fileCommands, "add_path_"+id),
		"GITHUB_STATE":        filepath.Join(d.fileCommands, "save_state_"+id),
		"GITHUB_ACTION":       "__helmdeploy_helm-deploy-action",
		"RUNNER_OS":           "Linux",
		"RUNNER_ARCH":         "X64",
		"RUNNER_NAME":         "GitHub Actions 2",
		"RUNNER_ENVIRONMENT":  "github-hosted",
		"RUNNER_TEMP":         filepath.Join(d.work, "_temp"), // not mounted: stays a host path
		"RUNNER_TOOL_CACHE":   "/opt/hostedtoolcache",
		"RUNNER_WORKSPACE":    filepath.Dir(d.workspace),
	} {
		vars[k] = v
	}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		vars[k] = v
	}
	names := make([]string, 0, len(vars))
	for k := range vars {
		names = append(names, k)
	}
	sort.Strings(names)

	const label = "9f0a3c"
	container := label + "_" + id
	args := []string{"run", "--name", container, "--label", label, "--workdir", "/github/workspace", "--rm", "--network", "host"}
	cliEnv := []string{"PATH=" + os.Getenv("PATH")}
	if v := os.Getenv("DOCKER_HOST"); v != "" {
		cliEnv = append(cliEnv, "DOCKER_HOST="+v)
	}
	for _, k := range names {
		args = append(args, "-e", k)
		cliEnv = append(cliEnv, k+"="+d.translate(vars[k]))
	}
	args = append(args, "-e", "GITHUB_ACTIONS=true", "-e", "CI=true", "-v", "/var/run/docker.sock:/var/run/docker.sock")
	for _, m := range d.mounts() {
		args = append(args, "-v", m[0]+":"+m[1])
	}
	args = append(args, h.image)

	p := &proc{
		Proc:        &actionrun.Proc{Name: name, Stdout: linelog.New()},
		outFile:     filepath.Join(d.fileCommands, outName),
		summaryFile: filepath.Join(d.fileCommands, sumName),
	}
	p.Cmd = exec.Command("docker", args...)
	p.Cmd.Env = cliEnv
	// The runner's SIGKILL leaves a container running; a test must not.
	p.launch(t, func() { _ = exec.Command("docker", "rm", "-f", container).Run() })
	return p
}

// cancelLikeRunner cancels the step as the runner does: SIGINT to the docker client now,
// SIGTERM 7.5 s later and SIGKILL 2.5 s after that, each only while it still runs. It returns
// the time of the SIGINT.
func (p *proc) cancelLikeRunner(t *testing.T) time.Time {
	t.Helper()
	at := p.signal(t, syscall.SIGINT)
	go func() {
		for _, step := range []struct {
			after time.Duration
			sig   syscall.Signal
		}{{runnerSigtermAfter, syscall.SIGTERM}, {runnerSigkillAfter, syscall.SIGKILL}} {
			select {
			case <-p.Done:
				return
			case <-time.After(step.after):
				_ = p.Cmd.Process.Signal(step.sig)
			}
		}
	}()
	return at
}

// firstLineAfter is the time from starting `docker run` to the action's first line of output.
func (p *proc) firstLineAfter(t *testing.T) time.Duration {
	t.Helper()
	ln, err := p.waitLine("", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	return ln.At.Sub(p.Started)
}
