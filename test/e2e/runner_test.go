//go:build e2e

package e2e

import (
	"bufio"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/actionrun"
)

// runLimit bounds one run of the action: healthy deploys take seconds and failing ones set a
// timeout of at most 90s, so a run reaching it hangs: it is killed and the test fails saying so.
const runLimit = 4 * time.Minute

// result is what one run of the action left behind.
type result struct {
	ExitCode int
	Stdout   string
	Stderr   string
	Outputs  map[string]string // parsed from GITHUB_OUTPUT
	Summary  string            // content of GITHUB_STEP_SUMMARY
	Duration time.Duration     // wall time of the process
}

// runAction runs the compiled action like the runner runs a container action (the shared
// harness internal/actionrun) and waits for it, at most runLimit. inputs are given by their
// action.yml names; the kubeconfig input defaults to the test cluster's kubeconfig content. env
// entries ("K=V") are added last and win.
func runAction(t *testing.T, inputs map[string]string, env ...string) result {
	t.Helper()
	return startAction(t, "action", inputs, env...).result(t, runLimit)
}

// mustSucceed fails the test when the run did not exit 0, showing its output.
func (r result) mustSucceed(t *testing.T) result {
	t.Helper()
	if r.ExitCode != 0 {
		t.Fatalf("action exited %d\nstdout:\n%s\nstderr:\n%s", r.ExitCode, r.Stdout, r.Stderr)
	}
	return r
}

// parseOutputs reads the GITHUB_OUTPUT file format: "name<<DELIM\nvalue lines\nDELIM" blocks
// and single "name=value" lines.
func parseOutputs(s string) (map[string]string, error) {
	out := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(make([]byte, 1024*1024), 16*1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		if name, delim, ok := strings.Cut(line, "<<"); ok && !strings.Contains(name, "=") {
			var val []string
			closed := false
			for sc.Scan() {
				if sc.Text() == delim {
					closed = true
					break
				}
				val = append(val, sc.Text())
			}
			if !closed {
				return nil, fmt.Errorf("output %q: delimiter %q never closed", name, delim)
			}
			out[name] = strings.Join(val, "\n")
			continue
		}
		name, val, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("line %q is neither name=value nor name<<DELIMITER", line)
		}
		out[name] = val
	}
	return out, sc.Err()
}

// withKubeconfig gives the test cluster's kubeconfig as the kubeconfig input unless the
// inputs name another way to reach a cluster.
func withKubeconfig(inputs map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range inputs {
		out[k] = v
	}
	_, path := inputs["kubeconfig-path"]
	if _, given := inputs["kubeconfig"]; !given && !path {
		out["kubeconfig"] = string(h.kubeconfig)
	}
	return out
}

// runnerEnv is the environment the GitHub runner gives a container action (internal/actionrun),
// with every input of action.yml set (given value or default) and the test cluster's kubeconfig.
// Its files (github_output, step_summary) are in dir.
func runnerEnv(t *testing.T, dir string, inputs map[string]string) []string {
	t.Helper()
	env, err := actionrun.Env(actionrun.Job{Root: h.repoRoot, Dir: dir}, withKubeconfig(inputs))
	if err != nil {
		t.Fatal(err)
	}
	return env
}
