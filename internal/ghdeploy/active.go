package ghdeploy

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/google/go-github/v60/github"
)

// activeStates are the states of a deployment that is still running: the one a job with
// `environment:` gets from GitHub when it starts is queued or in_progress until the job ends.
var activeStates = map[string]bool{"queued": true, "in_progress": true, "pending": true}

// actionsBot is the creator GitHub records for the deployment of a job's `environment:`.
const actionsBot = "github-actions[bot]"

// How many of the environment's newest deployments are examined, and how many statuses of each.
const (
	jobDeploymentsPerPage = 10
	jobStatusesPerPage    = 10
)

// FindActive looks for the deployment GitHub made for this job's own `environment:` env,
// so that the action does not create a second one. The runner exposes neither that
// deployment's ID nor the job's start time, so the deployment is recognised by what GitHub
// puts in it, and only one that passes every test is adopted:
//
//   - its creator is github-actions[bot] (deployments made with a personal token are not it);
//   - its payload is empty ("" or {}), which rules out deployments made by this action (they
//     carry MarkerKey) or by any other tool that sends a payload;
//   - its latest status is queued, in_progress or pending: the job is still running;
//   - one of its statuses links (log_url or target_url) to this run: the path holds
//     /actions/runs/<run.ID> followed by "/" or nothing, and if the link names an attempt
//     (/attempts/<n>), n is run.Attempt.
//
// A deployment without statuses, another run's (even of the same workflow at the same
// commit) or an earlier attempt's is never adopted. Without run.ID nothing is.
func (c *Client) FindActive(ctx context.Context, run Run, env string) (int64, bool, error) {
	if run.ID == "" || env == "" {
		return 0, false, nil
	}
	var deps []*github.Deployment
	what := fmt.Sprintf("list deployments of %s/%s in %s", c.opts.Owner, c.opts.Repo, env)
	err := c.call(ctx, what, func(ctx context.Context, gh *github.Client) error {
		var err error
		deps, _, err = gh.Repositories.ListDeployments(ctx, c.opts.Owner, c.opts.Repo, &github.DeploymentsListOptions{
			Environment: env, ListOptions: github.ListOptions{PerPage: jobDeploymentsPerPage},
		})
		return err
	})
	if err != nil {
		return 0, false, err
	}
	for _, d := range deps {
		if !strings.EqualFold(d.GetCreator().GetLogin(), actionsBot) || !emptyPayload(d.Payload) {
			continue
		}
		var sts []*github.DeploymentStatus
		err := c.call(ctx, fmt.Sprintf("list statuses of deployment %d", d.GetID()), func(ctx context.Context, gh *github.Client) error {
			var err error
			sts, _, err = gh.Repositories.ListDeploymentStatuses(ctx, c.opts.Owner, c.opts.Repo, d.GetID(),
				&github.ListOptions{PerPage: jobStatusesPerPage})
			return err
		})
		if err != nil {
			return 0, false, err
		}
		if len(sts) == 0 || !activeStates[sts[0].GetState()] { // newest first
			continue
		}
		for _, st := range sts {
			if run.links(st.GetLogURL()) || run.links(st.GetTargetURL()) {
				return d.GetID(), true, nil
			}
		}
	}
	return 0, false, nil
}

// emptyPayload: GitHub stores "" when no payload was sent; {} and null count as empty too.
func emptyPayload(raw json.RawMessage) bool {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		s = strings.TrimSpace(s)
		return s == "" || s == "{}"
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) == nil {
		return len(m) == 0
	}
	return len(bytes.TrimSpace(raw)) == 0
}

// links says whether link points at this run: .../actions/runs/<ID>[/...], and when it names
// an attempt (.../attempts/<n>), that is this attempt.
func (r Run) links(link string) bool {
	u, err := url.Parse(link)
	if err != nil || r.ID == "" {
		return false
	}
	segs := strings.Split(strings.Trim(u.Path, "/"), "/")
	for i := 0; i+2 < len(segs); i++ {
		if segs[i] != "actions" || segs[i+1] != "runs" {
			continue
		}
		if segs[i+2] != r.ID {
			return false
		}
		rest := segs[i+3:]
		if len(rest) >= 2 && rest[0] == "attempts" && r.Attempt != "" && rest[1] != r.Attempt {
			return false
		}
		return true
	}
	return false
}
