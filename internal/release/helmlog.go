package release

import (
	"fmt"
	"strings"
	"sync"
)

const defaultLogLines = 20

// HelmLog forwards Helm's debug lines to a sink and keeps the last few of them,
// so a failure message can show what Helm was doing ("last Helm log lines").
// It is safe for concurrent use: Helm logs from several goroutines.
type HelmLog struct {
	mu    sync.Mutex
	next  func(format string, v ...any)
	lines []string // ring buffer
	start int      // index of the oldest line once the buffer is full
	full  bool
}

// NewHelmLog keeps the last max lines and forwards every line to next (may be nil).
func NewHelmLog(max int, next func(format string, v ...any)) *HelmLog {
	if max < 1 {
		max = 1
	}
	return &HelmLog{next: next, lines: make([]string, 0, max)}
}

// Printf is the Helm log function (action.DebugLog).
func (h *HelmLog) Printf(format string, v ...any) {
	line := strings.TrimRight(fmt.Sprintf(format, v...), "\n")
	h.mu.Lock()
	if !h.full && len(h.lines) < cap(h.lines) {
		h.lines = append(h.lines, line)
		h.full = len(h.lines) == cap(h.lines)
	} else {
		h.lines[h.start] = line
		h.start = (h.start + 1) % len(h.lines)
	}
	next := h.next
	h.mu.Unlock()
	if next != nil {
		next("%s", line)
	}
}

// Lines returns the kept lines, oldest first.
func (h *HelmLog) Lines() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]string, 0, len(h.lines))
	out = append(out, h.lines[h.start:]...)
	return append(out, h.lines[:h.start]...)
}

// Tail formats the kept lines for a failure message; empty when there are none.
func (h *HelmLog) Tail() string {
	lines := h.Lines()
	if len(lines) == 0 {
		return ""
	}
	return "last Helm log lines:\n  " + strings.Join(lines, "\n  ")
}

// Reset forgets the kept lines (a Run starts with a clean record).
func (h *HelmLog) Reset() {
	h.mu.Lock()
	h.lines, h.start, h.full = h.lines[:0], 0, false
	h.mu.Unlock()
}
