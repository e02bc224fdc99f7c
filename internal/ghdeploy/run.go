package ghdeploy

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"

	"github.com/google/go-github/v60/github"
)

// MarkerKey is the payload key of the Run that created a deployment.
const MarkerKey = "helm_deploy_run"

// Run identifies one invocation of the action: GITHUB_RUN_ID,
// GITHUB_RUN_ATTEMPT, GITHUB_JOB and GITHUB_ACTION (the step), plus a nonce
// drawn for each Create, because the legs of a matrix share the job name
// and one job may run the action more than once.
type Run struct {
	ID      string `json:"run_id"`
	Attempt string `json:"run_attempt"`
	Job     string `json:"job"`
	Step    string `json:"step,omitempty"`
	Nonce   string `json:"nonce,omitempty"`
}

// marked returns a copy of payload with run (given a nonce if it has none)
// under MarkerKey, and the marker itself.
func marked(payload map[string]any, run Run) (map[string]any, Run) {
	if run.Nonce == "" {
		var b [8]byte
		_, _ = rand.Read(b[:]) // never fails (crypto/rand since Go 1.24)
		run.Nonce = hex.EncodeToString(b[:])
	}
	out := maps.Clone(payload)
	if out == nil {
		out = map[string]any{}
	}
	out[MarkerKey] = run
	return out, run
}

// markerOf reads the Run under MarkerKey from a deployment's payload, which
// GitHub returns as an object, or as a string when one was sent.
func markerOf(payload json.RawMessage) (Run, bool) {
	var s string
	if json.Unmarshal(payload, &s) == nil {
		payload = json.RawMessage(s)
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(payload, &m) != nil || m[MarkerKey] == nil {
		return Run{}, false
	}
	var run Run
	if json.Unmarshal(m[MarkerKey], &run) != nil {
		return Run{}, false
	}
	return run, true
}

// createdPerPage is how many of the environment's deployments at the ref are
// searched for one a failed attempt created; GitHub lists the newest first.
const createdPerPage = 30

// findCreated looks for the deployment of env at ref whose payload carries
// marker: one an earlier attempt of the same Create made although its answer
// was a 5xx or never arrived.
func (c *Client) findCreated(ctx context.Context, gh *github.Client, env, ref string, marker Run) (int64, bool, error) {
	if env == "" {
		env = "production" // GitHub's default
	}
	deps, _, err := gh.Repositories.ListDeployments(ctx, c.opts.Owner, c.opts.Repo, &github.DeploymentsListOptions{
		Ref: ref, Environment: env, ListOptions: github.ListOptions{PerPage: createdPerPage},
	})
	if err != nil {
		return 0, false, fmt.Errorf("look for a deployment made by an earlier attempt: %w", err)
	}
	for _, d := range deps {
		if m, ok := markerOf(d.Payload); ok && m == marker {
			return d.GetID(), true, nil
		}
	}
	return 0, false, nil
}

// mayHaveRun says whether GitHub may have carried out a request that failed
// with err: after a 5xx or without an answer it may have; after any other
// answer (4xx, rate limits, 202) it did not.
func mayHaveRun(err error) bool {
	var resp *github.ErrorResponse
	switch {
	case errors.As(err, new(*github.RateLimitError)),
		errors.As(err, new(*github.AbuseRateLimitError)),
		errors.As(err, new(*github.AcceptedError)):
		return false
	case errors.As(err, &resp) && resp.Response != nil:
		return resp.Response.StatusCode >= 500
	}
	return true
}
