package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/linelog"
	"sigs.k8s.io/yaml"
)

// proc is one action process, run as the GitHub runner runs the container action.
type proc struct {
	name    string
	cmd     *exec.Cmd
	out     *linelog.Log
	stderr  bytes.Buffer
	dir     string
	started time.Time
	ended   time.Time
	done    chan struct{}
	err     error
}

// runner holds what every process shares.
type runner struct {
	binary, root string
	kubeconfig   string
	tmp          string
	defaults     map[string]string // every input of action.yml with its default, as the runner sets them
	seq          int
}

// actionDefaults reads the inputs of action.yml with their defaults; expressions such as
// ${{ github.token }} become empty (there is no GitHub here).
func actionDefaults(root string) (map[string]string, error) {
	b, err := os.ReadFile(filepath.Join(root, "action.yml"))
	if err != nil {
		return nil, err
	}
	var doc struct {
		Inputs map[string]struct {
			Default string `json:"default"`
		} `json:"inputs"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("action.yml: %w", err)
	}
	in := make(map[string]string, len(doc.Inputs))
	for name, spec := range doc.Inputs {
		if strings.Contains(spec.Default, "${{") {
			spec.Default = ""
		}
		in[name] = spec.Default
	}
	return in, nil
}

func (r *runner) start(name string, inputs map[string]string) (*proc, error) {
	r.seq++
	dir := filepath.Join(r.tmp, fmt.Sprintf("%03d-%s", r.seq, name))
	if err := os.MkdirAll(filepath.Join(dir, "home"), 0o755); err != nil {
		return nil, err
	}
	for _, f := range []string{"github_output", "step_summary"} {
		if err := os.WriteFile(filepath.Join(dir, f), nil, 0o644); err != nil {
			return nil, err
		}
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + filepath.Join(dir, "home"), "TMPDIR=" + dir,
		"GITHUB_ACTIONS=true", "CI=true",
		"GITHUB_OUTPUT=" + filepath.Join(dir, "github_output"),
		"GITHUB_STEP_SUMMARY=" + filepath.Join(dir, "step_summary"),
		"GITHUB_WORKSPACE=" + r.root,
		"GITHUB_REPOSITORY=helmdeploy/helm-deploy-action",
		fmt.Sprintf("GITHUB_RUN_ID=%d", 9000+r.seq), "GITHUB_RUN_ATTEMPT=1",
		"GITHUB_SERVER_URL=http://127.0.0.1:9", "GITHUB_API_URL=http://127.0.0.1:9/api/v3",
		"GITHUB_SHA=0123456789abcdef0123456789abcdef01234567", "GITHUB_REF=refs/heads/main",
		"GITHUB_JOB=bench", "GITHUB_WORKFLOW=bench-lock", "GITHUB_EVENT_NAME=push", "GITHUB_ACTOR=bench",
		"RUNNER_TEMP=" + dir,
	}
	all := make(map[string]string, len(r.defaults)+len(inputs))
	for k, v := range r.defaults {
		all[k] = v
	}
	for k, v := range inputs {
		if _, ok := r.defaults[k]; !ok {
			return nil, fmt.Errorf("input %q is not declared in action.yml", k)
		}
		all[k] = v
	}
	for k, v := range all {
		env = append(env, "INPUT_"+strings.ToUpper(k)+"="+v)
	}
	p := &proc{name: name, out: linelog.New(), dir: dir, done: make(chan struct{})}
	p.cmd = exec.Command(r.binary)
	p.cmd.Dir, p.cmd.Env = r.root, env
	p.cmd.Stdout, p.cmd.Stderr = p.out, &p.stderr
	p.started = time.Now()
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		p.ended = time.Now()
		close(p.done)
	}()
	return p, nil
}

// wait waits for a successful exit.
func (p *proc) wait(ctx context.Context) error {
	select {
	case <-p.done:
	case <-ctx.Done():
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("%s: %w", p.name, ctx.Err())
	}
	if p.err != nil {
		return fmt.Errorf("%s: %w\n%s\n%s", p.name, p.err, p.out.String(), p.stderr.String())
	}
	return nil
}

// waitLine waits until a stdout line contains sub.
func (p *proc) waitLine(ctx context.Context, sub string) (linelog.Line, error) {
	ln, err := p.out.Wait(ctx, sub, p.done)
	if errors.Is(err, linelog.ErrExited) {
		return ln, fmt.Errorf("%s exited without printing %q: %v\n%s", p.name, sub, p.err, p.out.String())
	}
	if err != nil {
		return ln, fmt.Errorf("%s: waiting for %w", p.name, err)
	}
	return ln, nil
}

// stepDuration is what the pipeline printed as the duration of a successful step ("done in 8ms").
func (p *proc) stepDuration(step string) (time.Duration, error) {
	d, failed, err := linelog.StepDuration(p.out.String(), step)
	if err == nil && failed {
		err = errors.New("the step failed")
	}
	if err != nil {
		return 0, fmt.Errorf("%s: no successful duration printed for step %s: %w", p.name, step, err)
	}
	return d, nil
}
