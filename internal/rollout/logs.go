package rollout

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// logRetry is how long a log stream that could not be opened waits before
// the next attempt (the container may not have started yet).
const logRetry = time.Second

// logAttempts is how often a stream is tried before giving up on it.
const logAttempts = 3

// maxLogLine bounds one log line kept in memory; longer lines are split.
const maxLogLine = 64 * 1024

// logFollower streams container logs of the tracked pods. Streams start at
// the tracker's start time (no replay of older logs), one per container
// instance: when a container restarts, the new instance is followed again,
// and the crashed instance's last lines are printed (Previous: true) unless
// its stream was already shown. Which pods are followed, and how many streams
// run at once, is decided in logs_budget.go. stop cancels every stream and
// waits for them.
type logFollower struct {
	t      *Tracker
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	start  time.Time
	only   map[string]bool
	tails  chan struct{} // bounds the crash dumps read at once (nil: no bound)

	mu      sync.Mutex
	streams map[string]*stream // by "pod/container#restarts"
	slots   streamSlots        // follow streams held, under mu

	// Used by the run's goroutine only (observe, note, stop).
	podsOf    map[string]map[string]bool // target → pods chosen for logs
	capped    map[string]bool
	crashSeen map[string]int32 // "pod/container" → restart count handled
	followed  map[string]bool  // "ns/pod" chosen for logs, over all targets
	seen      map[string]bool  // "ns/pod" of every tracked pod observed
	capHit    bool             // MaxLogStreams kept a pod from being followed
	noted     [2]int           // followed and seen when the cap line was printed
}

func newLogFollower(ctx context.Context, t *Tracker, start time.Time) *logFollower {
	l := &logFollower{t: t, start: start, streams: map[string]*stream{}, slots: newStreamSlots(t.opts.MaxLogStreams),
		podsOf: map[string]map[string]bool{}, capped: map[string]bool{}, crashSeen: map[string]int32{},
		followed: map[string]bool{}, seen: map[string]bool{}}
	l.ctx, l.cancel = context.WithCancel(ctx)
	if t.opts.MaxLogStreams > 0 {
		l.tails = make(chan struct{}, t.opts.MaxLogStreams)
	}
	if len(t.opts.LogContainers) > 0 {
		l.only = map[string]bool{}
		for _, c := range t.opts.LogContainers {
			l.only[c] = true
		}
	}
	return l
}

func (l *logFollower) stop() {
	l.cancel()
	l.wg.Wait()
	l.finalNote()
}

// stream is the state of following one container instance.
type stream struct {
	active   bool      // a goroutine follows it now
	opened   bool      // a stream was opened at least once
	ended    bool      // the last stream ended by itself
	last     time.Time // timestamp of the last line printed
	attempts int       // failed opens in a row
	retryAt  time.Time
	failing  bool // its pod is failing: the stream may take a healthy one's slot

	cancel context.CancelFunc // of the goroutine following it now
	done   chan struct{}      // closed when that goroutine has closed its stream
}

func (l *logFollower) observeContainer(p *corev1.Pod, cs corev1.ContainerStatus, failing bool) {
	key := p.Name + "/" + cs.Name
	inst := func(n int32) string { return fmt.Sprintf("%s#%d", key, n) }
	if last := cs.LastTerminationState.Terminated; cs.RestartCount > 0 && last != nil {
		if handled, ok := l.crashSeen[key]; !ok || handled < cs.RestartCount {
			l.crashSeen[key] = cs.RestartCount
			l.mu.Lock()
			prev := l.streams[inst(cs.RestartCount-1)]
			shown := prev != nil && prev.opened
			l.mu.Unlock()
			if last.ExitCode != 0 && (l.t.opts.Logs == LogsFailed || !shown) {
				l.wg.Add(1)
				go l.printPrevious(p.Namespace, p.Name, cs.Name, cs.RestartCount, last)
			}
		}
	}
	if l.t.opts.Logs != LogsAll || (cs.State.Running == nil && cs.State.Terminated == nil) {
		return
	}
	id := inst(cs.RestartCount)
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.streams[id]
	if st == nil {
		st = &stream{}
		l.streams[id] = st
	}
	st.failing = failing
	switch {
	case st.active, st.attempts >= logAttempts, l.t.opts.Now().Before(st.retryAt):
		return
	case st.ended && cs.State.Running == nil:
		return // the instance has exited and its stream was read to the end
	}
	victim, ok := l.slots.acquire(st)
	if !ok {
		return // every slot is taken; observe tries again on the next evaluation
	}
	l.t.count(func(s *Stats) { s.LogStreamsPeak = max(s.LogStreamsPeak, len(l.slots.held)) })
	var after <-chan struct{}
	if victim != nil {
		victim.cancel() // it resumes at its last line once a slot is free
		after = victim.done
		l.t.count(func(s *Stats) { s.LogStreamsPreempted++ })
	}
	ctx, cancel := context.WithCancel(l.ctx)
	st.active, st.cancel, st.done = true, cancel, make(chan struct{})
	l.wg.Add(1)
	go l.follow(ctx, p.Namespace, p.Name, cs.Name, st, after)
}

// follow streams one container instance's log until it ends, its slot is
// taken by a failing pod's stream, or stop. A stream that ends while the
// container still runs (the API server or a proxy closed it, or it was
// preempted) is opened again by observe; it resumes at the last printed line's
// timestamp and skips lines printed already. after, when set, is the preempted
// stream whose slot this one took: it is closed before this one opens.
func (l *logFollower) follow(ctx context.Context, ns, pod, container string, st *stream, after <-chan struct{}) {
	defer l.wg.Done()
	l.mu.Lock()
	since, resumed := l.start, st.opened
	if !st.last.IsZero() {
		since = st.last
	}
	done, cancel := st.done, st.cancel
	l.mu.Unlock()
	defer close(done)
	defer cancel()
	if after != nil {
		select {
		case <-after:
		case <-ctx.Done():
		}
	}
	mt := metav1.NewTime(since)
	opts := &corev1.PodLogOptions{Container: container, Follow: true, Timestamps: true, SinceTime: &mt}
	var rc io.ReadCloser
	err := ctx.Err()
	if err == nil {
		rc, err = l.t.logRequest(ctx, ns, pod, opts)
	}
	if err != nil {
		l.mu.Lock()
		l.slots.release(st)
		st.active = false
		st.retryAt = l.t.opts.Now().Add(logRetry)
		if ctx.Err() == nil { // a preempted or stopped stream has not failed
			st.attempts++
		}
		giveUp := st.attempts >= logAttempts && ctx.Err() == nil
		l.mu.Unlock()
		if giveUp {
			l.t.println("logs: cannot follow %s/%s: %v", pod, container, err)
		}
		return
	}
	defer func() { _ = rc.Close() }()
	l.mu.Lock()
	st.opened, st.attempts = true, 0
	l.mu.Unlock()
	l.t.count(func(s *Stats) { s.LogStreamsOpened++ })
	prefix := pod + "/" + container + " | "
	_ = eachLine(rc, func(line string) {
		ts, msg, ok := splitTimestamp(line)
		if !ok {
			if !resumed { // without a timestamp a resumed line cannot be deduplicated
				l.printLine(prefix, line)
			}
			return
		}
		l.mu.Lock()
		dup := !st.last.IsZero() && !ts.After(st.last)
		if !dup {
			st.last = ts
		}
		l.mu.Unlock()
		if !dup {
			l.printLine(prefix, msg)
		}
	})
	l.mu.Lock()
	l.slots.release(st)
	st.active, st.ended = false, true
	st.retryAt = l.t.opts.Now().Add(logRetry)
	l.mu.Unlock()
}

// splitTimestamp splits the RFC 3339 timestamp the API server puts in front
// of each line when Timestamps is set.
func splitTimestamp(line string) (time.Time, string, bool) {
	head, rest, found := strings.Cut(line, " ")
	ts, err := time.Parse(time.RFC3339Nano, head)
	if err != nil {
		return time.Time{}, line, false
	}
	if !found {
		rest = ""
	}
	return ts, rest, true
}

// eachLine calls fn for every line of r; lines longer than maxLogLine are
// split rather than buffered whole.
func eachLine(r io.Reader, fn func(string)) error {
	br := bufio.NewReaderSize(r, maxLogLine)
	for {
		line, _, err := br.ReadLine()
		if len(line) > 0 || err == nil {
			fn(string(line))
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// printLine prints one container log line.
func (l *logFollower) printLine(prefix, line string) {
	l.t.println("%s%s", prefix, line)
	l.t.count(func(s *Stats) { s.LogLinesPrinted++ })
}

// tailLogs reads the last LogLinesOnFailure lines of a container (of its
// previous instance when previous is set).
func tailLogs(ctx context.Context, t *Tracker, ns, pod, container string, previous bool) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	n := int64(t.opts.LogLinesOnFailure)
	opts := &corev1.PodLogOptions{Container: container, Previous: previous, TailLines: &n}
	rc, err := t.logRequest(ctx, ns, pod, opts)
	if err != nil {
		return nil, fmt.Errorf("logs of %s/%s: %w", pod, container, err)
	}
	defer func() { _ = rc.Close() }()
	var lines []string
	err = eachLine(rc, func(line string) {
		lines = append(lines, line)
		if len(lines) > int(n) {
			lines = lines[1:]
		}
	})
	return lines, err
}

// logRequest opens a container log request: a follow stream or a one-shot tail.
func (t *Tracker) logRequest(ctx context.Context, ns, pod string, o *corev1.PodLogOptions) (io.ReadCloser, error) {
	if t.openLogs != nil {
		return t.openLogs(ctx, ns, pod, o)
	}
	return t.opts.Clientset.CoreV1().Pods(ns).GetLogs(pod, o).Stream(ctx)
}
