package ghdeploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/go-github/v60/github"
)

// DeploymentRequest describes the deployment to create.
type DeploymentRequest struct {
	Ref         string
	Environment string
	Description string
	Transient   bool
	// Production overrides GitHub's default (true only for "production").
	Production *bool
	Payload    map[string]any
	// Run identifies the invocation; Create adds it to the payload under
	// MarkerKey.
	Run Run
}

// Create creates a deployment with auto_merge false, no required status
// contexts and task "deploy", and returns its ID. A 202 (GitHub merged the
// default branch instead) wraps ErrMergedBranch, a 409 ErrConflict.
//
// Creating is a POST, and a 5xx or a dropped connection does not say whether
// GitHub stored the deployment. So the payload carries a marker of this Run
// and this call, and before every retry Create lists the deployments of the
// environment at the ref and adopts the one with the marker instead of
// creating a second one, which would never get a status. (A 429 or a rate
// limit is a refusal: GitHub did nothing, and the retry needs no look-up.)
func (c *Client) Create(ctx context.Context, r DeploymentRequest) (int64, error) {
	if r.Ref == "" {
		return 0, fmt.Errorf("create deployment: a ref is required: %w", ErrInvalid)
	}
	req := &github.DeploymentRequest{
		Ref:                  github.String(r.Ref),
		Task:                 github.String("deploy"),
		AutoMerge:            github.Bool(false),
		RequiredContexts:     &[]string{},
		TransientEnvironment: github.Bool(r.Transient),
	}
	if r.Environment != "" {
		req.Environment = github.String(r.Environment)
	}
	if r.Description != "" {
		req.Description = github.String(r.Description)
	}
	if r.Production != nil {
		req.ProductionEnvironment = github.Bool(*r.Production)
	}
	var marker Run
	req.Payload, marker = marked(r.Payload, r.Run)
	what := fmt.Sprintf("create deployment of %s to %q in %s/%s", r.Ref, r.Environment, c.opts.Owner, c.opts.Repo)
	var id int64
	uncertain := false // an earlier attempt may have created it
	err := c.call(ctx, what, func(ctx context.Context, gh *github.Client) error {
		if uncertain {
			found, ok, err := c.findCreated(ctx, gh, r.Environment, r.Ref, marker)
			if err != nil {
				return err
			}
			if ok {
				c.opts.Warn("%s: an earlier attempt had created deployment %d after all; using it", what, found)
				id = found
				return nil
			}
			uncertain = false
		}
		d, _, err := gh.Repositories.CreateDeployment(ctx, c.opts.Owner, c.opts.Repo, req)
		if err != nil {
			uncertain = mayHaveRun(err)
			return err
		}
		id = d.GetID()
		return nil
	})
	if err != nil {
		return 0, explainCreate(err, r.Ref)
	}
	return id, nil
}

// explainCreate adds what to do to the two answers users can act on.
func explainCreate(err error, ref string) error {
	switch {
	case errors.Is(err, ErrMergedBranch):
		return fmt.Errorf("%w; the ref %s was behind its base branch and GitHub merged it in: "+
			"re-run the job to deploy the merged commit, or turn off auto-merge for the repository", err, ref)
	case errors.Is(err, ErrConflict):
		return fmt.Errorf("%w; resolve the conflicts of %s with its base branch, or make the "+
			"required status checks pass, then re-run the job", err, ref)
	}
	return err
}

// Status is one deployment status to post.
type Status struct {
	// State is queued, in_progress, success, failure, error or inactive.
	State string
	// Description is cut to 140 characters.
	Description    string
	EnvironmentURL string
	LogURL         string
	Environment    string
	AutoInactive   bool
}

var validStates = map[string]bool{
	"queued": true, "in_progress": true, "success": true,
	"failure": true, "error": true, "inactive": true, "pending": true,
}

// MaxDescription is GitHub's limit for a status description, in characters.
const MaxDescription = 140

// SetStatus posts a status to deployment id.
func (c *Client) SetStatus(ctx context.Context, id int64, s Status) error {
	if !validStates[s.State] {
		return fmt.Errorf("deployment %d: state %q: %w", id, s.State, ErrInvalid)
	}
	req := &github.DeploymentStatusRequest{
		State:        github.String(s.State),
		Description:  github.String(Truncate(s.Description, MaxDescription)),
		AutoInactive: github.Bool(s.AutoInactive),
	}
	if s.LogURL != "" {
		req.LogURL = github.String(s.LogURL)
	}
	if s.EnvironmentURL != "" {
		req.EnvironmentURL = github.String(s.EnvironmentURL)
	}
	if s.Environment != "" {
		req.Environment = github.String(s.Environment)
	}
	what := fmt.Sprintf("set deployment %d in %s/%s to %s", id, c.opts.Owner, c.opts.Repo, s.State)
	return c.call(ctx, what, func(ctx context.Context, gh *github.Client) error {
		_, _, err := gh.Repositories.CreateDeploymentStatus(ctx, c.opts.Owner, c.opts.Repo, id, req)
		return err
	})
}

// Truncate cuts s to at most n characters (runes), ending in "…" when cut.
// Whitespace runs are kept as they are.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	runes := []rune(s)
	return strings.TrimRight(string(runes[:n-1]), " \t\n") + "…"
}

// message extracts GitHub's "message" from a JSON body, else the body.
func message(raw []byte) string {
	var m struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(raw, &m) == nil && m.Message != "" {
		return m.Message
	}
	if s := strings.TrimSpace(string(raw)); s != "" {
		return s
	}
	return "(no message)"
}
