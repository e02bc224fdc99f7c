package report

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Revision is one entry of a release's history, newest first.
type Revision struct {
	Revision                     int
	Updated                      time.Time
	Chart, ChartVersion          string
	AppVersion, Status, Describe string
}

// Workload is the readiness of one workload of the release ("3/3 ready", "missing").
type Workload struct {
	Kind, Name, Ready string
	OK                bool
}

// taskOutputs are the outputs of the tasks other than deploy (empty for a deploy).
func taskOutputs(s Summary) []Output {
	rb := ""
	if s.RolledBackTo > 0 {
		rb = strconv.Itoa(s.RolledBackTo)
	}
	ready := ""
	if len(s.Workloads) > 0 {
		ready = "true"
		for _, w := range s.Workloads {
			if !w.OK {
				ready = "false"
			}
		}
	}
	hist := ""
	if len(s.History) > 0 {
		type entry struct {
			Revision    int    `json:"revision"`
			Updated     string `json:"updated"`
			Chart       string `json:"chart"`
			AppVersion  string `json:"app_version"`
			Status      string `json:"status"`
			Description string `json:"description"`
		}
		var es []entry
		for _, r := range s.History {
			es = append(es, entry{r.Revision, r.Updated.UTC().Format(time.RFC3339), chartOf(r), r.AppVersion, r.Status, r.Describe})
		}
		b, _ := json.Marshal(es)
		hist = string(b)
	}
	task := s.Task
	if task == "" {
		task = "deploy"
	}
	return []Output{{"task", task}, {"rolled-back-to", rb}, {"workloads-ready", ready}, {"history", hist}}
}

func chartOf(r Revision) string {
	if r.ChartVersion == "" {
		return r.Chart
	}
	return r.Chart + "-" + r.ChartVersion
}

// renderTask adds the task's own sections: what was done, the history and the workloads.
func renderTask(b *strings.Builder, s Summary) {
	if s.Diff != nil {
		b.WriteString("#### Changes\n\n")
		renderDiff(b, s.Diff, MaxSummaryBytes/2)
	}
	if len(s.Done) > 0 {
		b.WriteString("#### What was done\n\n")
		for _, d := range s.Done {
			fmt.Fprintf(b, "- %s\n", cell(d))
		}
		b.WriteString("\n")
	}
	if len(s.Workloads) > 0 {
		b.WriteString("#### Workloads\n\n| Kind | Name | Ready |\n|---|---|---|\n")
		for _, w := range s.Workloads {
			mark := "✓"
			if !w.OK {
				mark = "✗"
			}
			fmt.Fprintf(b, "| %s | `%s` | %s %s |\n", cell(w.Kind), code(w.Name), mark, cell(w.Ready))
		}
		b.WriteString("\n")
	}
	if len(s.History) > 0 {
		b.WriteString("#### History\n\n| Revision | Updated | Chart | App version | Status | Description |\n|---|---|---|---|---|---|\n")
		for _, r := range s.History {
			fmt.Fprintf(b, "| %d | %s | %s | %s | `%s` | %s |\n", r.Revision, r.Updated.UTC().Format("2006-01-02 15:04:05Z"),
				cell(chartOf(r)), cell(r.AppVersion), code(r.Status), cell(r.Describe))
		}
		b.WriteString("\n")
	}
}
