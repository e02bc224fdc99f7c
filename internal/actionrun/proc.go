package actionrun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"syscall"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/linelog"
)

// Proc is one running step.
type Proc struct {
	Name    string
	Job     Job
	Cmd     *exec.Cmd
	Stdout  *linelog.Log
	Stderr  bytes.Buffer
	Started time.Time
	Ended   time.Time
	Err     error         // what Wait returned, once Done is closed
	Done    chan struct{} // closed when the process has exited
}

// Start runs binary as the step of j with the inputs; extra variables ("K=V") come last and win.
func Start(name, binary string, j Job, inputs map[string]string, extra ...string) (*Proc, error) {
	env, err := Env(j, inputs)
	if err != nil {
		return nil, err
	}
	p := &Proc{Name: name, Job: j, Stdout: linelog.New(), Done: make(chan struct{})}
	p.Cmd = exec.Command(binary)
	p.Cmd.Dir, p.Cmd.Env = j.Root, append(env, extra...)
	p.Cmd.Stdout, p.Cmd.Stderr = p.Stdout, &p.Stderr
	if err := p.Launch(); err != nil {
		return nil, err
	}
	return p, nil
}

// Launch starts p.Cmd (already configured, e.g. a docker run) and records its end.
func (p *Proc) Launch() error {
	if p.Done == nil {
		p.Done = make(chan struct{})
	}
	p.Started = time.Now()
	if err := p.Cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", p.Name, err)
	}
	go func() {
		p.Err = p.Cmd.Wait()
		p.Ended = time.Now()
		close(p.Done)
	}()
	return nil
}

// Kill kills the process if it still runs and waits for its end.
func (p *Proc) Kill() {
	select {
	case <-p.Done:
	default:
		_ = p.Cmd.Process.Kill()
		<-p.Done
	}
}

// WaitLine waits until a stdout line contains sub, the process exits or ctx ends.
func (p *Proc) WaitLine(ctx context.Context, sub string) (linelog.Line, error) {
	ln, err := p.Stdout.Wait(ctx, sub, p.Done)
	switch {
	case errors.Is(err, linelog.ErrExited):
		return ln, fmt.Errorf("%s exited without printing %q", p.Name, sub)
	case err != nil:
		return ln, fmt.Errorf("%s printed no %q: %w", p.Name, sub, err)
	}
	return ln, nil
}

// Signal sends sig and returns when it was sent.
func (p *Proc) Signal(sig syscall.Signal) (time.Time, error) {
	at := time.Now()
	return at, p.Cmd.Process.Signal(sig)
}

// ExitCode waits up to timeout for the end and returns the exit code.
func (p *Proc) ExitCode(timeout time.Duration) (int, error) {
	select {
	case <-p.Done:
	case <-time.After(timeout):
		return -1, fmt.Errorf("%s still runs after %s", p.Name, timeout)
	}
	var exit *exec.ExitError
	switch {
	case p.Err == nil:
		return 0, nil
	case errors.As(p.Err, &exit):
		return exit.ExitCode(), nil
	}
	return -1, p.Err
}
