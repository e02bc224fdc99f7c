package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"k8s.io/client-go/kubernetes"
)

// Scenarios, in the order they run on one release.
const (
	scInstall  = "install"  // healthy install into an empty namespace
	scUpgrade  = "upgrade"  // healthy upgrade: every pod rolls
	scFail     = "fail"     // every pod rolls, one Deployment's new pod crash-loops
	scWaitFast = "wait-2s"  // every pod rolls and becomes ready 2 s after it started
	scWaitSlow = "wait-20s" // … 20 s after: ten times the waiting, the same work
	slowDelay  = "20s"      // the ready delay of scWaitSlow
	fastDelay  = "2s"       // the ready delay of scWaitFast
	failReason = "CrashLoopBackOff"
)

// size is one chart size: deps Deployments × replicas pods.
type size struct{ Pods, Deps, Replicas int }

// actionStats is what the action writes with HDA_STATS_FILE (internal/app/stats.go).
type actionStats struct {
	APIRequests      map[string]int `json:"api_requests"`
	FirstRequestMS   float64        `json:"first_request_ms"`
	PeakRSSBytes     int64          `json:"peak_rss_bytes"`
	LinesPrinted     int            `json:"lines_printed"`
	LogStreamsOpened int            `json:"log_streams_opened"`
	LogStreamsPeak   int            `json:"log_streams_peak"`
	EventsPrinted    int            `json:"events_printed"`
	EventsSummarised int            `json:"events_summarised"`
}

// result is one run of one tool on one scenario.
type result struct {
	size
	Tool, Scenario string
	Rep            int
	Start, End     time.Time
	Exit           int // of the tool (kubedog flow: of kubedog)
	Err            string
	State          time.Time // fail: the failing pod first seen waiting in CrashLoopBackOff
	Verdict        time.Time // fail: the tool's verdict
	Rollback       time.Time // fail: the rollback revision's Secret first seen deployed
	RSSKiB         int64     // peak RSS of the tool's processes (rusage)
	CPU            float64   // CPU seconds (user + system) of the tool's processes
	TimedOut       bool      // fail: the deciding process ran into its timeout
	Lines          int       // output lines
	EventLines     int       // ours: lines starting with "event "
	API            *apiCount
	Stats          *actionStats // ours
}

func (r result) wall() float64 { return r.End.Sub(r.Start).Seconds() }

func (r result) String() string {
	s := fmt.Sprintf("%5d pods %-8s %-8s #%d exit=%d wall=%.2fs cpu=%.1fs rss=%.0fMiB lines=%d api=%d",
		r.Pods, r.Tool, r.Scenario, r.Rep, r.Exit, r.wall(), r.CPU, float64(r.RSSKiB)/1024, r.Lines, r.API.total())
	if d, ok := secs(r.State, r.Verdict); ok {
		s += fmt.Sprintf(" verdict=%+.2fs", d)
		if r.TimedOut {
			s += " (at its timeout)"
		}
	}
	if d, ok := secs(r.Verdict, r.Rollback); ok {
		s += fmt.Sprintf(" rollback=+%.2fs", d)
	}
	if r.Err != "" {
		s += " error: " + r.Err
	}
	return s
}

// secs returns b-a in seconds and whether both are set.
func secs(a, b time.Time) (float64, bool) {
	if a.IsZero() || b.IsZero() {
		return 0, false
	}
	return b.Sub(a).Seconds(), true
}

// step is one scenario and the chart values it deploys.
type step struct {
	sc string
	v  values
}

// series runs every scenario of one tool at one size in a fresh namespace, then deletes it.
func (b *bench) series(ctx context.Context, cs kubernetes.Interface, sz size, tool string, rep int, timeout, failTimeout time.Duration, wait bool) []result {
	ns := fmt.Sprintf("scale-%d-%s-%d", sz.Pods, tool, rep)
	var out []result
	if err := freshNamespace(ctx, cs, ns); err != nil {
		return []result{{size: sz, Tool: tool, Scenario: scInstall, Rep: rep, Err: err.Error(), API: newAPICount()}}
	}
	base := values{"deployments": strconv.Itoa(sz.Deps), "replicas": strconv.Itoa(sz.Replicas)}
	with := func(kv ...string) values {
		v := values{}
		for k, x := range base {
			v[k] = x
		}
		for i := 0; i+1 < len(kv); i += 2 {
			v[kv[i]] = kv[i+1]
		}
		return v
	}
	steps := []step{
		{scInstall, with("message", "install")},
		{scUpgrade, with("message", "upgrade")},
		{scFail, with("message", "fail", "failIndex", strconv.Itoa(sz.Deps/2))},
	}
	if wait {
		steps = append(steps,
			step{scWaitFast, with("message", "wait-fast", "behaviour", "slow", "readyDelay", fastDelay)},
			step{scWaitSlow, with("message", "wait-slow", "behaviour", "slow", "readyDelay", slowDelay)})
	}
	for _, st := range steps {
		t := timeout
		if st.sc == scFail {
			t = failTimeout
		}
		r := b.once(ctx, cs, sz, tool, rep, ns, st.sc, st.v, t)
		fmt.Fprintf(os.Stderr, "[scale] %s\n", r)
		out = append(out, r)
		if ctx.Err() != nil {
			break
		}
	}
	began := time.Now()
	if err := deleteNamespace(context.WithoutCancel(ctx), cs, ns); err != nil {
		fmt.Fprintf(os.Stderr, "[scale] %v\n", err)
	}
	fmt.Fprintf(os.Stderr, "[scale] namespace %s deleted in %.1fs\n", ns, time.Since(began).Seconds())
	return out
}

// once runs one tool on one scenario and collects its numbers.
func (b *bench) once(ctx context.Context, cs kubernetes.Interface, sz size, tool string, rep int, ns, sc string, v values, timeout time.Duration) result {
	r := result{size: sz, Tool: tool, Scenario: sc, Rep: rep}
	var sig *signals
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if sc == scFail {
		var err error
		if sig, err = watchNamespace(wctx, cs, ns, release); err != nil {
			r.Err, r.API = err.Error(), newAPICount()
			return r
		}
	}
	b.px.reset()
	var procs []proc
	var err error
	switch tool {
	case toolOurs:
		minReady := "0" // healthy runs: no stabilisation window, to compare with Helm's --wait
		if sc == scFail {
			minReady = "" // the default, as in the issue-6 benchmark
		}
		statsPath := filepath.Join(b.logs, fmt.Sprintf("%s-%s.stats.json", ns, sc))
		var p proc
		p, err = b.ours(ctx, ns, v, minReady, timeout, statsPath)
		procs = []proc{p}
		r.Verdict = firstMatch(p, ourVerdict)
		r.EventLines = p.count("event ")
		if data, rerr := os.ReadFile(statsPath); rerr == nil {
			r.Stats = &actionStats{}
			if jerr := json.Unmarshal(data, r.Stats); jerr != nil {
				r.Stats = nil
			}
		}
	case toolHelm:
		var p proc
		p, err = b.helmWait(ctx, ns, v, timeout)
		procs = []proc{p}
		r.Verdict = firstMatch(p, helmVerdict)
		r.TimedOut = !r.Verdict.IsZero() && r.Verdict.Sub(p.start) >= timeout
	case toolKubedog:
		procs, err = b.kubedogFlow(ctx, ns, v, sz.Deps, timeout, sc == scFail)
		if len(procs) >= 2 && procs[1].exit > 0 {
			r.Verdict = procs[1].end
			r.TimedOut = procs[1].end.Sub(procs[1].start) >= timeout
		}
	}
	r.API = b.px.reset()
	if len(procs) > 0 {
		r.Start, r.End = procs[0].start, procs[len(procs)-1].end
		r.Exit = procs[min(1, len(procs)-1)].exit
	}
	for _, p := range procs {
		r.CPU += p.cpu
		r.RSSKiB = max(r.RSSKiB, p.rssKiB)
		r.Lines += len(p.lines)
	}
	if err != nil {
		r.Err = err.Error()
	}
	if sc != scFail {
		return r
	}
	time.Sleep(time.Second) // the last watch events (release Secrets)
	r.State = sig.at("waiting:" + failReason)
	if r.Verdict.IsZero() && r.Exit > 0 && tool != toolKubedog {
		r.Verdict = sig.at("release:v3:failed")
	}
	// Revisions: 1 install, 2 upgrade, 3 the failing upgrade, 4 the rollback.
	r.Rollback = sig.at("release:v4:deployed")
	return r
}
