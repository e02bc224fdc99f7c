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

// State is what a run's steps share: the environment they run in, and one typed result per
// producing step. Each result has one owner (the step named on it) that sets it; later steps
// and the finalizers only read it. The outcome is decided once, when the steps end.
type State struct {
	Getenv func(string) string
	Log    *Log
	Start  time.Time
	Now    func() time.Time

	Config  *config.Config    // Read inputs
	Cluster Cluster           // Connect to Kubernetes
	GitHub  *ghdeploy.Tracker // Prepare GitHub deployment (nil: no GitHub deployment)
	Lock    LockResult        // Acquire release lock, Recover pending release
	Release ReleaseResult     // Inspect release (Before); Deploy, Roll back (After)
	Deploy  DeployResult      // Deploy (or Roll back release), then the Roll back finalizer
	Task    TaskResult        // the tasks other than deploy

	// Err is the error that ended the steps (nil: they all succeeded).
	Err error
	// Outcome is decided once, when the steps end and before any finalizer runs (outcome):
	// report.Succeeded, Failed, Cancelled or DryRun. The finalizers read it; none changes it.
	Outcome  string
	Steps    []StepRecord
	Warnings []string

	tracking     *tracking      // the run's one rollout tracker (nil: no wait)
	probing      *verify.During // verify-url probes during the rollout
	apiStats     *kube.APIStats // HDA_STATS_FILE: requests counted
	trackerStats func() rollout.Stats
	// cancelled is when the run's context ended (the runner's SIGINT); zero while it runs.
	cancelled *cancelClock
	// soft ends when the run is cancelled while the finalizers run: the rollback stops
	// waiting then, and the rest share the CancelBudget deadline.
	soft context.Context
}

// Cluster is what Connect to Kubernetes produced.
type Cluster struct {
	Kube     *kube.Clients
	Login    *cloud.Login // the in-process cluster login (nil: a kubeconfig without plugin)
	Deployer *release.Deployer
}

// LockResult is what Acquire release lock and Recover pending release produced.
type LockResult struct {
	Held      *lock.Held // nil: not taken (dry-run, a task without lock, or a step failed first)
	Wait      time.Duration
	Recovered string // what recovery did, if anything
}

// ReleaseResult is the release before and after this run.
type ReleaseResult struct {
	Before *release.Result // latest stored revision before this run (nil: none)
	After  *release.Result // what Helm stored after this run, also after a failure
}

// DeployPhase is how far the deploy got: the Roll back finalizer decides from it.
type DeployPhase int

const (
	// NotDeployed: Helm was never called (a step before it failed, or a task without deploy).
	NotDeployed DeployPhase = iota
	// Deploying: Helm was called; a failure from here on is a failed revision.
	Deploying
	// HelmBusy: the run was cancelled while Helm was still applying, and moved on without it.
	HelmBusy
	// Deployed: Helm returned (with or without an error).
	Deployed
)

// DeployResult is what the deploy (or the rollback task's rollback) and its remediation did.
type DeployResult struct {
	Phase       DeployPhase
	Failure     *rollout.FailureError // the rollout's diagnosis, when it failed
	Remediation *release.Remediation  // what the Roll back finalizer did, when it acted
}

// TaskResult is what the tasks other than deploy found and did.
type TaskResult struct {
	Uninstalled        *release.Uninstalled // uninstall
	NamespaceDeleted   bool                 // uninstall with delete-namespace
	EnvironmentDeleted bool                 // uninstall with delete-environment
	RollbackTarget     *release.Revision    // rollback: the revision it restores
	History            []release.Revision   // status, rollback: newest first
	Workloads          []kube.Readiness     // status: readiness of the release's workloads
	Diff               *diff.Report         // diff: the comparison
	Done               []string             // what the task did, for the summary
}

// done logs what the task did and keeps it for the summary.
func (s *State) done(format string, args ...any) {
	line := s.Log.Redact(sprintf(format, args...))
	s.Log.Infof("%s", line)
	s.Task.Done = append(s.Task.Done, line)
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
