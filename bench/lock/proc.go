package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/actionrun"
	"github.com/helmdeploy/helm-deploy-action/internal/linelog"
)

// proc is one action process, run as the GitHub runner runs the container action (the shared
// harness internal/actionrun).
type proc struct {
	*actionrun.Proc
}

// runner holds what every process shares.
type runner struct {
	binary, root string
	kubeconfig   string
	tmp          string
	seq          int
}

func (r *runner) start(name string, inputs map[string]string) (*proc, error) {
	r.seq++
	j := actionrun.Job{Root: r.root, Dir: filepath.Join(r.tmp, fmt.Sprintf("%03d-%s", r.seq, name)),
		RunID: fmt.Sprint(9000 + r.seq), Name: "bench", Workflow: "bench-lock"}
	if err := os.MkdirAll(j.Dir, 0o755); err != nil {
		return nil, err
	}
	p, err := actionrun.Start(name, r.binary, j, inputs)
	if err != nil {
		return nil, err
	}
	return &proc{p}, nil
}

// wait waits for a successful exit.
func (p *proc) wait(ctx context.Context) error {
	select {
	case <-p.Done:
	case <-ctx.Done():
		p.Kill()
		return fmt.Errorf("%s: %w", p.Name, ctx.Err())
	}
	if p.Err != nil {
		return fmt.Errorf("%s: %w\n%s\n%s", p.Name, p.Err, p.Stdout.String(), p.Stderr.String())
	}
	return nil
}

// waitLine waits until a stdout line contains sub.
func (p *proc) waitLine(ctx context.Context, sub string) (linelog.Line, error) {
	ln, err := p.WaitLine(ctx, sub)
	if err != nil {
		return ln, fmt.Errorf("%w: %v\n%s", err, p.Err, p.Stdout.String())
	}
	return ln, nil
}

// stepDuration is what the pipeline printed as the duration of a successful step ("done in 8ms").
func (p *proc) stepDuration(step string) (time.Duration, error) {
	d, failed, err := linelog.StepDuration(p.Stdout.String(), step)
	if err == nil && failed {
		err = errors.New("the step failed")
	}
	if err != nil {
		return 0, fmt.Errorf("%s: no successful duration printed for step %s: %w", p.Name, step, err)
	}
	return d, nil
}
