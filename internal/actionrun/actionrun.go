// Package actionrun runs the action's binary the way the GitHub runner runs a container
// action step: every input of action.yml as INPUT_<NAME> (the given value or its default), the
// runner's GITHUB_* and RUNNER_* variables, and file-command files for outputs and the job
// summary. The end-to-end tests and the benchmarks share it; it is test infrastructure, not a
// part of the action.
package actionrun

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/helmdeploy/helm-deploy-action/internal/config"
)

// Job is the runner context of one step.
type Job struct {
	Root     string // GITHUB_WORKSPACE and the process's working directory
	Dir      string // a private folder: HOME, TMPDIR, RUNNER_TEMP and the file-command files
	RunID    string // GITHUB_RUN_ID (default 4242)
	Name     string // GITHUB_JOB (default deploy)
	Workflow string // GITHUB_WORKFLOW (default e2e)
}

// Defaults are every input with the value the runner sets when a workflow does not give it:
// the default of action.yml (config.Inputs, which the config tests keep equal to action.yml),
// with expressions such as ${{ github.token }} empty (there is no GitHub here).
func Defaults() map[string]string {
	out := make(map[string]string, len(config.Inputs))
	for _, in := range config.Inputs {
		d := in.Default
		if strings.Contains(d, "${{") {
			d = ""
		}
		out[in.Name] = d
	}
	return out
}

// OutputFile and SummaryFile are the GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files of a Job.
func (j Job) OutputFile() string  { return filepath.Join(j.Dir, "github_output") }
func (j Job) SummaryFile() string { return filepath.Join(j.Dir, "step_summary") }

// Env is the step's environment with the given inputs (by their action.yml names) over the
// defaults. An input action.yml does not declare is an error. It creates the job's files.
func Env(j Job, inputs map[string]string) ([]string, error) {
	all := Defaults()
	for k, v := range inputs {
		if _, declared := all[k]; !declared {
			return nil, fmt.Errorf("input %q is not declared in action.yml", k)
		}
		all[k] = v
	}
	if err := os.MkdirAll(filepath.Join(j.Dir, "home"), 0o755); err != nil {
		return nil, err
	}
	for _, f := range []string{j.OutputFile(), j.SummaryFile()} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			return nil, err
		}
	}
	or := func(v, d string) string {
		if v == "" {
			return d
		}
		return v
	}
	vars := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + filepath.Join(j.Dir, "home"),
		"TMPDIR=" + j.Dir,
		"GITHUB_ACTIONS=true",
		"CI=true",
		"GITHUB_OUTPUT=" + j.OutputFile(),
		"GITHUB_STEP_SUMMARY=" + j.SummaryFile(),
		"GITHUB_WORKSPACE=" + j.Root,
		"GITHUB_REPOSITORY=helmdeploy/helm-deploy-action",
		"GITHUB_REPOSITORY_OWNER=helmdeploy",
		"GITHUB_RUN_ID=" + or(j.RunID, "4242"),
		"GITHUB_RUN_NUMBER=7",
		"GITHUB_RUN_ATTEMPT=1",
		"GITHUB_SERVER_URL=http://127.0.0.1:9",
		"GITHUB_API_URL=http://127.0.0.1:9/api/v3",
		"GITHUB_SHA=0123456789abcdef0123456789abcdef01234567",
		"GITHUB_REF=refs/heads/main",
		"GITHUB_REF_NAME=main",
		"GITHUB_JOB=" + or(j.Name, "deploy"),
		"GITHUB_WORKFLOW=" + or(j.Workflow, "e2e"),
		"GITHUB_EVENT_NAME=push",
		"GITHUB_ACTOR=e2e",
		"RUNNER_TEMP=" + j.Dir,
	}
	for k, v := range all {
		vars = append(vars, config.EnvName(k)+"="+v)
	}
	return vars, nil
}
