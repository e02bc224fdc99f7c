//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/actionrun"
	"github.com/helmdeploy/helm-deploy-action/internal/linelog"
)

// proc is an action process started in the background: the shared runner harness
// (internal/actionrun) plus where its outputs and summary go.
type proc struct {
	*actionrun.Proc
	outFile, summaryFile string
}

// startAction starts the action in the background like runAction runs it; env entries
// ("K=V") are added last and win. The process is killed at cleanup if still running.
func startAction(t *testing.T, name string, inputs map[string]string, env ...string) *proc {
	t.Helper()
	j := actionrun.Job{Root: h.repoRoot, Dir: t.TempDir()}
	ap, err := actionrun.Start(name, h.binary, j, withKubeconfig(inputs), env...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ap.Kill)
	return &proc{Proc: ap, outFile: j.OutputFile(), summaryFile: j.SummaryFile()}
}

// launch starts p.Cmd (a docker run) with its output captured; at cleanup a process still
// running is killed, then after runs (if set).
func (p *proc) launch(t *testing.T, after func()) {
	t.Helper()
	p.Cmd.Stdout, p.Cmd.Stderr = p.Stdout, &p.Stderr
	if err := p.Launch(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Kill()
		if after != nil {
			after()
		}
	})
}

// waitLine waits until a stdout line contains sub, the process exits or the timeout passes.
func (p *proc) waitLine(sub string, timeout time.Duration) (linelog.Line, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	ln, err := p.WaitLine(ctx, sub)
	if err != nil && ctx.Err() != nil {
		return ln, fmt.Errorf("%s printed no %q within %s", p.Name, sub, timeout)
	}
	return ln, err
}

// signal sends sig to the process.
func (p *proc) signal(t *testing.T, sig syscall.Signal) time.Time {
	t.Helper()
	at, err := p.Signal(sig)
	if err != nil {
		t.Fatalf("signal %s to %s: %v", sig, p.Name, err)
	}
	return at
}

// exitCode waits for the process (up to timeout) and returns its exit code, -1 when it was
// killed by a signal.
func (p *proc) exitCode(timeout time.Duration) (int, error) { return p.ExitCode(timeout) }

// result waits for the process and reads what it left, like runAction. Call it from the test
// goroutine only (it may call t.Fatal).
func (p *proc) result(t *testing.T, timeout time.Duration) result {
	t.Helper()
	code, err := p.exitCode(timeout)
	if err != nil {
		t.Fatal(err)
	}
	res := result{ExitCode: code, Stdout: p.Stdout.String(), Stderr: p.Stderr.String(), Duration: p.Ended.Sub(p.Started)}
	out, err := os.ReadFile(p.outFile)
	if err != nil {
		t.Fatal(err)
	}
	if res.Outputs, err = parseOutputs(string(out)); err != nil {
		t.Fatalf("%s GITHUB_OUTPUT: %v\n%s", p.Name, err, out)
	}
	sum, err := os.ReadFile(p.summaryFile)
	if err != nil {
		t.Fatal(err)
	}
	res.Summary = string(sum)
	t.Logf("%s exited %d after %.1fs", p.Name, code, res.Duration.Seconds())
	if testing.Verbose() {
		t.Logf("%s stdout:\n%s\nstderr:\n%s", p.Name, res.Stdout, res.Stderr)
	}
	return res
}
