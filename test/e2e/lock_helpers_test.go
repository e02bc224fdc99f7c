//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/linelog"
)

// proc is an action process started in the background.
type proc struct {
	name                 string
	cmd                  *exec.Cmd
	stdout               *linelog.Log
	stderr               bytes.Buffer
	outFile, summaryFile string
	started              time.Time
	done                 chan struct{} // closed when the process has exited
	ended                time.Time
	waitErr              error
}

// startAction starts the action in the background like runAction runs it; env entries
// ("K=V") are added last and win. The process is killed at cleanup if still running.
func startAction(t *testing.T, name string, inputs map[string]string, env ...string) *proc {
	t.Helper()
	dir := t.TempDir()
	p := &proc{
		name:        name,
		stdout:      linelog.New(),
		outFile:     filepath.Join(dir, "github_output"),
		summaryFile: filepath.Join(dir, "step_summary"),
		done:        make(chan struct{}),
	}
	for _, f := range []string{p.outFile, p.summaryFile} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p.cmd = exec.Command(h.binary)
	p.cmd.Dir = h.repoRoot
	p.cmd.Env = append(runnerEnv(t, dir, inputs), env...)
	p.launch(t, nil)
	return p
}

// launch starts p.cmd with its output captured and a goroutine that records its end; at
// cleanup a process still running is killed, then after runs (if set).
func (p *proc) launch(t *testing.T, after func()) {
	t.Helper()
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, &p.stderr
	p.started = time.Now()
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", p.name, err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		p.ended = time.Now()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
		if after != nil {
			after()
		}
	})
}

// waitLine waits until a stdout line contains sub, the process exits or the timeout passes.
func (p *proc) waitLine(sub string, timeout time.Duration) (linelog.Line, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	ln, err := p.stdout.Wait(ctx, sub, p.done)
	switch {
	case errors.Is(err, linelog.ErrExited):
		return ln, fmt.Errorf("%s exited without printing %q", p.name, sub)
	case err != nil:
		return ln, fmt.Errorf("%s printed no %q within %s", p.name, sub, timeout)
	}
	return ln, nil
}

// signal sends sig to the process.
func (p *proc) signal(t *testing.T, sig syscall.Signal) time.Time {
	t.Helper()
	at := time.Now()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %s to %s: %v", sig, p.name, err)
	}
	return at
}

// exitCode waits for the process (up to timeout) and returns its exit code, -1 when it was
// killed by a signal.
func (p *proc) exitCode(timeout time.Duration) (int, error) {
	select {
	case <-p.done:
	case <-time.After(timeout):
		return 0, fmt.Errorf("%s still running after %s", p.name, timeout)
	}
	var exit *exec.ExitError
	switch {
	case p.waitErr == nil:
		return 0, nil
	case errors.As(p.waitErr, &exit):
		return exit.ExitCode(), nil
	}
	return 0, p.waitErr
}

// result waits for the process and reads what it left, like runAction. Call it from the test
// goroutine only (it may call t.Fatal).
func (p *proc) result(t *testing.T, timeout time.Duration) result {
	t.Helper()
	code, err := p.exitCode(timeout)
	if err != nil {
		t.Fatal(err)
	}
	res := result{ExitCode: code, Stdout: p.stdout.String(), Stderr: p.stderr.String(), Duration: p.ended.Sub(p.started)}
	out, err := os.ReadFile(p.outFile)
	if err != nil {
		t.Fatal(err)
	}
	if res.Outputs, err = parseOutputs(string(out)); err != nil {
		t.Fatalf("%s GITHUB_OUTPUT: %v\n%s", p.name, err, out)
	}
	sum, err := os.ReadFile(p.summaryFile)
	if err != nil {
		t.Fatal(err)
	}
	res.Summary = string(sum)
	t.Logf("%s exited %d after %.1fs", p.name, code, res.Duration.Seconds())
	if testing.Verbose() {
		t.Logf("%s stdout:\n%s\nstderr:\n%s", p.name, res.Stdout, res.Stderr)
	}
	return res
}
