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
// its stream was already shown. At most MaxPodsPerWorkload pods per workload
// are followed. stop cancels every stream and waits for them.
type logFollower struct {
	t      *Tracker
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	start  time.Time
	only   map[string]bool

	mu      sync.Mutex
	streams map[string]*stream // by "pod/container#restarts"

	podsOf    map[string]map[string]bool // target → pods chosen for logs
	capped    map[string]bool
	crashSeen map[string]int32 // "pod/container" → restart count handled
}

func newLogFollower(ctx context.Context, t *Tracker, start time.Time) *logFollower {
	l := &logFollower{t: t, start: start, streams: map[string]*stream{},
		podsOf: map[string]map[string]bool{}, capped: map[string]bool{}, crashSeen: map[string]int32{}}
	l.ctx, l.cancel = context.WithCancel(ctx)
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
}

// observe starts streams and crash dumps for the target's current pods.
func (l *logFollower) observe(tg *target) {
	if l.t.opts.Logs == LogsNone {
		return
	}
	chosen := l.podsOf[tg.res]
	if chosen == nil {
		chosen = map[string]bool{}
		l.podsOf[tg.res] = chosen
	}
	for _, p := range tg.pods {
		if !chosen[p.Name] {
			if len(chosen) >= l.t.opts.MaxPodsPerWorkload {
				if !l.capped[tg.res] {
					l.capped[tg.res] = true
					l.t.println("logs: following %d pods of %s at most (max pods per workload); pod %s and later ones are not followed",
						l.t.opts.MaxPodsPerWorkload, tg.res, p.Name)
				}
				continue
			}
			chosen[p.Name] = true
		}
		statuses := append(append([]corev1.ContainerStatus{}, p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...)
		for _, cs := range statuses {
			if l.only != nil && !l.only[cs.Name] {
				continue
			}
			l.observeContainer(p, cs)
		}
	}
}

// stream is the state of following one container instance.
type stream struct {
	active   bool      // a goroutine follows it now
	opened   bool      // a stream was opened at least once
	ended    bool      // the last stream ended by itself
	last     time.Time // timestamp of the last line printed
	attempts int       // failed opens in a row
	retryAt  time.Time
}

func (l *logFollower) observeContainer(p *corev1.Pod, cs corev1.ContainerStatus) {
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
	switch {
	case st.active, st.attempts >= logAttempts, l.t.opts.Now().Before(st.retryAt):
		return
	case st.ended && cs.State.Running == nil:
		return // the instance has exited and its stream was read to the end
	}
	st.active = true
	l.wg.Add(1)
	go l.follow(p.Namespace, p.Name, cs.Name, st)
}

// follow streams one container instance's log until it ends or stop. A
// stream that ends while the container still runs (the API server or a proxy
// closed it) is opened again by observe; it resumes at the last printed
// line's timestamp and skips lines printed already.
func (l *logFollower) follow(ns, pod, container string, st *stream) {
	defer l.wg.Done()
	l.mu.Lock()
	since, resumed := l.start, st.opened
	if !st.last.IsZero() {
		since = st.last
	}
	l.mu.Unlock()
	mt := metav1.NewTime(since)
	opts := &corev1.PodLogOptions{Container: container, Follow: true, Timestamps: true, SinceTime: &mt}
	rc, err := l.t.opts.Clientset.CoreV1().Pods(ns).GetLogs(pod, opts).Stream(l.ctx)
	if err != nil {
		l.mu.Lock()
		st.active = false
		st.attempts++
		st.retryAt = l.t.opts.Now().Add(logRetry)
		giveUp := st.attempts >= logAttempts
		l.mu.Unlock()
		if giveUp && l.ctx.Err() == nil {
			l.t.println("logs: cannot follow %s/%s: %v", pod, container, err)
		}
		return
	}
	defer func() { _ = rc.Close() }()
	l.mu.Lock()
	st.opened, st.attempts = true, 0
	l.mu.Unlock()
	prefix := pod + "/" + container + " | "
	_ = eachLine(rc, func(line string) {
		ts, msg, ok := splitTimestamp(line)
		if !ok {
			if !resumed { // without a timestamp a resumed line cannot be deduplicated
				l.t.println("%s%s", prefix, line)
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
			l.t.println("%s%s", prefix, msg)
		}
	})
	l.mu.Lock()
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

// printPrevious prints the last lines of a crashed container instance.
func (l *logFollower) printPrevious(ns, pod, container string, restarts int32, last *corev1.ContainerStateTerminated) {
	defer l.wg.Done()
	lines, err := tailLogs(l.ctx, l.t, ns, pod, container, true)
	if err != nil {
		if l.ctx.Err() == nil {
			l.t.println("logs: %s/%s crashed (%s) but its previous logs could not be read: %v", pod, container, terminatedMessage(last), err)
		}
		return
	}
	l.t.println("logs: %s/%s crashed (%s, restart %d); its last %d lines:", pod, container, terminatedMessage(last), restarts, len(lines))
	for _, line := range lines {
		l.t.println("%s/%s | %s", pod, container, line)
	}
}

// tailLogs reads the last LogLinesOnFailure lines of a container (of its
// previous instance when previous is set).
func tailLogs(ctx context.Context, t *Tracker, ns, pod, container string, previous bool) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	n := int64(t.opts.LogLinesOnFailure)
	opts := &corev1.PodLogOptions{Container: container, Previous: previous, TailLines: &n}
	rc, err := t.opts.Clientset.CoreV1().Pods(ns).GetLogs(pod, opts).Stream(ctx)
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
