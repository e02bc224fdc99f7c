package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// report renders the runs as Markdown.
type report struct {
	all                  []result
	bins                 []binary
	timeout, failTimeout time.Duration
	took                 time.Duration
}

// binary is one tool's executable and its size.
type binary struct {
	name, path string
	bytes      int64
}

func binaries(b *bench) []binary {
	var out []binary
	for _, x := range []binary{{name: toolOurs, path: b.action}, {name: "helm", path: b.helm}, {name: "kubedog", path: b.kubedog}} {
		if st, err := os.Stat(x.path); err == nil {
			x.bytes = st.Size()
		}
		x.path = filepath.Base(x.path)
		out = append(out, x)
	}
	return out
}

func (rp *report) sizes() []size {
	var out []size
	for _, r := range rp.all {
		if !slices.Contains(out, r.size) {
			out = append(out, r.size)
		}
	}
	slices.SortFunc(out, func(a, b size) int { return a.Pods - b.Pods })
	return out
}

// pick returns the runs of one size, tool and scenario.
func (rp *report) pick(pods int, tool, sc string) []result {
	var out []result
	for _, r := range rp.all {
		if r.Pods == pods && r.Tool == tool && r.Scenario == sc {
			out = append(out, r)
		}
	}
	return out
}

func median(xs []float64) (float64, bool) {
	if len(xs) == 0 {
		return 0, false
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2], true
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2, true
}

// values collects f over the runs where it is defined.
func collect(rs []result, f func(result) (float64, bool)) []float64 {
	var out []float64
	for _, r := range rs {
		if v, ok := f(r); ok {
			out = append(out, v)
		}
	}
	return out
}

// med is the median of f over the runs of one size, tool and scenario.
func (rp *report) med(pods int, tool, sc string, f func(result) (float64, bool)) (float64, bool) {
	return median(collect(rp.pick(pods, tool, sc), f))
}

// cell formats the median of f, or says why there is none.
func (rp *report) cell(pods int, tool, sc string, f func(result) (float64, bool), format string) string {
	rs := rp.pick(pods, tool, sc)
	if len(rs) == 0 {
		return "n/a"
	}
	xs := collect(rs, f)
	m, ok := median(xs)
	if !ok {
		return whyNot(rs[0])
	}
	s := fmt.Sprintf(format, m)
	if len(rs) > 1 {
		s += fmt.Sprintf(" (%d runs: %s–%s)", len(xs), fmt.Sprintf(format, slices.Min(xs)), fmt.Sprintf(format, slices.Max(xs)))
	}
	return s
}

func whyNot(r result) string {
	switch {
	case r.Err != "":
		return "error"
	case r.Exit == -1:
		return "killed at the limit"
	case r.Scenario == scFail && r.Verdict.IsZero():
		return fmt.Sprintf("no verdict (exit %d)", r.Exit)
	case r.Exit != 0:
		return fmt.Sprintf("exit %d", r.Exit)
	}
	return "—"
}

// Measures.
func okWall(r result) (float64, bool) {
	return r.wall(), r.Err == "" && r.Exit == 0 && !r.Start.IsZero()
}
func verdictLatency(r result) (float64, bool) { return secs(r.State, r.Verdict) }
func startToState(r result) (float64, bool)   { return secs(r.Start, r.State) }
func toRollback(r result) (float64, bool)     { return secs(r.Verdict, r.Rollback) }
func toExit(r result) (float64, bool) {
	if r.Verdict.IsZero() {
		return 0, false
	}
	return secs(r.Verdict, r.End)
}
func rssMiB(r result) (float64, bool) {
	kib := r.RSSKiB
	if r.Stats != nil {
		kib = max(kib, r.Stats.PeakRSSBytes/1024)
	}
	return float64(kib) / 1024, kib > 0
}
func apiTotal(r result) (float64, bool) {
	return float64(r.API.total()), r.API != nil && !r.Start.IsZero()
}

func (rp *report) markdown() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	sizes := rp.sizes()
	w("### Sizes\n\n| pods | Deployments × replicas |\n|---|---|\n")
	for _, s := range sizes {
		w("| %d | %d × %d |\n", s.Pods, s.Deps, s.Replicas)
	}
	w("\n### Healthy install and upgrade: wall time of each tool (s)\n\n")
	w("Install into an empty namespace, then an upgrade that rolls every pod (maxSurge 1, maxUnavailable 0 per Deployment). ")
	w("ours with `min-ready-seconds: 0` (no stabilisation window, like Helm's `--wait`); kubedog is `helm upgrade --install` without wait + `kubedog multitrack` over every Deployment.\n\n")
	w("| pods | install: ours | install: helm | install: kubedog | upgrade: ours | upgrade: helm | upgrade: kubedog | ours / helm (install, upgrade) |\n|---|---|---|---|---|---|---|---|\n")
	for _, s := range sizes {
		w("| %d |", s.Pods)
		for _, sc := range []string{scInstall, scUpgrade} {
			for _, t := range tools {
				w(" %s |", rp.cell(s.Pods, t, sc, okWall, "%.2f"))
			}
		}
		w(" %s, %s |\n", rp.ratio(s.Pods, scInstall), rp.ratio(s.Pods, scUpgrade))
	}
	w("\n### One failing Deployment among the others\n\n")
	w("The upgrade rolls every pod; the new pods of Deployment `app-<N/2>` crash-loop. State: the first watch event of its pod waiting in `%s` (bench's own informer). ", failReason)
	w("Verdict: ours' first diagnosis line, Helm's `--debug` line `Upgrade … failed` (at its %s timeout), kubedog's non-zero exit. ", rp.failTimeout)
	w("Rollback: the release Secret of revision 4 first seen `deployed` (kubedog's flow runs `helm rollback --wait` after kubedog failed); exit: the tool (for kubedog the `helm rollback`) exited.\n\n")
	w("| pods | upgrade start → failing state | state → verdict: ours | helm | kubedog | verdict → rollback deployed: ours | helm | kubedog | verdict → exit: ours | helm | kubedog |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range sizes {
		w("| %d | %s |", s.Pods, rp.cell(s.Pods, toolOurs, scFail, startToState, "%.2f s"))
		for i, f := range []func(result) (float64, bool){verdictLatency, toRollback, toExit} {
			for _, t := range tools {
				c := rp.cell(s.Pods, t, scFail, f, "%.2f s")
				if i == 0 && rp.timedOut(s.Pods, t) {
					c += " (its timeout)"
				}
				w(" %s |", c)
			}
		}
		w("\n")
	}
	rp.resources(w, sizes)
	rp.details(w, sizes)
	rp.targets(w, sizes)
	rp.runs(w)
	return b.String()
}

// timedOut reports whether every failing run of a size and tool decided at its timeout.
func (rp *report) timedOut(pods int, tool string) bool {
	rs := rp.pick(pods, tool, scFail)
	for _, r := range rs {
		if !r.TimedOut {
			return false
		}
	}
	return len(rs) > 0
}

// ratio is ours' median wall time over Helm's.
func (rp *report) ratio(pods int, sc string) string {
	o, ok1 := rp.med(pods, toolOurs, sc, okWall)
	h, ok2 := rp.med(pods, toolHelm, sc, okWall)
	if !ok1 || !ok2 || h == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f", o/h)
}
