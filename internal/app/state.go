package app

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/cloud"
	"github.com/helmdeploy/helm-deploy-action/internal/config"
	"github.com/helmdeploy/helm-deploy-action/internal/diff"
	"github.com/helmdeploy/helm-deploy-action/internal/ghdeploy"
	"github.com/helmdeploy/helm-deploy-action/internal/kube"
	"github.com/helmdeploy/helm-deploy-action/internal/lock"
	"github.com/helmdeploy/helm-deploy-action/internal/release"
	"github.com/helmdeploy/helm-deploy-action/internal/report"
	"github.com/helmdeploy/helm-deploy-action/internal/rollout"
	"github.com/helmdeploy/helm-deploy-action/internal/verify"
)

// Version is stamped at build time.
var Version = "dev"

// StepRecord is what the pipeline remembers of a step that ran.
type StepRecord struct {
	Name     string
	Duration time.Duration
	Err      error
}

// State is what the steps share. Each step reads what earlier steps left and adds its result.
type State struct {
	Getenv func(string) string
	Log    *Log
	Start  time.Time
	Now    func() time.Time

	Config   *config.Config
	Kube     *kube.Clients
	Login    *cloud.Login // the in-process cluster login (nil: a kubeconfig without plugin)
	Deployer *release.Deployer
	Before   *release.Result // latest stored revision before this run (nil: none)
	Result   *release.Result // what Helm stored after this run, also after a failure

	Lock      *lock.Held // nil until acquired (and for dry-run)
	LockWait  time.Duration
	Recovered string            // what recovery did, if anything
	GitHub    *ghdeploy.Tracker // nil: no GitHub deployment

	Failure       *rollout.FailureError // the rollout's diagnosis, when it failed
	DeployStarted bool                  // Helm was called: a failure from here on is a rollout failure
	Remediation   *release.Remediation  // what the Roll back step did, when it ran
	HelmBusy      bool                  // Helm was still applying when the cancelled run moved on
	tracking      *tracking             // the run's one rollout tracker (nil: no wait)

	// cancelled is when the run's context ended (the runner's SIGINT); zero while it runs.
	cancelled *cancelClock
	// soft ends when the run is cancelled while the finalizers run: the rollback stops
	// waiting then, and the rest share the CancelBudget deadline.
	soft context.Context

	// Tasks other than deploy.
	Uninstalled        *release.Uninstalled // what the uninstall did
	NamespaceDeleted   bool
	EnvironmentDeleted bool
	RollbackTarget     *release.Revision  // the revision the rollback restores
	History            []release.Revision // newest first (status, rollback)
	Workloads          []kube.Readiness   // status: readiness of the release's workloads
	Done               []string           // what the task did, for the summary
	probing            *verify.During     // verify-url probes during the rollout
	Diff               *diff.Report       // the diff task's comparison
	apiStats           *kube.APIStats     // HDA_STATS_FILE: requests counted
	trackerStats       func() rollout.Stats

	Err error
	// Outcome is decided once, when the steps end and before any finalizer runs (outcome):
	// report.Succeeded, Failed, Cancelled or DryRun. The finalizers read it; none changes it.
	Outcome  string
	Steps    []StepRecord
	Warnings []string
}

// done logs what the task did and keeps it for the summary.
func (s *State) done(format string, args ...any) {
	line := s.Log.Redact(sprintf(format, args...))
	s.Log.Infof("%s", line)
	s.Done = append(s.Done, line)
}

func (s *State) warn(format string, args ...any) {
	s.Log.Warningf(format, args...)
	s.Warnings = append(s.Warnings, s.Log.Redact(sprintf(format, args...)))
}

// deployTimeout is the configured deploy timeout (the rollback's wait is bounded by it).
func (s *State) deployTimeout() time.Duration {
	if s.Config == nil {
		return 0
	}
	return s.Config.Timeout
}

// cancelClock records the first cancellation time; safe for concurrent use.
type cancelClock struct {
	mu sync.Mutex
	at time.Time
}

func (c *cancelClock) mark(t time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at.IsZero() {
		c.at = t
	}
	return c.at
}

func (c *cancelClock) get() time.Time {
	if c == nil {
		return time.Time{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.at
}

// outcome decides the run's outcome from how the steps ended.
func (s *State) outcome() string {
	switch {
	case s.Err != nil && errors.Is(s.Err, ErrCancelled):
		return report.Cancelled
	case s.Err != nil:
		return report.Failed
	case s.Config != nil && s.Config.DryRun:
		return report.DryRun
	}
	return report.Succeeded
}
