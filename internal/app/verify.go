package app

import (
	"context"
	"fmt"

	"github.com/helmdeploy/helm-deploy-action/internal/verify"
)

// verifyOptions are the smoke check's options from the verify-* inputs.
func verifyOptions(s *State) (verify.Options, error) {
	v := s.Config.Verify
	st, err := verify.ParseStatuses(v.Statuses)
	if err != nil {
		return verify.Options{}, fmt.Errorf("verify-status: %w", err)
	}
	return verify.Options{URL: v.URL, Timeout: v.Timeout, Successes: v.Successes, Statuses: st,
		BodyContains: v.Body, Redact: s.Log.Redact, Now: s.Now}, nil
}

// startProbing starts probing verify-url while the rollout runs (verify-during-rollout): the
// zero-downtime check. The smoke check step stops it and judges the count.
type startProbing struct{}

func (startProbing) String() string { return "Start probing" }

func (startProbing) Run(ctx context.Context, s *State) error {
	v := s.Config.Verify
	if v.URL == "" || !v.During || s.Config.DryRun {
		s.Log.Infof("no probing during the rollout (verify-during-rollout is off)")
		return nil
	}
	o, err := verifyOptions(s)
	if err != nil {
		return err
	}
	d, err := verify.Start(ctx, o)
	if err != nil {
		return fmt.Errorf("verify-url: %w", err)
	}
	s.probing = d
	s.Log.Infof("probing %s every %s during the rollout", verify.RedactURL(v.URL), verify.DefaultInterval)
	return nil
}

// smokeCheck probes verify-url after the rollout is ready and before success. A failure is a
// rollout failure: the revision is marked failed and the Roll back step restores the previous
// one (with atomic).
type smokeCheck struct{}

func (smokeCheck) String() string { return "Smoke check" }

func (smokeCheck) Run(ctx context.Context, s *State) error {
	c := s.Config
	if c.Verify.URL == "" || c.DryRun {
		s.Log.Infof("no verify-url: no smoke check")
		return nil
	}
	url := verify.RedactURL(c.Verify.URL)
	if d := s.probing; d != nil {
		r := d.Stop()
		s.probing = nil
		s.done("during the rollout, %d of %d requests to %s failed (%d allowed)", r.Failures, r.Probes, url, c.Verify.MaxFailures)
		for _, p := range r.FirstFailures {
			s.Log.Infof("  %s: %s", p.At.UTC().Format("15:04:05.000"), p.Reason)
		}
		if r.Failures > c.Verify.MaxFailures {
			return s.failAfterRollout(ctx, fmt.Sprintf("%d requests to %s failed during the rollout (verify-max-failures: %d); first: %s",
				r.Failures, url, c.Verify.MaxFailures, r.FirstFailures[0].Reason))
		}
	}
	o, err := verifyOptions(s)
	if err != nil {
		return err
	}
	s.Log.Infof("probing %s until it answers %d times in a row (up to %s)", url, o.Successes, c.Verify.Timeout)
	res, err := verify.Check(ctx, o)
	if err != nil {
		return s.failAfterRollout(ctx, err.Error())
	}
	s.done("smoke check passed: %s answered %d times in a row (%d probes, %s)", url, res.Consecutive, res.Probes, res.Elapsed.Round(1e6))
	return nil
}

// failAfterRollout turns a check after the rollout into a rollout failure: the revision Helm
// stored as deployed is marked failed (so `helm history` says why and the Roll back step
// restores the previous revision).
func (s *State) failAfterRollout(ctx context.Context, reason string) error {
	reason = s.Log.Redact(reason)
	if err := s.Cluster.Deployer.MarkFailed(context.WithoutCancel(ctx), s.Config.Release, "smoke check failed: "+reason); err != nil {
		s.warn("could not mark the revision failed: %v", err)
	}
	if latest, err := s.Cluster.Deployer.Latest(context.WithoutCancel(ctx), s.Config.Release); err == nil && latest != nil {
		s.Release.After = latest
	}
	return fmt.Errorf("the smoke check of the deployed release failed: %s", reason)
}
