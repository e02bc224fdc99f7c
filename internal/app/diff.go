package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/helmdeploy/helm-deploy-action/internal/diff"
)

// maxDiffLog bounds the diff printed into the job log and the diff output.
const maxDiffLog = 64 << 10

// renderDiff renders the chart with exactly the deploy's inputs (Helm dry run against the
// cluster) and compares it with what the release last applied and with the live objects. It
// changes nothing.
type renderDiff struct{}

func (renderDiff) String() string { return "Diff" }

func (renderDiff) Run(ctx context.Context, s *State) error {
	c := s.Config
	opts := releaseOptions(c)
	opts.DryRun, opts.Wait = true, false
	res, err := s.Cluster.Deployer.Run(ctx, opts)
	if err != nil {
		return fmt.Errorf("rendering %s with this run's inputs: %w", c.Chart.Ref, err)
	}
	desired, err := diff.ParseManifest(res.Manifest, c.Namespace)
	if err != nil {
		return fmt.Errorf("reading the rendered manifest: %w", err)
	}
	var stored []diff.Object
	if s.Release.Before != nil {
		if stored, err = diff.ParseManifest(s.Release.Before.Manifest, c.Namespace); err != nil {
			return fmt.Errorf("reading revision %d's manifest: %w", s.Release.Before.Revision, err)
		}
	}
	live, err := liveObjectsOf(ctx, s, desired, stored)
	if err != nil {
		return err
	}
	rep := diff.Compare(desired, stored, live, s.diffOptions())
	s.Task.Diff = &rep
	for _, line := range strings.Split(s.Log.Redact(rep.Text(maxDiffLog)), "\n") {
		s.Log.Infof("%s", line)
	}
	s.done("%d change(s): %d added, %d removed, %d changed, %d unchanged; %d changed by hand since the last deploy",
		rep.Changes(), rep.Added, rep.Removed, rep.Changed, rep.Unchanged, rep.Drifted)
	return nil
}

// checkDrift compares the live objects with the release's last manifest before a deploy:
// objects scaled, edited or annotated by hand, and objects deleted. drift: fail stops the
// deploy before Helm runs; warn reports and goes on (the upgrade overwrites the changes).
type checkDrift struct{}

func (checkDrift) String() string { return "Check drift" }

// ErrDrift means drift: fail found objects changed by hand.
var ErrDrift = errors.New("objects of the release were changed by hand")

func (checkDrift) Run(ctx context.Context, s *State) error {
	c := s.Config
	if c.Change.Drift == "ignore" || s.Release.Before == nil || s.Release.Before.Manifest == "" {
		s.Log.Infof("no drift check (drift: %s, or no earlier revision)", c.Change.Drift)
		return nil
	}
	stored, err := diff.ParseManifest(s.Release.Before.Manifest, c.Namespace)
	if err != nil {
		return fmt.Errorf("reading revision %d's manifest: %w", s.Release.Before.Revision, err)
	}
	live, err := liveObjectsOf(ctx, s, stored)
	if err != nil {
		return err
	}
	drifted := diff.Drift(stored, live, s.diffOptions())
	if len(drifted) == 0 {
		s.Log.Infof("no drift: the %d objects of revision %d are as it left them", len(stored), s.Release.Before.Revision)
		return nil
	}
	var titles []string
	for _, d := range drifted {
		titles = append(titles, d.Title)
		if d.Missing {
			s.Log.Infof("%s: deleted by hand. %s", d.Title, diff.ExplainMissing(d))
			continue
		}
		for _, f := range d.Fields {
			s.Log.Infof("%s: %s is %s, revision %d set %s", d.Title, f.Path, f.Live, s.Release.Before.Revision, f.Stored)
		}
	}
	summary := fmt.Sprintf("%d object(s) of revision %d changed by hand: %s", len(drifted), s.Release.Before.Revision, strings.Join(titles, ", "))
	if c.Change.Drift == "fail" {
		return fmt.Errorf("%w: %s. The deploy would overwrite these changes: put them into the chart or values, "+
			"or set drift: warn to deploy anyway", ErrDrift, summary)
	}
	s.warn("%s; this deploy overwrites them (drift: warn)", summary)
	return nil
}
