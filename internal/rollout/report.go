package rollout

import "time"

// Report describes the last Wait for the job summary: every tracked resource
// with its final state, and the failure if there was one.
type Report struct {
	Started   time.Time
	Duration  time.Duration
	Resources []ResourceReport
	// Failure is nil when the rollout succeeded or was cancelled.
	Failure *FailureError
}

// ResourceReport is one tracked resource's final state.
type ResourceReport struct {
	Resource  string // "deployment/web"
	Namespace string
	State     State
	Reason    string
	Message   string
	Pods      int // pods of the current revision seen at the end
}

func (r *run) report(fail *FailureError) Report {
	rep := Report{Started: r.start, Duration: r.t.opts.Now().Sub(r.start), Failure: fail}
	for _, tg := range r.targets {
		rep.Resources = append(rep.Resources, ResourceReport{Resource: tg.res, Namespace: tg.ns,
			State: tg.verdict.State, Reason: tg.verdict.Reason, Message: tg.verdict.Message, Pods: len(tg.pods)})
	}
	return rep
}

// Stats counts what a Tracker opened and printed, summed over all its Waits (the peak is the
// highest of them): the measure of a large release's cost in API connections and job-log
// lines, for benchmarks and tests.
type Stats struct {
	// LogStreamsOpened counts the follow streams opened; a stream opened again (after a
	// container restart, a connection the server closed, or a preemption) counts again.
	LogStreamsOpened int
	// LogStreamsPeak is the most follow streams held at once, those being opened included;
	// it never exceeds Options.MaxLogStreams when that is positive.
	LogStreamsPeak int
	// LogStreamsPreempted counts healthy streams stopped to make room for a failing pod's.
	LogStreamsPreempted int
	// LogLinesPrinted counts the container log lines printed: followed streams and the last
	// lines of crashed instances.
	LogLinesPrinted int
	// LinesPrinted counts every line written to Options.Out.
	LinesPrinted int
	// EventsPrinted counts the Kubernetes events printed one per line.
	EventsPrinted int
	// EventsSummarised counts the events held back and counted in a summary line instead.
	EventsSummarised int
}

// Stats returns the counts so far.
func (t *Tracker) Stats() Stats {
	t.statsMu.Lock()
	defer t.statsMu.Unlock()
	return t.stats
}

// count updates the stats under their lock.
func (t *Tracker) count(f func(*Stats)) {
	t.statsMu.Lock()
	defer t.statsMu.Unlock()
	f(&t.stats)
}
