package report

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

func base() Summary {
	return Summary{
		Release: "web", Namespace: "apps", Chart: "web", ChartVersion: "0.2.0", AppVersion: "1.4.1",
		RevisionBefore: 3, RevisionAfter: 4, Status: "deployed", Outcome: Succeeded,
		Duration:  12340 * time.Millisecond,
		Resources: []Resource{{"Deployment", "web"}, {"Service", "web"}},
		Steps:     []Step{{"Read inputs", 2 * time.Millisecond, false}, {"Deploy", 12 * time.Second, false}},
	}
}

func TestMarkdownGolden(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Summary)
	}{
		{"success", func(*Summary) {}},
		{"first-install", func(s *Summary) { s.RevisionBefore, s.RevisionAfter = 0, 1 }},
		{"dry-run", func(s *Summary) { s.Outcome, s.Status, s.RevisionAfter = DryRun, "pending-upgrade", 3 }},
		{"rollout-failure", func(s *Summary) {
			s.Outcome, s.Status, s.RevisionAfter = Failed, "deployed", 5
			s.Error = "deployment/web: pod web-5d9c-x2 container app is in CrashLoopBackOff\n(exit code 1, 3 restarts)"
			s.Hint = "read the last log lines below; the release was rolled back to revision 3"
			s.Diagnosis = []string{"resource: Deployment/web", "container: app | reason: CrashLoopBackOff"}
			s.LastLogLines = []string{"web-5d9c-x2/app | panic: boom", "web-5d9c-x2/app | ``` fenced"}
			s.Events = []string{"12s Warning BackOff pod/web-5d9c-x2 Back-off restarting failed container"}
			s.Steps[1].Failed = true
		}},
		{"with-lock-and-deployment", func(s *Summary) {
			s.LockWait = 3500 * time.Millisecond
			s.Recovered = "revision 4 was pending-upgrade: marked failed, rolled back to 3"
			s.DeploymentID, s.DeploymentURL = 42, "https://github.com/o/r/deployments/production"
			s.EnvironmentURL = "https://web.example.com"
			s.Warnings = []string{"Deployment/web: 1 replica with maxUnavailable 1 can leave no pod available | <script>"}
		}},
		{"status", func(s *Summary) {
			s.Task, s.RevisionBefore = "status", 4
			s.Workloads = []Workload{{"Deployment", "web", "3/3 ready", true}, {"StatefulSet", "db", "1/2 ready", false}}
			s.History = []Revision{
				{4, time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC), "web", "0.2.0", "1.4.1", "deployed", "Upgrade complete"},
				{3, time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC), "web", "0.1.0", "1.4.0", "superseded", "Install | complete"},
			}
		}},
		{"uninstall", func(s *Summary) {
			s.Task, s.Status, s.RevisionAfter = "uninstall", "uninstalled", 0
			s.Done = []string{"deleted 2 resources; kept persistentvolumeclaim/data (PVCs are kept unless delete-pvcs: true)",
				"deleted namespace apps (created by this action for release web)", "marked 2 GitHub deployments of environment pr-7 inactive"}
		}},
		{"diff", func(s *Summary) {
			s.Task, s.RevisionAfter = "diff", 3
			s.Diff = &Diff{Added: 1, Changed: 1, Unchanged: 3, Drifted: 1, Resources: []DiffResource{
				{"Deployment/web (namespace apps)", "changed", "--- stored Deployment/web\n+++ desired Deployment/web\n@@ -1 +1 @@\n-replicas: 2\n+replicas: 3"},
				{"ConfigMap/extra (namespace apps)", "added", "+data: {a: b}\n+``` fence"},
			}}
		}},
		{"rollback", func(s *Summary) {
			s.Task, s.RevisionAfter, s.RolledBackTo = "rollback", 5, 2
		}},
		{"cancelled", func(s *Summary) {
			s.Outcome, s.Error = Cancelled, "the run was cancelled while waiting for the rollout"
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := base()
			tc.edit(&s)
			got := Markdown(s)
			path := filepath.Join("testdata", tc.name+".md")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./internal/report -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("summary differs from %s:\n--- got\n%s\n--- want\n%s", path, got, want)
			}
		})
	}
}

func TestMarkdownEscapes(t *testing.T) {
	s := base()
	s.Warnings = []string{"a | b <img src=x>"}
	got := Markdown(s)
	if strings.Contains(got, "<img") || !strings.Contains(got, `a \| b &lt;img`) {
		t.Errorf("warning not escaped:\n%s", got)
	}
}

func TestMarkdownSizeCap(t *testing.T) {
	s := base()
	line := strings.Repeat("x", 1000)
	for i := 0; i < 3000; i++ {
		s.LastLogLines = append(s.LastLogLines, line)
	}
	got := Markdown(s)
	if len(got) > MaxSummaryBytes+64 {
		t.Fatalf("summary is %d bytes, cap %d", len(got), MaxSummaryBytes)
	}
	if !strings.Contains(got, "Revision") {
		t.Fatal("the table was cut instead of the logs")
	}
}

func TestOutputs(t *testing.T) {
	s := base()
	s.Outcome, s.Error = Failed, "line one\nline two"
	s.DeploymentID = 7
	got := map[string]string{}
	for _, o := range Outputs(s) {
		got[o.Name] = o.Value
	}
	want := map[string]string{
		"revision": "4", "previous-revision": "3", "status": "deployed", "chart-name": "web",
		"chart-version": "0.2.0", "app-version": "1.4.1", "namespace": "apps", "release": "web",
		"failure-reason": "line one | line two", "deployment-id": "7", "outcome": "failed",
		"duration-seconds": "12.3", "lock-wait-seconds": "0.0", "task": "deploy", "rolled-back-to": "", "workloads-ready": "", "history": "",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("output %s = %q, want %q", k, got[k], v)
		}
	}
	s.RevisionAfter, s.DeploymentID = 0, 0
	for _, o := range Outputs(s) {
		if (o.Name == "revision" || o.Name == "deployment-id") && o.Value != "" {
			t.Errorf("%s = %q for nothing stored", o.Name, o.Value)
		}
	}
}

func TestDiffCommentAndOutputs(t *testing.T) {
	s := base()
	s.Diff = &Diff{Changed: 2, Text: strings.Repeat("x", 40<<10), Resources: []DiffResource{
		{"Deployment/a", "changed", strings.Repeat("-a\n+b\n", 100)}, {"Deployment/b", "changed", strings.Repeat("-a\n+b\n", 100)}}}
	c := DiffComment(s, 700)
	if !strings.Contains(c, "2 change(s)") || !strings.Contains(c, "Deployment/a") || !strings.Contains(c, "1 more resource(s) not shown") {
		t.Fatalf("comment:\n%s", c)
	}
	got := map[string]string{}
	for _, o := range Outputs(s) {
		got[o.Name] = o.Value
	}
	if got["changes"] != "2" || len(got["diff"]) > 33<<10 || !strings.Contains(got["diff"], "truncated") {
		t.Fatalf("changes %q, diff %d bytes", got["changes"], len(got["diff"]))
	}
}
