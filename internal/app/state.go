package app

import (
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/config"
	"github.com/helmdeploy/helm-deploy-action/internal/ghdeploy"
	"github.com/helmdeploy/helm-deploy-action/internal/kube"
	"github.com/helmdeploy/helm-deploy-action/internal/lock"
	"github.com/helmdeploy/helm-deploy-action/internal/release"
	"github.com/helmdeploy/helm-deploy-action/internal/rollout"
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
	Deployer *release.Deployer
	Before   *release.Result // latest stored revision before this run (nil: none)
	Result   *release.Result // what Helm stored after this run, also after a failure

	Lock      *lock.Held // nil until acquired (and for dry-run)
	LockWait  time.Duration
	Recovered string            // what recovery did, if anything
	GitHub    *ghdeploy.Tracker // nil: no GitHub deployment

	Failure       *rollout.FailureError // the rollout's diagnosis, when it failed
	DeployStarted bool                  // Helm was called: a failure from here on is a rollout failure

	Err      error
	Steps    []StepRecord
	Warnings []string
}

func (s *State) warn(format string, args ...any) {
	s.Log.Warningf(format, args...)
	s.Warnings = append(s.Warnings, s.Log.Redact(sprintf(format, args...)))
}
