package main

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// topAPIRows is how many "VERB resource" rows of ours are listed.
const topAPIRows = 15

// details writes ours' requests by verb and resource, the waiting comparison and start-up.
func (rp *report) details(w writef, sizes []size) {
	largest := sizes[len(sizes)-1].Pods
	w("\n### Ours: API requests by verb and resource (proxy count, install + upgrade + fail; top %d at %d pods)\n\n| request |", topAPIRows, largest)
	sum := map[int]map[string]int{}
	for _, s := range sizes {
		w(" %d pods |", s.Pods)
		sum[s.Pods] = map[string]int{}
		for _, sc := range healthyAndFail {
			if rs := rp.pick(s.Pods, toolOurs, sc); len(rs) > 0 && rs[0].API != nil {
				for k, n := range rs[0].API.Requests {
					sum[s.Pods][k] += n
				}
			}
		}
	}
	w("\n|---|%s\n", strings.Repeat("---|", len(sizes)))
	keys := sortedKeys(sum[largest])
	sort.SliceStable(keys, func(i, j int) bool { return sum[largest][keys[i]] > sum[largest][keys[j]] })
	for i, k := range keys {
		if i == topAPIRows {
			w("| … %d more rows | |\n", len(keys)-topAPIRows)
			break
		}
		w("| `%s` |", k)
		for _, s := range sizes {
			w(" %d |", sum[s.Pods][k])
		}
		w("\n")
	}
	rp.waiting(w, sizes[0].Pods)
	rp.startup(w)
}

// waiting compares the upgrade whose pods are ready after 2 s with the one after 20 s.
func (rp *report) waiting(w writef, pods int) {
	if len(rp.pick(pods, toolOurs, scWaitSlow)) == 0 {
		return
	}
	w("\n### Time spent waiting: the same upgrade with pods ready %s and %s after they start (%d pods)\n\n", fastDelay, slowDelay, pods)
	w("Every pod rolls one at a time per Deployment, so the second run waits about ten times longer for the same work. ")
	w("Requests counted by the proxy; \"grew\" lists the requests the longer wait added.\n\n")
	w("| tool | wall %s | wall %s | requests %s | requests %s | growth | grew |\n|---|---|---|---|---|---|---|\n", fastDelay, slowDelay, fastDelay, slowDelay)
	for _, t := range tools {
		f, s := rp.pick(pods, t, scWaitFast), rp.pick(pods, t, scWaitSlow)
		if len(f) == 0 || len(s) == 0 || f[0].API == nil || s[0].API == nil {
			continue
		}
		a, b := f[0].API.total(), s[0].API.total()
		w("| %s | %.1f s | %.1f s | %d | %d | %s | %s |\n", t, f[0].wall(), s[0].wall(), a, b, growth(a, b), grew(f[0].API, s[0].API))
	}
}

func growth(a, b int) string {
	if a == 0 {
		return "—"
	}
	return fmt.Sprintf("%+.0f %%", 100*float64(b-a)/float64(a))
}

// grew lists the requests the second count has more of.
func grew(a, b *apiCount) string {
	var parts []string
	for _, k := range sortedKeys(b.Requests) {
		if d := b.Requests[k] - a.Requests[k]; d > 0 {
			parts = append(parts, fmt.Sprintf("`%s` +%d", k, d))
		}
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}

// startup writes the binary sizes and the time from process start to the first API request.
func (rp *report) startup(w writef) {
	w("\n### Start-up cost\n\n| tool | binary | size | process start → first API request (proxy; median, min–max over runs) | same, the action's own `first_request_ms` |\n|---|---|---|---|---|\n")
	for _, bin := range rp.bins {
		var viaProxy, own []float64
		for _, r := range rp.all {
			if r.Tool != bin.name || r.API == nil || r.API.First.IsZero() || r.Start.IsZero() {
				continue
			}
			viaProxy = append(viaProxy, r.API.First.Sub(r.Start).Seconds()*1000)
			if r.Stats != nil && r.Stats.FirstRequestMS >= 0 {
				own = append(own, r.Stats.FirstRequestMS)
			}
		}
		label := bin.name
		if bin.name == toolKubedog {
			label = "kubedog (its flow starts with `helm upgrade`: the time is helm's)"
		}
		w("| %s | `%s` | %.1f MiB | %s | %s |\n", label, bin.path, float64(bin.bytes)/(1<<20), spread(viaProxy, "%.0f ms"), spread(own, "%.1f ms"))
	}
}

func spread(xs []float64, format string) string {
	m, ok := median(xs)
	if !ok {
		return "n/a"
	}
	return fmt.Sprintf(format+" ("+format+"–"+format+", %d runs)", m, slices.Min(xs), slices.Max(xs), len(xs))
}

// runs lists every run.
func (rp *report) runs(w writef) {
	w("\n<details><summary>Every run (%d; the benchmark took %s)</summary>\n\n```\n", len(rp.all), rp.took.Round(1e9))
	for _, r := range rp.all {
		w("%s\n", r)
	}
	w("```\n\n</details>\n")
}
