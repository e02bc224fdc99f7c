// Package report renders what a run did: the job summary (Markdown for GITHUB_STEP_SUMMARY) and
// the step outputs. It is pure: the app fills a Summary and writes the results.
package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Outcome of a run as the summary headline states it.
const (
	Succeeded = "succeeded"
	Failed    = "failed"
	Cancelled = "cancelled"
	DryRun    = "dry-run"
)

// MaxSummaryBytes stays under the runner's 1 MiB step-summary limit with room to spare.
const MaxSummaryBytes = 512 * 1024

// Resource is one object of the release.
type Resource struct{ Kind, Name string }

// Step is one pipeline step with its duration.
type Step struct {
	Name     string
	Duration time.Duration
	Failed   bool
}

// Summary is everything the job summary and the outputs show.
type Summary struct {
	Release, Namespace              string
	Chart, ChartVersion, AppVersion string
	RevisionBefore, RevisionAfter   int
	Status                          string // Helm's status of the latest stored revision
	Outcome                         string
	Duration                        time.Duration
	Resources                       []Resource
	Error                           string   // the failure in plain words
	Hint                            string   // what the user can do
	Diagnosis                       []string // resource, pod, container, reason, exit code, restarts
	LastLogLines                    []string
	Events                          []string
	LockWait                        time.Duration
	Recovered                       string // what recovery did, if anything
	DeploymentID                    int64
	DeploymentURL                   string
	EnvironmentURL                  string
	Warnings                        []string
	Steps                           []Step

	// Task is deploy (or ""), uninstall, rollback or status.
	Task         string
	RolledBackTo int        // rollback: the revision whose configuration was restored
	Done         []string   // what the task did besides Helm (namespace deleted, deployments inactive, ...)
	History      []Revision // status (and rollback): the release history, newest first
	Workloads    []Workload // status: readiness of the release's workloads
	Diff         *Diff      // diff: the comparison
}

// Output is one step output, in the order they are written.
type Output struct{ Name, Value string }

// Outputs lists the step outputs. Values come from what Helm stored, also after a failure.
func Outputs(s Summary) []Output {
	rev := ""
	if s.RevisionAfter > 0 {
		rev = strconv.Itoa(s.RevisionAfter)
	}
	prev := ""
	if s.RevisionBefore > 0 {
		prev = strconv.Itoa(s.RevisionBefore)
	}
	dep := ""
	if s.DeploymentID > 0 {
		dep = strconv.FormatInt(s.DeploymentID, 10)
	}
	return append([]Output{
		{"release", s.Release},
		{"namespace", s.Namespace},
		{"revision", rev},
		{"previous-revision", prev},
		{"status", s.Status},
		{"outcome", s.Outcome},
		{"chart-name", s.Chart},
		{"chart-version", s.ChartVersion},
		{"app-version", s.AppVersion},
		{"failure-reason", oneLine(s.Error)},
		{"duration-seconds", seconds(s.Duration)},
		{"lock-wait-seconds", seconds(s.LockWait)},
		{"recovered", s.Recovered},
		{"deployment-id", dep},
		{"environment-url", s.EnvironmentURL},
	}, append(taskOutputs(s), diffOutputs(s)...)...)
}

func seconds(d time.Duration) string { return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) }

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	s = strings.ReplaceAll(s, "\r", "")
	return strings.ReplaceAll(s, "\n", " | ")
}

// Markdown renders the job summary. It never exceeds MaxSummaryBytes: long log sections are cut
// first.
func Markdown(s Summary) string {
	out := render(s)
	for len(out) > MaxSummaryBytes && (len(s.LastLogLines) > 0 || len(s.Events) > 0 || len(s.Resources) > 0) {
		s.LastLogLines = half(s.LastLogLines)
		s.Events = half(s.Events)
		s.Resources = halfRes(s.Resources)
		out = render(s)
	}
	if len(out) > MaxSummaryBytes {
		out = out[:MaxSummaryBytes] + "\n\n*(summary truncated)*\n"
	}
	return out
}

func half(l []string) []string {
	if len(l) <= 1 {
		return nil
	}
	return l[len(l)/2:]
}

func halfRes(l []Resource) []Resource {
	if len(l) <= 1 {
		return nil
	}
	return l[:len(l)/2]
}

func icon(outcome string) string {
	switch outcome {
	case Succeeded:
		return "✅"
	case DryRun:
		return "🧪"
	case Cancelled:
		return "⏹️"
	default:
		return "❌"
	}
}

func revision(n int) string {
	if n <= 0 {
		return "none"
	}
	return strconv.Itoa(n)
}

func duration(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}

func chartLabel(s Summary) string {
	if s.Chart == "" {
		return "unknown"
	}
	l := s.Chart
	if s.ChartVersion != "" {
		l += " " + s.ChartVersion
	}
	if s.AppVersion != "" {
		l += fmt.Sprintf(" (app %s)", s.AppVersion)
	}
	return l
}
