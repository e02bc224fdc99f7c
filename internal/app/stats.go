package app

import (
	"encoding/json"
	"io"
	"os"
	"runtime/pprof"
	"sync"
	"syscall"

	"github.com/helmdeploy/helm-deploy-action/internal/kube"
)

// StatsFileEnv names the file a run writes its resource use to, for benchmarks: API requests
// by verb and resource, time to the first request, peak RSS, log streams and lines printed.
// Unset (always, in a workflow): nothing is counted or written.
const StatsFileEnv = "HDA_STATS_FILE"

// CPUProfileEnv names a file for a CPU profile of the run (go tool pprof), for benchmarks.
const CPUProfileEnv = "HDA_CPUPROFILE"

func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// runStats is what a benchmark reads back.
type runStats struct {
	APIRequests      map[string]int `json:"api_requests"`
	FirstRequestMS   float64        `json:"first_request_ms"`
	PeakRSSBytes     int64          `json:"peak_rss_bytes"`
	LinesPrinted     int            `json:"lines_printed"`
	LogStreamsOpened int            `json:"log_streams_opened"`
	LogStreamsPeak   int            `json:"log_streams_peak"`
	EventsPrinted    int            `json:"events_printed"`
	EventsSummarised int            `json:"events_summarised"`
}

// lineCounter counts the lines written to the job log.
type lineCounter struct {
	w  io.Writer
	mu sync.Mutex
	n  int
}

func (c *lineCounter) Write(p []byte) (int, error) {
	c.mu.Lock()
	for _, b := range p {
		if b == '\n' {
			c.n++
		}
	}
	c.mu.Unlock()
	return c.w.Write(p)
}

func (c *lineCounter) lines() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// writeStats writes the run's stats to path.
func writeStats(path string, s *State, api *kube.APIStats, lines *lineCounter) error {
	st := runStats{APIRequests: api.Requests(), LinesPrinted: lines.lines(), FirstRequestMS: -1}
	if d := api.FirstRequest(); d >= 0 {
		st.FirstRequestMS = float64(d.Microseconds()) / 1000
	}
	if s.trackerStats != nil {
		ts := s.trackerStats()
		st.LogStreamsOpened, st.LogStreamsPeak = ts.LogStreamsOpened, ts.LogStreamsPeak
		st.EventsPrinted, st.EventsSummarised = ts.EventsPrinted, ts.EventsSummarised
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		st.PeakRSSBytes = int64(ru.Maxrss) * 1024 // kilobytes on Linux
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
