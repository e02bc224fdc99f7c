package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// line is one output line of a tool and the time it was read.
type line struct {
	at   time.Time
	text string
}

// proc is one finished tool invocation.
type proc struct {
	start, end time.Time
	exit       int // -1: killed at the limit
	lines      []line
	rssKiB     int64   // the child's peak RSS (rusage ru_maxrss, KiB on Linux)
	cpu        float64 // the child's user + system CPU seconds
}

// count returns how many lines start with prefix.
func (p proc) count(prefix string) int {
	n := 0
	for _, l := range p.lines {
		if strings.HasPrefix(l.text, prefix) {
			n++
		}
	}
	return n
}

// run starts argv with env (nil: inherit) and stdin, timestamps stdout and stderr lines as
// they are read, appends them to logPath, and kills the process after limit.
func run(ctx context.Context, logPath string, env []string, stdin string, limit time.Duration, argv ...string) (proc, error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = env
	cmd.WaitDelay = 5 * time.Second
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return proc{}, fmt.Errorf("open log: %w", err)
	}
	defer logf.Close()
	fmt.Fprintf(logf, "### %s %v\n", time.Now().Format("15:04:05.000"), argv[:min(len(argv), 5)])

	var p proc
	var wg sync.WaitGroup
	wg.Go(func() {
		w := bufio.NewWriterSize(logf, 64<<10)
		defer w.Flush()
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			now := time.Now()
			p.lines = append(p.lines, line{at: now, text: sc.Text()})
			fmt.Fprintf(w, "%s %s\n", now.Format("15:04:05.000"), sc.Text())
		}
		_, _ = io.Copy(io.Discard, pr)
	})
	p.start = time.Now()
	if err := cmd.Start(); err != nil {
		pw.Close()
		wg.Wait()
		return proc{}, fmt.Errorf("start %s: %w", argv[0], err)
	}
	err = cmd.Wait()
	p.end = time.Now()
	pw.Close()
	wg.Wait()
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			p.rssKiB = ru.Maxrss
		}
		p.cpu = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case ctx.Err() != nil:
		p.exit = -1
	case errors.As(err, &ee):
		p.exit = ee.ExitCode()
	default:
		return p, fmt.Errorf("run %s: %w", argv[0], err)
	}
	fmt.Fprintf(logf, "### %s exit %d after %.2fs, peak RSS %d KiB, CPU %.2fs\n", p.end.Format("15:04:05.000"), p.exit, p.end.Sub(p.start).Seconds(), p.rssKiB, p.cpu)
	return p, nil
}
