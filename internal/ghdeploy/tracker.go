package ghdeploy

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// Order of the states a Tracker moves through; it never moves back.
const (
	rankNone = iota
	rankQueued
	rankInProgress
	rankFinal
)

// Tracker follows one deploy: it creates the deployment lazily on its first
// call, posts each state at most once and nothing after a final state, and
// turns every GitHub failure into a warning. A nil Client disables it.
type Tracker struct {
	c            *Client
	req          DeploymentRequest
	logURL       string
	envURL       string
	autoInactive bool
	warn         func(format string, args ...any)

	mu       sync.Mutex
	id       int64
	rank     int
	disabled bool // creating failed, or the token may not write deployments
	degraded bool // GitHub did not answer in time: only the final state is still tried
	warnings []string
}

// NewTracker prepares a Tracker; nothing is sent until the first state.
func NewTracker(c *Client, req DeploymentRequest, logURL, envURL string, autoInactive bool, warn func(format string, args ...any)) *Tracker {
	if warn == nil {
		warn = func(string, ...any) {}
	}
	return &Tracker{c: c, req: req, logURL: logURL, envURL: envURL, autoInactive: autoInactive, warn: warn}
}

// Queued: the deploy waits for the release lock.
func (t *Tracker) Queued(ctx context.Context) {
	t.post(ctx, rankQueued, Status{State: "queued", Description: "Waiting for the release lock"})
}

// InProgress: Helm is running.
func (t *Tracker) InProgress(ctx context.Context) {
	t.post(ctx, rankInProgress, Status{State: "in_progress", Description: "Deploying with Helm"})
}

// Success: the release is deployed and ready; posts environment_url.
func (t *Tracker) Success(ctx context.Context) {
	desc := t.req.Description
	if desc == "" {
		desc = "Deployed"
	}
	t.post(ctx, rankFinal, Status{State: "success", Description: desc, EnvironmentURL: t.envURL})
}

// Failure: the rollout failed; reason becomes the description.
func (t *Tracker) Failure(ctx context.Context, reason string) {
	t.post(ctx, rankFinal, Status{State: "failure", Description: reason})
}

// Error: the action itself failed or was cancelled.
func (t *Tracker) Error(ctx context.Context, reason string) {
	t.post(ctx, rankFinal, Status{State: "error", Description: reason})
}

// ID is the deployment's ID, 0 until it was created.
func (t *Tracker) ID() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.id
}

// URL links to the environment's deployments on GitHub once the deployment
// exists, else to the repository's deployments page; "" when disabled.
func (t *Tracker) URL() string {
	if t.c == nil {
		return ""
	}
	if t.ID() != 0 {
		return t.c.EnvironmentURL(t.req.Environment)
	}
	return t.c.EnvironmentURL("")
}

// Warnings lists what went wrong talking to GitHub.
func (t *Tracker) Warnings() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.warnings...)
}

func (t *Tracker) post(ctx context.Context, rank int, s Status) {
	if t.c == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.disabled || rank <= t.rank || (t.degraded && rank != rankFinal) {
		return
	}
	t.rank = rank
	if rank == rankFinal {
		// The final state gets what is left of the caller's deadline (after a cancel, the
		// run's one deadline), at most MaxElapsed; a context already ended posts nothing.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t.c.opts.MaxElapsed)
		defer cancel()
	}
	if t.id == 0 {
		id, err := t.c.Create(ctx, t.req)
		if errors.Is(err, context.Canceled) && rank != rankFinal {
			return // the final state follows, with a context of its own
		}
		if err != nil {
			t.disabled = true
			t.warnf("could not create the GitHub deployment, the deploy goes on without it: %v", err)
			return
		}
		t.id = id
	}
	s.LogURL = t.logURL
	s.Environment = t.req.Environment
	s.AutoInactive = t.autoInactive
	if err := t.c.SetStatus(ctx, t.id, s); err != nil {
		switch {
		case errors.Is(err, ErrPermission):
			t.disabled = true
		case errors.Is(err, context.Canceled) && rank != rankFinal:
			return // the final state follows and says why
		default:
			t.degraded = true
		}
		t.warnf("could not set GitHub deployment %d to %s: %v", t.id, s.State, err)
	}
}

func (t *Tracker) warnf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	t.warnings = append(t.warnings, msg)
	t.warn("%s", msg)
}
