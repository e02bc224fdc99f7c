package main

import (
	"fmt"
	"slices"
	"strings"
)

// Thresholds of issue 15's targets, and the growth allowed for "does not grow with pods".
const (
	maxRSSMiB      = 150.0
	maxVerdictS    = 0.5
	maxGrowth      = 2.0 // a count may at most double from one size to the next (pods ×10)
	maxWaitGrowth  = 0.2 // requests may grow by 20 % when the wait is ten times longer
	holdsText      = "holds"
	failsText      = "**does not hold**"
	unmeasuredText = "**not measured**"
)

// target is one of the targets: the rule, the verdict, every measured value, and the
// values that break the rule.
type target struct {
	name, rule, verdict, measured string
	failing                       []string
}

func verdictOf(ok bool) string {
	if ok {
		return holdsText
	}
	return failsText
}

// targets writes the targets of issue 15, each decided from the numbers above.
func (rp *report) targets(w writef, sizes []size) {
	small, large := sizes[0], sizes[len(sizes)-1]
	prev := small
	if len(sizes) > 1 {
		prev = sizes[len(sizes)-2]
	}
	ts := []target{rp.tRSS(large), rp.tWatches(small, large), rp.tWaiting(small), rp.tGrowth(prev, large, "log streams capped",
		"the most log streams open at once (proxy)", func(r result) int { return r.API.LogPeak }),
		rp.tGrowth(prev, large, "events summarised when they flood", "event lines printed", func(r result) int { return r.EventLines }),
		rp.tVerdict(sizes), rp.tWall(sizes)}
	w("\n## Targets\n\nDecided by the benchmark from the numbers above (ours = helm-deploy-action).\n\n| target | verdict | measured | rule |\n|---|---|---|---|\n")
	var failing []string
	for _, t := range ts {
		w("| %s | %s | %s | %s |\n", t.name, t.verdict, t.measured, t.rule)
		if t.verdict != holdsText {
			what := t.measured
			if len(t.failing) > 0 {
				what = strings.Join(t.failing, "; ")
			}
			failing = append(failing, fmt.Sprintf("- %s: %s: %s.", t.name, strings.Trim(t.verdict, "*"), what))
		}
	}
	if len(failing) == 0 {
		w("\nEvery target holds.\n")
	} else {
		w("\nNot holding:\n\n%s\n", strings.Join(failing, "\n"))
	}
}

func (rp *report) tRSS(large size) target {
	t := target{name: fmt.Sprintf("peak RSS ≤ %.0f MiB at %d pods", maxRSSMiB, large.Pods),
		rule: "largest peak RSS of ours (rusage and its own peak_rss_bytes) over install, upgrade and fail"}
	var xs []float64
	for _, sc := range healthyAndFail {
		xs = append(xs, collect(rp.pick(large.Pods, toolOurs, sc), rssMiB)...)
	}
	if len(xs) == 0 {
		t.verdict, t.measured = unmeasuredText, "no run"
		return t
	}
	m := slices.Max(xs)
	t.verdict, t.measured = verdictOf(m <= maxRSSMiB), fmt.Sprintf("%.1f MiB", m)
	if m > maxRSSMiB {
		t.failing = []string{fmt.Sprintf("%.1f MiB, %.1f MiB over", m, m-maxRSSMiB)}
	}
	return t
}

// watchTotal is ours' WATCH requests in the first run of a size and scenario (-1: none).
func (rp *report) watchTotal(pods int, sc string) int {
	rs := rp.pick(pods, toolOurs, sc)
	if len(rs) == 0 || rs[0].API == nil {
		return -1
	}
	n := 0
	for k, v := range rs[0].API.Requests {
		if strings.HasPrefix(k, "WATCH ") {
			n += v
		}
	}
	return n
}

func (rp *report) tWatches(small, large size) target {
	t := target{name: "watches per kind, never per pod",
		rule: fmt.Sprintf("ours' WATCH requests at %d pods ≤ %.0f× those at %d pods, in each of install, upgrade, fail", large.Pods, maxGrowth, small.Pods)}
	if small.Pods == large.Pods {
		t.verdict, t.measured = unmeasuredText, "needs two sizes"
		return t
	}
	ok, parts := true, []string{}
	for _, sc := range healthyAndFail {
		a, b := rp.watchTotal(small.Pods, sc), rp.watchTotal(large.Pods, sc)
		if a < 0 || b < 0 {
			t.verdict, t.measured = unmeasuredText, "missing runs"
			return t
		}
		if float64(b) > maxGrowth*float64(max(a, 1)) {
			ok = false
			t.failing = append(t.failing, fmt.Sprintf("%s: %d WATCH requests at %d pods, %d at %d pods", sc, b, large.Pods, a, small.Pods))
		}
		parts = append(parts, fmt.Sprintf("%s %d → %d", sc, a, b))
	}
	_, peak := rp.watchCounts(large.Pods, toolOurs)
	most := 0
	for _, n := range peak {
		most = max(most, n)
	}
	t.verdict = verdictOf(ok)
	t.measured = fmt.Sprintf("%s; at most %d open at once on one resource", strings.Join(parts, ", "), most)
	return t
}

func (rp *report) tWaiting(small size) target {
	t := target{name: "API requests do not grow with time spent waiting",
		rule: fmt.Sprintf("ours' requests in the %s-ready upgrade ≤ %.0f %% more than in the %s-ready one (%d pods)", slowDelay, 100*maxWaitGrowth, fastDelay, small.Pods)}
	f, s := rp.pick(small.Pods, toolOurs, scWaitFast), rp.pick(small.Pods, toolOurs, scWaitSlow)
	if len(f) == 0 || len(s) == 0 || f[0].API == nil || s[0].API == nil {
		t.verdict, t.measured = unmeasuredText, "the waiting runs did not run"
		return t
	}
	a, b := f[0].API.total(), s[0].API.total()
	t.verdict = verdictOf(float64(b) <= (1+maxWaitGrowth)*float64(a))
	t.measured = fmt.Sprintf("%d → %d requests (%s) for %.1f → %.1f s", a, b, growth(a, b), f[0].wall(), s[0].wall())
	if t.verdict != holdsText {
		t.failing = []string{fmt.Sprintf("%s; the longer wait added %s", t.measured, grew(f[0].API, s[0].API))}
	}
	return t
}

// tGrowth decides "does not grow with pods" for a count of ours between the two largest sizes.
func (rp *report) tGrowth(prev, large size, name, what string, f func(result) int) target {
	t := target{name: name, rule: fmt.Sprintf("%s at %d pods ≤ %.0f× those at %d pods, in each of install, upgrade, fail", what, large.Pods, maxGrowth, prev.Pods)}
	if prev.Pods == large.Pods {
		t.verdict, t.measured = unmeasuredText, "needs two sizes"
		return t
	}
	ok, parts := true, []string{}
	for _, sc := range healthyAndFail {
		a, b := rp.pick(prev.Pods, toolOurs, sc), rp.pick(large.Pods, toolOurs, sc)
		if len(a) == 0 || len(b) == 0 || a[0].API == nil || b[0].API == nil {
			t.verdict, t.measured = unmeasuredText, "missing runs"
			return t
		}
		x, y := f(a[0]), f(b[0])
		if float64(y) > maxGrowth*float64(max(x, 1)) {
			ok = false
			t.failing = append(t.failing, fmt.Sprintf("%s: %d at %d pods, %d at %d pods", sc, y, large.Pods, x, prev.Pods))
		}
		parts = append(parts, fmt.Sprintf("%s %d → %d", sc, x, y))
	}
	t.verdict, t.measured = verdictOf(ok), strings.Join(parts, ", ")
	return t
}

func (rp *report) tVerdict(sizes []size) target {
	t := target{name: fmt.Sprintf("verdict ≤ %.1f s after the failing state, every size", maxVerdictS),
		rule: "ours' failing state → verdict, every run at every size"}
	ok, parts := true, []string{}
	for _, s := range sizes {
		rs := rp.pick(s.Pods, toolOurs, scFail)
		xs := collect(rs, verdictLatency)
		if len(xs) == 0 || len(xs) < len(rs) {
			ok = false
			parts = append(parts, fmt.Sprintf("%d pods: not measured", s.Pods))
			t.failing = append(t.failing, fmt.Sprintf("%d pods: no verdict or no failing state seen", s.Pods))
			continue
		}
		m := slices.Max(xs)
		if m > maxVerdictS {
			ok = false
			t.failing = append(t.failing, fmt.Sprintf("%d pods: %.2f s", s.Pods, m))
		}
		parts = append(parts, fmt.Sprintf("%d pods: %.2f s", s.Pods, m))
	}
	t.verdict, t.measured = verdictOf(ok), strings.Join(parts, ", ")
	return t
}

func (rp *report) tWall(sizes []size) target {
	t := target{name: "healthy wall time ≤ helm's, every size", rule: "median wall time of ours ≤ helm's, install and upgrade"}
	ok, parts := true, []string{}
	for _, s := range sizes {
		for _, sc := range []string{scInstall, scUpgrade} {
			o, ok1 := rp.med(s.Pods, toolOurs, sc, okWall)
			h, ok2 := rp.med(s.Pods, toolHelm, sc, okWall)
			if !ok1 || !ok2 {
				ok = false
				parts = append(parts, fmt.Sprintf("%d %s: not measured", s.Pods, sc))
				t.failing = append(t.failing, fmt.Sprintf("%d pods %s: not measured", s.Pods, sc))
				continue
			}
			if o > h {
				ok = false
				t.failing = append(t.failing, fmt.Sprintf("%d pods %s: ours %.2f s, helm %.2f s (%+.0f %%)", s.Pods, sc, o, h, 100*(o-h)/h))
			}
			parts = append(parts, fmt.Sprintf("%d %s %.2f vs %.2f s", s.Pods, sc, o, h))
		}
	}
	t.verdict, t.measured = verdictOf(ok), strings.Join(parts, "; ")
	return t
}
