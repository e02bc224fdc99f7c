package main

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

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

// pick returns the results of one mode and tool.
func pick(all []result, mode, tool string) []result {
	var out []result
	for _, r := range all {
		if r.mode == mode && r.tool == tool {
			out = append(out, r)
		}
	}
	return out
}

// delays collects f over the results where it is defined.
func delays(rs []result, f func(result) (float64, bool)) []float64 {
	var out []float64
	for _, r := range rs {
		if d, ok := f(r); ok {
			out = append(out, d)
		}
	}
	return out
}

func stateToVerdict(r result) (float64, bool) { return seconds(r.state, r.verdict) }
func startToVerdict(r result) (float64, bool) { return seconds(r.start, r.verdict) }
func startToState(r result) (float64, bool)   { return seconds(r.start, r.state) }
func earlyToState(r result) (float64, bool)   { return seconds(r.early, r.state) }
func verdictToRollback(r result) (float64, bool) {
	return seconds(r.verdict, r.rollback)
}
func wall(r result) (float64, bool) {
	if r.err != nil || r.exit != 0 {
		return 0, false
	}
	return seconds(r.start, r.end)
}

// cell prints the median of f over rs with the run count and range, and says how the runs
// without a value ended.
func cell(rs []result, f func(result) (float64, bool), format string) string {
	if len(rs) == 0 {
		return "n/a"
	}
	xs := delays(rs, f)
	var parts []string
	if m, ok := median(xs); ok {
		s := fmt.Sprintf(format, m)
		if len(rs) > 1 {
			s += fmt.Sprintf(" (%d/%d: %s–%s)", len(xs), len(rs), fmt.Sprintf(format, slices.Min(xs)), fmt.Sprintf(format, slices.Max(xs)))
		}
		parts = append(parts, s)
	}
	var passed, capped, failed int
	for _, r := range rs {
		if _, ok := f(r); ok {
			continue
		}
		switch {
		case r.err != nil:
			failed++
		case r.exit == 0:
			passed++
		case r.exit == -1:
			capped++
		}
	}
	if passed > 0 {
		parts = append(parts, fmt.Sprintf("**passed** %d×", passed))
	}
	if capped > 0 {
		parts = append(parts, fmt.Sprintf("no verdict (killed at the cap) %d×", capped))
	}
	if failed > 0 {
		parts = append(parts, fmt.Sprintf("bench error %d×", failed))
	}
	if len(parts) == 0 {
		return "—"
	}
	return strings.Join(parts, "; ")
}

// ratio prints median(f over a) / median(f over b).
func ratio(a, b []result, f func(result) (float64, bool)) string {
	ma, oka := median(delays(a, f))
	mb, okb := median(delays(b, f))
	if !oka || !okb || mb <= 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f", ma/mb)
}

func markdown(ms []mode, all []result, timeout, elapsed time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### Failure modes: seconds from the definitive failing state to the verdict (medians)\n\n")
	fmt.Fprintf(&b, "| mode | definitive state (seen after the upgrade started) | ours | kubedog | helm --atomic --wait --timeout %s | start→verdict ours / kubedog | start→verdict ours / helm | ours: rollback done after the verdict | helm: rollback done after the verdict |\n", timeout)
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	for _, m := range ms {
		ours, dog, helm := pick(all, m.name, toolOurs), pick(all, m.name, toolKubedog), pick(all, m.name, toolHelm)
		runs := slices.Concat(ours, dog, helm)
		state := fmt.Sprintf("`%s` (%s)", m.state, cell(runs, startToState, "%.1f s"))
		if m.early != "" {
			if d, ok := median(delays(runs, earlyToState)); ok {
				state += fmt.Sprintf("; `%s` %.1f s before it", m.early, d)
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", m.name, state,
			cell(ours, stateToVerdict, "%.2f s"), cell(dog, stateToVerdict, "%.2f s"), cell(helm, stateToVerdict, "%.1f s"),
			ratio(ours, dog, startToVerdict), ratio(ours, helm, startToVerdict),
			cell(ours, verdictToRollback, "%.2f s"), cell(helm, verdictToRollback, "%.2f s"))
	}
	fmt.Fprintf(&b, "\n### Healthy upgrade (web chart, 2 replicas): wall time of the tool (medians)\n\n")
	b.WriteString("| tool | wall time | / helm |\n|---|---|---|\n")
	h := func(tool string) []result { return pick(all, "healthy", tool) }
	rows := []struct{ label, tool string }{
		{"ours, `min-ready-seconds: 0`", toolOurs},
		{"helm upgrade --install --atomic --wait", toolHelm},
		{"ours, default `min-ready-seconds` (10 s)", toolOursDefault},
		{"helm upgrade --install (no wait) + kubedog rollout track", toolKubedog},
	}
	for _, row := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", row.label, cell(h(row.tool), wall, "%.2f s"), ratio(h(row.tool), h(toolHelm), wall))
	}
	if d0, ok0 := median(delays(h(toolOurs), wall)); ok0 {
		if d10, ok10 := median(delays(h(toolOursDefault), wall)); ok10 {
			fmt.Fprintf(&b, "\nCost of the default `min-ready-seconds` (10 s stabilisation window): %.2f s per healthy deploy.\n", d10-d0)
		}
	}
	fmt.Fprintf(&b, "\n<details><summary>Every run (%d, bench took %s)</summary>\n\n```\n", len(all), elapsed.Round(time.Second))
	for _, r := range all {
		fmt.Fprintf(&b, "%s\n", r)
	}
	b.WriteString("```\n</details>\n")
	return b.String()
}
