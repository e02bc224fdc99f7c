// Package linelog collects the output of an action process line by line, each line stamped
// with the time it was read, so the end-to-end tests and the lock benchmark can wait for a line
// and measure between lines of different processes. It is test and benchmark support; the
// action does not import it.
package linelog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
)

// ErrExited: the process ended without printing the line waited for.
var ErrExited = errors.New("the process exited without printing it")

// Line is one output line with the time it was read.
type Line struct {
	At   time.Time
	Text string
}

// Log is an io.Writer that keeps complete lines as they arrive.
type Log struct {
	mu      sync.Mutex
	partial []byte
	lines   []Line
	all     bytes.Buffer
	changed chan struct{} // closed and replaced on every complete line
}

// New returns an empty Log.
func New() *Log { return &Log{changed: make(chan struct{})} }

// Write stamps every complete line in p with the current time.
func (l *Log) Write(p []byte) (int, error) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all.Write(p)
	l.partial = append(l.partial, p...)
	added := false
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.lines = append(l.lines, Line{At: now, Text: string(l.partial[:i])})
		l.partial = l.partial[i+1:]
		added = true
	}
	if added {
		close(l.changed)
		l.changed = make(chan struct{})
	}
	return len(p), nil
}

// Find returns the first line containing sub or, when there is none yet, a channel closed at
// the next complete line.
func (l *Log) Find(sub string) (Line, bool, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ln := range l.lines {
		if strings.Contains(ln.Text, sub) {
			return ln, true, nil
		}
	}
	return Line{}, false, l.changed
}

// Wait returns the first line containing sub, waiting for it until ctx ends or done (the
// process exited) is closed; then it fails with ctx's error or ErrExited.
func (l *Log) Wait(ctx context.Context, sub string, done <-chan struct{}) (Line, error) {
	for {
		ln, ok, changed := l.Find(sub)
		if ok {
			return ln, nil
		}
		select {
		case <-changed:
		case <-done:
			if ln, ok, _ := l.Find(sub); ok {
				return ln, nil
			}
			return Line{}, fmt.Errorf("%q: %w", sub, ErrExited)
		case <-ctx.Done():
			return Line{}, fmt.Errorf("%q: %w", sub, ctx.Err())
		}
	}
}

// String is everything written so far.
func (l *Log) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.all.String()
}

// StepDuration reads the duration the action printed for a pipeline step: the "done in D" or
// "failed in D" line inside the step's ::group::. failed tells which.
func StepDuration(text, step string) (d time.Duration, failed bool, err error) {
	in := false
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "::group::"+step:
			in = true
		case !in:
		case line == "::endgroup::":
			in = false
		default:
			if rest, ok := strings.CutPrefix(line, "done in "); ok {
				d, err := time.ParseDuration(rest)
				return d, false, err
			}
			if rest, ok := strings.CutPrefix(line, "failed in "); ok {
				d, err := time.ParseDuration(rest)
				return d, true, err
			}
		}
	}
	return 0, false, fmt.Errorf("no duration printed for step %q", step)
}
