package rollout

import (
	"github.com/helmdeploy/helm-deploy-action/internal/safetext"

	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
)

// Log modes for Options.Logs.
const (
	LogsAll    = "all"    // follow every container of the rollout's new pods
	LogsFailed = "failed" // only print a crashed container's last lines
	LogsNone   = "none"   // no pod logs at all
)

// Defaults used when the corresponding Options field is zero.
const (
	DefaultLogLinesOnFailure  = 50
	DefaultMaxPodsPerWorkload = 5
	DefaultMaxLogStreams      = 20
	DefaultProgressEvery      = 5 * time.Second
)

// Options configure a Tracker. Everything the tracker prints goes to Out
// through Mask, one line at a time.
type Options struct {
	Clientset kubernetes.Interface
	// Dynamic, when set, follows the kinds the table of tracked kinds (kinds.go) gives to
	// kstatus, custom resources above all, through one dynamic watch per resource and
	// namespace, and waits until kstatus calls them Current. Without it those kinds count as
	// ready once applied, as they did before.
	Dynamic dynamic.Interface
	// RESTMapper maps those kinds to their resource and scope (cluster-scoped custom
	// resources need it). Without it the table's plural and scope are used, and for kinds the
	// table does not list a guess: namespaced, plural from the lower-case kind + "s" (see
	// Tracker.resolve); a wrong guess is reported and its objects count as ready once applied.
	RESTMapper meta.RESTMapper
	// Namespace is the release namespace, used for objects without one.
	Namespace string
	// FailuresAllowed is the transient-failure allowance per replica
	// (0: DefaultFailuresAllowed; negative: none).
	FailuresAllowed int
	// MinReady is the stabilisation window after everything is ready: a
	// container restart or a pod turning NotReady in it fails the rollout.
	MinReady time.Duration
	// Logs is LogsAll (default), LogsFailed or LogsNone.
	Logs string
	// LogContainers limits logs to these container names (empty: all).
	LogContainers []string
	// LogLinesOnFailure is how many lines of a crashed container are printed
	// and kept for the failure (0: DefaultLogLinesOnFailure).
	LogLinesOnFailure int
	// MaxPodsPerWorkload bounds the pods whose logs are followed per workload
	// (0: DefaultMaxPodsPerWorkload).
	MaxPodsPerWorkload int
	// MaxLogStreams bounds the log streams followed at once over the whole release, and the
	// pods chosen for logs (0: DefaultMaxLogStreams; negative: no limit beyond
	// MaxPodsPerWorkload). Failing pods are followed above both limits: a failing container's
	// stream takes the slot of a healthy one, which resumes later without losing lines (see
	// logs_budget.go).
	MaxLogStreams int
	Out           io.Writer
	Mask          func(string) string
	Now           func() time.Time
	// ProgressEvery is the minimum interval between progress prints
	// (0: DefaultProgressEvery; negative: print every change).
	ProgressEvery time.Duration
	// UnschedulableGrace: see ClassifyOptions.
	UnschedulableGrace time.Duration
	// GroupTitle, when set, wraps the live output of each Wait in a
	// ::group:: block with this title.
	GroupTitle string
}

// Sentinel errors; a *FailureError unwraps to one of them.
var (
	// ErrFailed: a tracked resource failed.
	ErrFailed = errors.New("rollout failed")
	// ErrTimeout: the timeout passed before everything was ready.
	ErrTimeout = errors.New("rollout timed out")
	// ErrWatch: the API server refused to list or watch a tracked kind.
	ErrWatch = errors.New("rollout: cannot watch")
	// ErrNoClient: Options.Clientset is nil.
	ErrNoClient = errors.New("rollout: no Kubernetes clientset")
)

// Tracker follows rollouts. One Tracker may run several Waits one after the
// other (Helm's upgrade and then its atomic rollback); Report describes the
// last one.
type Tracker struct {
	opts Options
	tick time.Duration // how often time-based rules are re-checked
	// minEval is the least time between two evaluations: a burst of watch events (1,000 pods
	// rolling) is judged in batches instead of once per event, which cost the 1,000-pod
	// benchmark 35 CPU-seconds. It delays a verdict by at most this much.
	minEval time.Duration

	outMu sync.Mutex

	seenMu     sync.Mutex
	seenEvents map[string]bool // event UID/count already printed, across Waits
	annotated  map[string]bool // object|reason given a ::warning annotation, across Waits

	repMu  sync.Mutex
	report Report

	statsMu sync.Mutex
	stats   Stats
	// openLogs, when set, replaces the clientset's log requests (tests hold streams open).
	openLogs func(ctx context.Context, ns, pod string, o *corev1.PodLogOptions) (io.ReadCloser, error)
}

// New returns a tracker with defaults filled in.
func New(o Options) *Tracker {
	if o.Logs == "" {
		o.Logs = LogsAll
	}
	if o.LogLinesOnFailure <= 0 {
		o.LogLinesOnFailure = DefaultLogLinesOnFailure
	}
	if o.MaxPodsPerWorkload <= 0 {
		o.MaxPodsPerWorkload = DefaultMaxPodsPerWorkload
	}
	if o.MaxLogStreams == 0 {
		o.MaxLogStreams = DefaultMaxLogStreams
	}
	if o.ProgressEvery == 0 {
		o.ProgressEvery = DefaultProgressEvery
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Mask == nil {
		o.Mask = func(s string) string { return s }
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Tracker{opts: o, tick: 100 * time.Millisecond, minEval: 50 * time.Millisecond, seenEvents: map[string]bool{}, annotated: map[string]bool{}}
}

// println masks text and writes it to Out line by line through safetext, the
// one sanitizer of untrusted text: log lines, termination messages and event
// messages come from the cluster and must not be able to issue commands to
// the runner.
func (t *Tracker) println(format string, args ...any) {
	t.write(fmt.Sprintf(format, args...), false)
}

// command writes one workflow command line of our own making (its parts are
// already escaped); it is masked like everything else.
func (t *Tracker) command(format string, args ...any) {
	t.write(fmt.Sprintf(format, args...), true)
}

func (t *Tracker) write(s string, isCommand bool) {
	var b strings.Builder
	if isCommand {
		// Our own command: one line whose data is escaped; "##[" in it is defused too, so
		// the legacy parser finds nothing even if the runner rejected the command.
		cmd, rest, _ := strings.Cut(t.opts.Mask(s), "\n")
		b.WriteString(strings.ReplaceAll(safetext.Clean(cmd), "##[", "## ["))
		b.WriteByte('\n')
		s = rest
	} else {
		s = t.opts.Mask(s)
	}
	if s != "" || !isCommand {
		b.WriteString(safetext.Lines(s))
		b.WriteByte('\n')
	}
	out := b.String()
	t.count(func(s *Stats) { s.LinesPrinted += strings.Count(out, "\n") })
	t.outMu.Lock()
	defer t.outMu.Unlock()
	_, _ = io.WriteString(t.opts.Out, out)
}

// eventSeen reports whether an event key was handled before and marks it.
func (t *Tracker) eventSeen(key string) bool {
	t.seenMu.Lock()
	defer t.seenMu.Unlock()
	if t.seenEvents[key] {
		return true
	}
	t.seenEvents[key] = true
	return false
}

type noWindowKey struct{}

// WithoutStabilisation marks ctx for a Wait that ends as soon as everything is ready, with no
// MinReady window: a rollback restoring the previous pods, or hook Jobs that must complete.
// One Tracker serves every wait of a run, so its events are printed once across them.
func WithoutStabilisation(ctx context.Context) context.Context {
	return context.WithValue(ctx, noWindowKey{}, true)
}

type completionKey struct{}

// WithCompletion marks ctx for a Wait on hooks: a bare Pod is done when it has Succeeded (a
// Running, Ready Pod is still working), as Helm's own hook wait has it.
func WithCompletion(ctx context.Context) context.Context {
	return context.WithValue(ctx, completionKey{}, true)
}

// RequiresCompletion reports whether ctx was marked by WithCompletion.
func RequiresCompletion(ctx context.Context) bool {
	v, _ := ctx.Value(completionKey{}).(bool)
	return v
}

// SkipsStabilisation reports whether ctx was marked by WithoutStabilisation.
func SkipsStabilisation(ctx context.Context) bool {
	v, _ := ctx.Value(noWindowKey{}).(bool)
	return v
}

// Wait follows the rollout of objs until every tracked resource is ready and
// stayed so for MinReady, a resource fails, the timeout passes (timeout <= 0:
// none), or ctx ends — whichever comes first; cancellation is honoured at
// once. Failures and timeouts are returned as *FailureError.
func (t *Tracker) Wait(ctx context.Context, objs []runtime.Object, timeout time.Duration) error {
	if t.opts.Clientset == nil {
		return ErrNoClient
	}
	r, err := newRun(t, objs)
	if err != nil {
		return err
	}
	if SkipsStabilisation(ctx) {
		r.minReady = 0
	}
	if RequiresCompletion(ctx) {
		for _, tg := range r.targets {
			tg.complete = true
		}
	}
	if len(r.targets) == 0 {
		t.setReport(r.report(nil))
		return nil
	}
	if t.opts.GroupTitle != "" {
		t.command("::group::%s", escapeData(t.opts.GroupTitle))
	}
	err = r.run(ctx, timeout)
	if t.opts.GroupTitle != "" {
		t.command("::endgroup::")
	}
	var fe *FailureError
	if errors.As(err, &fe) {
		t.setReport(r.report(fe))
		for _, line := range strings.Split(fe.Error(), "\n") {
			t.println("%s", line)
		}
	} else {
		t.setReport(r.report(nil))
	}
	return err
}

func (t *Tracker) setReport(rep Report) {
	t.repMu.Lock()
	defer t.repMu.Unlock()
	t.report = rep
}

// Report describes the last Wait.
func (t *Tracker) Report() Report {
	t.repMu.Lock()
	defer t.repMu.Unlock()
	return t.report
}
