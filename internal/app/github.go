package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/ghdeploy"
	"github.com/helmdeploy/helm-deploy-action/internal/report"
)

// prepareGitHub sets up the GitHub Deployment tracker. It makes no call: the deployment is
// created on the first status (queued or in_progress).
type prepareGitHub struct{}

func (prepareGitHub) String() string { return "Prepare GitHub deployment" }

// githubClient is the GitHub client of the run, or nil and the reason there is none.
func githubClient(s *State) (*ghdeploy.Client, string) {
	g := s.Config.GitHub
	owner, repo, _ := strings.Cut(s.Getenv("GITHUB_REPOSITORY"), "/")
	switch {
	case g.Token == "":
		return nil, "github-token is empty"
	case owner == "" || repo == "":
		return nil, "GITHUB_REPOSITORY is not set"
	}
	client, err := ghdeploy.New(ghdeploy.Options{
		Token: g.Token, APIURL: s.Getenv("GITHUB_API_URL"), ServerURL: s.Getenv("GITHUB_SERVER_URL"),
		Owner: owner, Repo: repo, MaxElapsed: 20 * time.Second,
		Warn: func(format string, args ...any) { s.Log.Infof("GitHub: "+format, args...) },
	})
	if err != nil {
		s.warn("GitHub disabled: %v", err)
		return nil, "GitHub is disabled"
	}
	return client, ""
}

func (prepareGitHub) Run(ctx context.Context, s *State) error {
	g := s.Config.GitHub
	switch {
	case s.Config.DryRun:
		s.Log.Infof("dry-run: no GitHub deployment")
		return nil
	case g.CreateDeployment == "false":
		s.Log.Infof("create-deployment is false: no GitHub deployment")
		return nil
	}
	client, why := githubClient(s)
	if client == nil {
		s.Log.Infof("%s: no GitHub deployment", why)
		return nil
	}
	owner, repo, _ := strings.Cut(s.Getenv("GITHUB_REPOSITORY"), "/")
	env := g.Environment
	if g.CreateDeployment == "auto" {
		lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		id, found, err := client.FindActive(lctx, thisRun(s.Getenv), env)
		cancel()
		if err != nil {
			s.Log.Infof("could not look for a deployment made by the job's own environment (%v); creating one", err)
		}
		if found {
			s.warn("this job's `environment: %s` already created GitHub deployment %d, so no second one is created. "+
				"To let this action own it (queued while waiting for the lock, the failure reason, the environment URL), "+
				"use `environment: {name: %s, deployment: false}` in the job, or set create-deployment: true", env, id, env)
			return nil
		}
	}
	req := ghdeploy.DeploymentRequest{
		Ref: g.Ref, Environment: env, Description: g.Description,
		Transient: g.Transient, Production: g.Production,
		Payload: map[string]any{
			"release": s.Config.Release, "namespace": s.Config.Namespace,
			"chart": s.Config.Chart.Ref, "chart_version": s.Config.Chart.Version,
			"run_url": runURL(s.Getenv), "tool": "helm-deploy-action",
		},
		Run: thisRun(s.Getenv),
	}
	if t := s.Task.RollbackTarget; t != nil {
		// A rollback deploys an earlier revision: say which, with its chart and app version.
		req.Payload["chart"], req.Payload["chart_version"], req.Payload["rollback_to"] = t.Chart, t.ChartVersion, t.Revision
		if req.Description == "" {
			req.Description = fmt.Sprintf("Roll back %s to revision %d: chart %s-%s, app %s", s.Config.Release, t.Revision, t.Chart, t.ChartVersion, t.AppVersion)
		}
	}
	s.GitHub = ghdeploy.NewTracker(client, req, runURL(s.Getenv), g.EnvironmentURL, g.AutoInactive, s.Log.Warningf)
	s.Log.Infof("GitHub deployment to environment %q of %s/%s at ref %s (%s)", env, owner, repo, g.Ref, g.RefFrom)
	return nil
}

// reportGitHub posts the final deployment status: success, failure (the rollout failed) or
// error (the action failed or was cancelled). It runs with a context that outlives a cancel.
type reportGitHub struct{}

func (reportGitHub) String() string { return "Report GitHub deployment" }

func (reportGitHub) Run(ctx context.Context, s *State) error {
	t := s.GitHub
	if t == nil {
		return nil
	}
	outcome := s.Outcome
	if outcome == "" {
		outcome = s.outcome()
	}
	switch {
	case outcome == report.Succeeded || outcome == report.DryRun:
		t.Success(ctx)
	case outcome == report.Cancelled:
		if t.ID() != 0 || s.Deploy.Phase != NotDeployed {
			t.Error(ctx, "Cancelled")
		}
	case s.Deploy.Phase != NotDeployed:
		t.Failure(ctx, githubReason(s))
	case t.ID() != 0:
		t.Error(ctx, githubReason(s))
	}
	if id := t.ID(); id != 0 {
		s.Log.Infof("GitHub deployment %d: %s", id, t.URL())
	}
	for _, w := range t.Warnings() {
		s.Warnings = append(s.Warnings, s.Log.Redact(w))
	}
	return nil
}

// githubReason is the status description posted to GitHub, where anyone who can read the
// repository sees it. It is composed of our own words and object names only (the rollout's
// brief diagnosis, or the step that failed), never of error texts that may quote a workload,
// a rendered manifest or a secret, and it is redacted in every encoding the masker knows.
func githubReason(s *State) string {
	if s.Deploy.Failure != nil {
		return s.Log.Redact(s.Deploy.Failure.Brief())
	}
	step := "The deploy"
	for _, r := range s.Steps {
		if r.Err != nil {
			step = r.Name
		}
	}
	return s.Log.Redact(step + " failed; the reason is in the run's log")
}

// thisRun identifies this invocation to GitHub: run, attempt, job and step.
func thisRun(g func(string) string) ghdeploy.Run {
	return ghdeploy.Run{ID: g("GITHUB_RUN_ID"), Attempt: g("GITHUB_RUN_ATTEMPT"), Job: g("GITHUB_JOB"), Step: g("GITHUB_ACTION")}
}

func (s *State) ghQueued(ctx context.Context) {
	if s.GitHub != nil {
		s.GitHub.Queued(ctx)
	}
}

func (s *State) ghInProgress(ctx context.Context) {
	if s.GitHub != nil {
		s.GitHub.InProgress(ctx)
	}
}
