package main

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

type writef func(format string, args ...any)

var healthyAndFail = []string{scInstall, scUpgrade, scFail}

// resources writes RSS, API requests, watches, log streams and output per size and tool.
func (rp *report) resources(w writef, sizes []size) {
	w("\n### Peak RSS (MiB)\n\nThe child's `ru_maxrss` (for kubedog's flow the larger of helm's and kubedog's), max over install, upgrade and fail; ")
	w("for ours also the action's own `peak_rss_bytes` (HDA_STATS_FILE) as a cross-check.\n\n")
	w("| pods | ours (rusage) | ours (HDA_STATS_FILE) | helm | kubedog |\n|---|---|---|---|---|\n")
	for _, s := range sizes {
		w("| %d | %s | %s | %s | %s |\n", s.Pods, rp.maxOf(s.Pods, toolOurs, rusageMiB), rp.maxOf(s.Pods, toolOurs, statsMiB),
			rp.maxOf(s.Pods, toolHelm, rusageMiB), rp.maxOf(s.Pods, toolKubedog, rusageMiB))
	}
	w("\n### CPU time of the tool (s, user + system; kubedog's flow: helm's and kubedog's)\n\n")
	w("The control plane shares the machine's cores with the tools: CPU a tool spends is CPU the rollout does not get.\n\n")
	w("| pods | scenario | ours | helm | kubedog |\n|---|---|---|---|---|\n")
	for _, s := range sizes {
		for _, sc := range healthyAndFail {
			w("| %d | %s |", s.Pods, sc)
			for _, t := range tools {
				w(" %s |", rp.cell(s.Pods, t, sc, cpu, "%.1f"))
			}
			w("\n")
		}
	}
	w("\n### API requests per run\n\nEvery tool talks to the API server through the bench's loopback TLS proxy, which counts requests by verb and resource ")
	w("(a GET of a collection is LIST, `?watch=true` is WATCH); ours also counts its own (HDA_STATS_FILE).\n\n")
	w("| pods | scenario | ours (proxy) | ours (own count) | helm | kubedog |\n|---|---|---|---|---|---|\n")
	for _, s := range sizes {
		for _, sc := range healthyAndFail {
			w("| %d | %s | %s | %s | %s | %s |\n", s.Pods, sc, rp.cell(s.Pods, toolOurs, sc, apiTotal, "%.0f"),
				rp.cell(s.Pods, toolOurs, sc, ownTotal, "%.0f"), rp.cell(s.Pods, toolHelm, sc, apiTotal, "%.0f"), rp.cell(s.Pods, toolKubedog, sc, apiTotal, "%.0f"))
		}
	}
	w("\n### Watches: WATCH requests by resource (most open at once), max over install, upgrade and fail\n\n| pods | ours | helm | kubedog |\n|---|---|---|---|\n")
	for _, s := range sizes {
		w("| %d |", s.Pods)
		for _, t := range tools {
			w(" %s |", rp.watches(s.Pods, t))
		}
		w("\n")
	}
	w("\n### Output and log streams\n\nLines: every line the tool printed (kubedog's flow: helm's and kubedog's). Log streams: GET pods/log requests seen by the proxy (most open at once); ")
	w("ours' own `log_streams_opened`/`log_streams_peak` and `events_printed`/`events_summarised` (0 while the action does not fill them in); event lines: ours' lines starting with `event `.\n\n")
	w("| pods | scenario | ours: lines | ours: event lines | ours: events printed / summarised (own) | ours: log streams (peak) | ours: log streams own (peak) | helm: lines | kubedog: lines | kubedog: log streams (peak) |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, s := range sizes {
		for _, sc := range healthyAndFail {
			o := rp.pick(s.Pods, toolOurs, sc)
			w("| %d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", s.Pods, sc,
				rp.cell(s.Pods, toolOurs, sc, lines, "%.0f"), rp.cell(s.Pods, toolOurs, sc, eventLines, "%.0f"),
				pairOf(o, func(st *actionStats) (int, int) { return st.EventsPrinted, st.EventsSummarised }),
				logCell(o), pairOf(o, func(st *actionStats) (int, int) { return st.LogStreamsOpened, st.LogStreamsPeak }),
				rp.cell(s.Pods, toolHelm, sc, lines, "%.0f"), rp.cell(s.Pods, toolKubedog, sc, lines, "%.0f"), logCell(rp.pick(s.Pods, toolKubedog, sc)))
		}
	}
}

func rusageMiB(r result) (float64, bool) { return float64(r.RSSKiB) / 1024, r.RSSKiB > 0 }
func statsMiB(r result) (float64, bool) {
	if r.Stats == nil || r.Stats.PeakRSSBytes == 0 {
		return 0, false
	}
	return float64(r.Stats.PeakRSSBytes) / (1 << 20), true
}
func ownTotal(r result) (float64, bool) {
	if r.Stats == nil {
		return 0, false
	}
	n := 0
	for _, v := range r.Stats.APIRequests {
		n += v
	}
	return float64(n), true
}
func cpu(r result) (float64, bool)        { return r.CPU, !r.Start.IsZero() }
func lines(r result) (float64, bool)      { return float64(r.Lines), !r.Start.IsZero() }
func eventLines(r result) (float64, bool) { return float64(r.EventLines), !r.Start.IsZero() }

// maxOf is the largest f over the healthy and failing runs of a size and tool.
func (rp *report) maxOf(pods int, tool string, f func(result) (float64, bool)) string {
	var xs []float64
	for _, sc := range healthyAndFail {
		xs = append(xs, collect(rp.pick(pods, tool, sc), f)...)
	}
	if len(xs) == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f", slices.Max(xs))
}

// watchCounts is, per resource, the most WATCH requests and the most open at once over the
// healthy and failing runs of a size and tool.
func (rp *report) watchCounts(pods int, tool string) (reqs, peak map[string]int) {
	reqs, peak = map[string]int{}, map[string]int{}
	for _, sc := range healthyAndFail {
		for _, r := range rp.pick(pods, tool, sc) {
			if r.API == nil {
				continue
			}
			for k, n := range r.API.Requests {
				if res, ok := strings.CutPrefix(k, "WATCH "); ok {
					reqs[res] = max(reqs[res], n)
				}
			}
			for res, n := range r.API.PeakWatches {
				peak[res] = max(peak[res], n)
			}
		}
	}
	return reqs, peak
}

func (rp *report) watches(pods int, tool string) string {
	reqs, peak := rp.watchCounts(pods, tool)
	if len(reqs) == 0 {
		return "none"
	}
	var parts []string
	for _, res := range sortedKeys(reqs) {
		parts = append(parts, fmt.Sprintf("%s %d (%d)", res, reqs[res], peak[res]))
	}
	return strings.Join(parts, ", ")
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// logCell is the proxy's log streams opened (peak) of the first run.
func logCell(rs []result) string {
	if len(rs) == 0 || rs[0].API == nil {
		return "n/a"
	}
	return fmt.Sprintf("%d (%d)", rs[0].API.LogStreams, rs[0].API.LogPeak)
}

// pairOf formats two of ours' own stats of the first run as "a / b".
func pairOf(rs []result, f func(*actionStats) (int, int)) string {
	if len(rs) == 0 || rs[0].Stats == nil {
		return "n/a"
	}
	a, b := f(rs[0].Stats)
	return fmt.Sprintf("%d / %d", a, b)
}
