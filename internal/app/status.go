package app

import (
	"context"
	"fmt"
)

// releaseStatus reads, and changes nothing: the release's history and the readiness of its
// Deployments, StatefulSets and DaemonSets, for the summary and the outputs.
type releaseStatus struct{}

func (releaseStatus) String() string { return "Read status" }

func (releaseStatus) Run(ctx context.Context, s *State) error {
	c := s.Config
	if s.Release.Before == nil {
		s.done("release %s does not exist in namespace %s", c.Release, c.Namespace)
		return nil
	}
	hist, err := s.Cluster.Deployer.History(ctx, c.Release)
	if err != nil {
		return fmt.Errorf("reading the history of release %q: %w", c.Release, err)
	}
	s.Task.History = hist
	for _, h := range hist {
		s.Log.Infof("revision %d  %s  %-16s %s-%s (app %s)  %s", h.Revision, h.Updated.UTC().Format("2006-01-02 15:04:05Z"),
			h.Status, h.Chart, h.ChartVersion, h.AppVersion, h.Description)
	}
	for _, r := range s.Release.Before.Resources {
		rd, ok, err := s.Cluster.Kube.WorkloadReadiness(ctx, c.Namespace, r.Kind, r.Name)
		if err != nil {
			return fmt.Errorf("reading %s/%s: %w", r.Kind, r.Name, err)
		}
		if ok {
			s.Task.Workloads = append(s.Task.Workloads, rd)
			s.Log.Infof("%s/%s: %s", r.Kind, r.Name, rd)
		}
	}
	return nil
}
