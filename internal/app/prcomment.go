package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/helmdeploy/helm-deploy-action/internal/ghdeploy"
	"github.com/helmdeploy/helm-deploy-action/internal/report"
)

// maxCommentDiff bounds the diff text in a pull-request comment (GitHub takes 65536 characters).
const maxCommentDiff = 48 << 10

// commentDiff posts the diff as one pull-request comment per release, namespace and
// environment, updated in place on the next run (pr-comment: true).
type commentDiff struct{}

func (commentDiff) String() string { return "Comment on pull request" }

func (commentDiff) Run(ctx context.Context, s *State) error {
	c := s.Config
	if !c.Change.PRComment || s.Task.Diff == nil {
		s.Log.Infof("pr-comment is false: no pull-request comment")
		return nil
	}
	pr := pullRequestNumber(s.Getenv("GITHUB_EVENT_PATH"))
	if pr == 0 {
		s.warn("pr-comment: this run is not for a pull request (event %s): no comment", s.Getenv("GITHUB_EVENT_NAME"))
		return nil
	}
	client, why := githubClient(s)
	if client == nil {
		s.warn("pr-comment: %s: no comment", why)
		return nil
	}
	body := s.Log.Redact(report.DiffComment(s.summary(), maxCommentDiff))
	marker := fmt.Sprintf("helm-deploy-action diff %s/%s env=%s", c.Namespace, c.Release, c.GitHub.Environment)
	id, created, err := client.UpsertComment(ctx, pr, marker, body)
	switch {
	case errors.Is(err, ghdeploy.ErrForbidden):
		s.warn("pr-comment: %v", err)
	case err != nil:
		s.warn("pr-comment: %v", err)
	case created:
		s.done("commented the diff on pull request #%d (comment %d)", pr, id)
	default:
		s.done("updated the diff comment %d on pull request #%d", id, pr)
	}
	return nil
}

// pullRequestNumber reads the pull request's number from the event payload (pull_request and
// pull_request_target events); 0 when there is none.
func pullRequestNumber(path string) int {
	if path == "" {
		return 0
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	var ev struct {
		Number      int `json:"number"`
		PullRequest struct {
			Number int `json:"number"`
		} `json:"pull_request"`
	}
	if json.Unmarshal(b, &ev) != nil {
		return 0
	}
	if ev.PullRequest.Number != 0 {
		return ev.PullRequest.Number
	}
	return ev.Number
}
