package ghdeploy

import (
	"context"
	"fmt"

	"github.com/google/go-github/v60/github"
)

// activeStates are the states of a deployment that is still running: the one a job with
// `environment:` gets from GitHub when it starts is queued or in_progress until the job ends.
var activeStates = map[string]bool{"queued": true, "in_progress": true, "pending": true}

// FindActive looks for a deployment of environment env at commit sha that is still running
// (its latest status is queued, in_progress or pending, or it has none yet). That is the
// deployment GitHub creates for a job that sets `environment:`; creating a second one would
// show a duplicate. It checks the newest few deployments only.
func (c *Client) FindActive(ctx context.Context, sha, env string) (int64, bool, error) {
	if sha == "" || env == "" {
		return 0, false, nil
	}
	var deps []*github.Deployment
	what := fmt.Sprintf("list deployments of %s/%s for %s at %.12s", c.opts.Owner, c.opts.Repo, env, sha)
	err := c.call(ctx, what, func(ctx context.Context, gh *github.Client) error {
		var err error
		deps, _, err = gh.Repositories.ListDeployments(ctx, c.opts.Owner, c.opts.Repo, &github.DeploymentsListOptions{
			SHA: sha, Environment: env, ListOptions: github.ListOptions{PerPage: 5},
		})
		return err
	})
	if err != nil {
		return 0, false, err
	}
	for _, d := range deps {
		var sts []*github.DeploymentStatus
		err := c.call(ctx, fmt.Sprintf("list statuses of deployment %d", d.GetID()), func(ctx context.Context, gh *github.Client) error {
			var err error
			sts, _, err = gh.Repositories.ListDeploymentStatuses(ctx, c.opts.Owner, c.opts.Repo, d.GetID(), &github.ListOptions{PerPage: 1})
			return err
		})
		if err != nil {
			return 0, false, err
		}
		if len(sts) == 0 || activeStates[sts[0].GetState()] {
			return d.GetID(), true, nil
		}
	}
	return 0, false, nil
}
