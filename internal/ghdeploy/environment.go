package ghdeploy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/google/go-github/v60/github"
)

// DeactivatedDescription is the description of the inactive statuses
// DeactivateEnvironment posts.
const DeactivatedDescription = "Deactivated: the environment was torn down"

// listPerPage is GitHub's largest page.
const listPerPage = 100

// deactivate are the latest states DeactivateEnvironment replaces with
// inactive: GitHub shows the latest success as the environment's active
// deployment, and a queued, pending or in-progress one (or one without any
// status, which GitHub calls pending) as still under way.
var deactivate = map[string]bool{"": true, "success": true, "in_progress": true, "queued": true, "pending": true}

// needAdministration is what deleting an environment needs.
var needAdministration = need{ErrForbidden, "deleting an environment needs a token with the repository " +
	`"Administration: write" permission: a fine-grained personal access token or a GitHub App ` +
	"installation token that has it, or a personal access token (classic) with the repo scope " +
	"whose owner is an admin of the repository; the workflow's GITHUB_TOKEN can never delete " +
	"environments, whatever the job's `permissions:` say"}

// DeactivateEnvironment posts an inactive status (DeactivatedDescription) on
// every deployment of env whose latest status is success, in_progress, queued
// or pending, or that has no status at all, so that GitHub no longer shows
// the environment as active. Deployments whose latest status is failure or
// error are left alone: GitHub does not show them as active and their status
// says what went wrong; inactive ones need nothing.
//
// It lists every deployment of env (100 a page, newest first) and then reads
// the latest status of each, one call per deployment, so an environment with
// hundreds of deployments costs hundreds of calls. Other environments are not
// touched. It returns the IDs it deactivated, newest first, also when it
// stops at an error. It needs `deployments: write`; a refusal wraps
// ErrPermission.
func (c *Client) DeactivateEnvironment(ctx context.Context, env string) (deactivated []int64, err error) {
	if env == "" {
		// An empty filter would list the deployments of every environment.
		return nil, fmt.Errorf("deactivate environment: an environment name is required: %w", ErrInvalid)
	}
	ids, err := c.environmentDeployments(ctx, env)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		state, err := c.latestState(ctx, id)
		if err != nil {
			return deactivated, err
		}
		if !deactivate[state] {
			continue
		}
		if err := c.SetStatus(ctx, id, Status{State: "inactive", Description: DeactivatedDescription}); err != nil {
			return deactivated, err
		}
		deactivated = append(deactivated, id)
	}
	return deactivated, nil
}

// environmentDeployments lists the IDs of every deployment of env, newest first.
func (c *Client) environmentDeployments(ctx context.Context, env string) ([]int64, error) {
	var ids []int64
	for page := 1; page > 0; {
		what := fmt.Sprintf("list deployments of %s/%s in %s (page %d)", c.opts.Owner, c.opts.Repo, env, page)
		next := 0
		err := c.call(ctx, what, func(ctx context.Context, gh *github.Client) error {
			deps, resp, err := gh.Repositories.ListDeployments(ctx, c.opts.Owner, c.opts.Repo, &github.DeploymentsListOptions{
				Environment: env, ListOptions: github.ListOptions{PerPage: listPerPage, Page: page},
			})
			if err != nil {
				return err
			}
			for _, d := range deps {
				ids = append(ids, d.GetID())
			}
			next = resp.NextPage
			return nil
		})
		if err != nil {
			return nil, err
		}
		if next <= page { // the last page, or a Link header that would loop
			break
		}
		page = next
	}
	return ids, nil
}

// latestState is the state of a deployment's newest status, "" without any.
func (c *Client) latestState(ctx context.Context, id int64) (string, error) {
	var state string
	what := fmt.Sprintf("read the latest status of deployment %d in %s/%s", id, c.opts.Owner, c.opts.Repo)
	err := c.call(ctx, what, func(ctx context.Context, gh *github.Client) error {
		sts, _, err := gh.Repositories.ListDeploymentStatuses(ctx, c.opts.Owner, c.opts.Repo, id, &github.ListOptions{PerPage: 1})
		if err != nil {
			return err
		}
		state = ""
		if len(sts) > 0 { // newest first
			state = sts[0].GetState()
		}
		return nil
	})
	return state, err
}

// DeleteEnvironment deletes env, its protection rules and secrets, and
// returns nil when env does not exist (already deleted). It needs the
// repository "Administration: write" permission, which the workflow's
// GITHUB_TOKEN never has: GitHub's 403 becomes an error wrapping ErrForbidden
// that says so.
//
// GitHub also answers 404 when the token's owner may not administer the
// repository, so a 404 is checked with two reads: if the environment can
// still be read, or the repository's environments cannot be listed, the
// answer meant "not allowed" (ErrForbidden); if they can be listed without
// it, it is gone and DeleteEnvironment returns nil.
func (c *Client) DeleteEnvironment(ctx context.Context, env string) error {
	if env == "" {
		return fmt.Errorf("delete environment: an environment name is required: %w", ErrInvalid)
	}
	name := url.PathEscape(env) // go-github does not escape it; a "/" must be %2F
	what := fmt.Sprintf("delete environment %q of %s/%s", env, c.opts.Owner, c.opts.Repo)
	missing := false
	err := c.callNeeding(ctx, what, needAdministration, func(ctx context.Context, gh *github.Client) error {
		_, err := gh.Repositories.DeleteEnvironment(ctx, c.opts.Owner, c.opts.Repo, name)
		missing = statusOf(err) == http.StatusNotFound
		if missing {
			return nil
		}
		return err
	})
	if err != nil || !missing {
		return err
	}
	exists, err := c.environmentExists(ctx, env)
	if err != nil {
		return fmt.Errorf("%s: GitHub answered 404, and checking whether the environment exists failed: %w", what, err)
	}
	if exists {
		return fmt.Errorf("%s: %w (HTTP 404 although the environment exists): %s", what, ErrForbidden, needAdministration.hint)
	}
	return nil
}

// environmentExists reads env; when that answers 404 it lists the
// repository's environments to tell "no such environment" (nil) from "the
// token cannot see the repository" (an error wrapping ErrForbidden).
func (c *Client) environmentExists(ctx context.Context, env string) (bool, error) {
	found := true
	what := fmt.Sprintf("read environment %q of %s/%s", env, c.opts.Owner, c.opts.Repo)
	err := c.callNeeding(ctx, what, needAdministration, func(ctx context.Context, gh *github.Client) error {
		_, _, err := gh.Repositories.GetEnvironment(ctx, c.opts.Owner, c.opts.Repo, url.PathEscape(env))
		found = statusOf(err) != http.StatusNotFound
		if !found {
			return nil
		}
		return err
	})
	if err != nil || found {
		return found, err
	}
	what = fmt.Sprintf("list the environments of %s/%s", c.opts.Owner, c.opts.Repo)
	err = c.callNeeding(ctx, what, needAdministration, func(ctx context.Context, gh *github.Client) error {
		_, _, err := gh.Repositories.ListEnvironments(ctx, c.opts.Owner, c.opts.Repo, &github.EnvironmentListOptions{
			ListOptions: github.ListOptions{PerPage: 1},
		})
		return err
	})
	return false, err
}

// statusOf is the HTTP status of a go-github error, 0 for none.
func statusOf(err error) int {
	var resp *github.ErrorResponse
	if errors.As(err, &resp) && resp.Response != nil {
		return resp.Response.StatusCode
	}
	return 0
}
