package app

import (
	"context"
	"fmt"

	"github.com/helmdeploy/helm-deploy-action/internal/report"
	"github.com/helmdeploy/helm-deploy-action/internal/rollout"
)

// summary turns the state into what the job summary and outputs show.
func (s *State) summary() report.Summary {
	sum := report.Summary{Duration: s.Now().Sub(s.Start), Warnings: s.Warnings}
	if c := s.Config; c != nil {
		sum.Release, sum.Namespace = c.Release, c.Namespace
	}
	if b := s.Release.Before; b != nil {
		sum.RevisionBefore = b.Revision
	}
	if r := s.Release.After; r != nil {
		sum.Release, sum.Namespace = r.Release, r.Namespace
		sum.RevisionAfter, sum.Status = r.Revision, r.Status
		sum.Chart, sum.ChartVersion, sum.AppVersion = r.ChartName, r.ChartVersion, r.AppVersion
		for _, res := range r.Resources {
			sum.Resources = append(sum.Resources, report.Resource{Kind: res.Kind, Name: res.Name})
		}
	} else if b := s.Release.Before; b != nil {
		sum.RevisionAfter, sum.Status = b.Revision, b.Status
		sum.Chart, sum.ChartVersion, sum.AppVersion = b.ChartName, b.ChartVersion, b.AppVersion
	}
	sum.Outcome = s.Outcome
	if sum.Outcome == "" { // a State that did not go through a Pipeline (tests)
		sum.Outcome = s.outcome()
	}
	sum.LockWait, sum.Recovered = s.Lock.Wait, s.Lock.Recovered
	if t := s.GitHub; t != nil && t.ID() != 0 {
		sum.DeploymentID, sum.DeploymentURL = t.ID(), t.URL()
	}
	if s.Config != nil && s.Err == nil {
		sum.EnvironmentURL = s.Config.GitHub.EnvironmentURL
	}
	if s.Err != nil {
		sum.Error = s.Log.Redact(s.Err.Error())
		sum.Hint = hint(s)
		if fe := s.Deploy.Failure; fe != nil {
			v := fe.Verdict
			sum.Error = s.Log.Redact(fe.Headline())
			if h := rollout.Hint(v.Reason); h != "" {
				sum.Hint = h + "; " + sum.Hint
			}
			sum.Diagnosis = redactAll(s, diagnosisLines(v))
			sum.LastLogLines = redactAll(s, fe.LastLogLines)
			sum.Events = redactAll(s, fe.Events)
		}
	}
	for _, st := range s.Steps {
		sum.Steps = append(sum.Steps, report.Step{Name: st.Name, Duration: st.Duration, Failed: st.Err != nil})
	}
	s.taskSummary(&sum)
	return sum
}

// taskSummary adds what the tasks other than deploy found and did.
func (s *State) taskSummary(sum *report.Summary) {
	if s.Config != nil {
		sum.Task = s.Config.Task
	}
	sum.Done = s.Task.Done
	if t := s.Task.RollbackTarget; t != nil && s.Err == nil {
		sum.RolledBackTo = t.Revision
	}
	for _, h := range s.Task.History {
		sum.History = append(sum.History, report.Revision{Revision: h.Revision, Updated: h.Updated, Chart: h.Chart,
			ChartVersion: h.ChartVersion, AppVersion: h.AppVersion, Status: h.Status, Describe: s.Log.Redact(h.Description)})
	}
	if d := s.Task.Diff; d != nil {
		ds := &report.Diff{Added: d.Added, Removed: d.Removed, Changed: d.Changed, Unchanged: d.Unchanged, Drifted: d.Drifted,
			Text: s.Log.Redact(d.Text(maxDiffLog))}
		for _, r := range d.Resources {
			if r.Diff == "" && r.LiveDiff == "" && r.Conflict == "" && !r.LiveMissing {
				continue
			}
			body := r.Diff
			if r.LiveDiff != "" {
				body += "\n# changed by hand since the last deploy (live → this run):\n" + r.LiveDiff
			}
			if r.Conflict != "" {
				body += "\n# " + r.Conflict
			}
			ds.Resources = append(ds.Resources, report.DiffResource{Title: s.Log.Redact(r.Title), Status: string(r.Status),
				Diff: s.Log.Redact(body)})
		}
		sum.Diff = ds
	}
	for _, w := range s.Task.Workloads {
		sum.Workloads = append(sum.Workloads, report.Workload{Kind: w.Kind, Name: w.Name, Ready: w.String(),
			OK: w.Found && w.Ready >= w.Desired})
	}
}

func diagnosisLines(v rollout.Verdict) []string {
	var out []string
	add := func(k, val string) {
		if val != "" {
			out = append(out, k+": "+val)
		}
	}
	add("resource", v.Resource)
	add("pod", v.Pod)
	add("container", v.Container)
	add("reason", v.Reason)
	add("message", v.Message)
	if v.ExitCode != nil {
		add("exit code", fmt.Sprint(*v.ExitCode))
	}
	if v.Restarts > 0 {
		add("restarts", fmt.Sprint(v.Restarts))
	}
	return out
}

func redactAll(s *State, lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = s.Log.Redact(l)
	}
	return out
}

// hint says what the user can do about the failure.
func hint(s *State) string {
	switch {
	case s.Config == nil:
		return "fix the inputs named above; nothing was changed in the cluster"
	case s.Cluster.Kube == nil:
		return "check the kubeconfig inputs and that the API server is reachable from the runner"
	case s.Deploy.Remediation != nil && s.Deploy.Remediation.Action == "rolled back" && s.Release.After != nil:
		return fmt.Sprintf("the release was rolled back to revision %d; it is at revision %d (status %s)",
			s.Deploy.Remediation.RolledBackTo, s.Release.After.Revision, s.Release.After.Status)
	case s.Deploy.Remediation != nil && s.Deploy.Remediation.Action == "uninstalled":
		return "the failed first install was removed; fix the cause and deploy again"
	default:
		return "read the error and the log above; `helm history " + s.Config.Release + " -n " + s.Config.Namespace + "` shows the release history"
	}
}

// writeOutputs writes the step outputs (GITHUB_OUTPUT), from what Helm stored.
type writeOutputs struct{}

func (writeOutputs) String() string  { return "Write outputs" }
func (writeOutputs) cancelRank() int { return 1 }

func (writeOutputs) Run(_ context.Context, s *State) error {
	if s.Getenv("GITHUB_OUTPUT") == "" {
		s.Log.Infof("GITHUB_OUTPUT is not set: outputs are not written")
		return nil
	}
	for _, o := range report.Outputs(s.summary()) {
		if err := s.Log.SetOutput(o.Name, o.Value); err != nil {
			return err
		}
	}
	return nil
}

// writeSummary appends the job summary (GITHUB_STEP_SUMMARY).
type writeSummary struct{}

func (writeSummary) String() string  { return "Write job summary" }
func (writeSummary) cancelRank() int { return 1 }

func (writeSummary) Run(_ context.Context, s *State) error {
	if s.Getenv("GITHUB_STEP_SUMMARY") == "" {
		s.Log.Infof("GITHUB_STEP_SUMMARY is not set: no job summary")
		return nil
	}
	return s.Log.AddStepSummary(report.Markdown(s.summary()))
}
