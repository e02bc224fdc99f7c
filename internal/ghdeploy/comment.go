package ghdeploy

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-github/v60/github"
)

// MaxCommentBody is GitHub's limit for a comment body, in characters.
const MaxCommentBody = 65536

// needComments is what writing a pull-request comment needs.
var needComments = need{ErrForbidden, "add `permissions: pull-requests: write` to the job " +
	"(`issues: write` works too), or pass a github-token with the Pull requests or Issues write " +
	"permission; pull requests from forks only get a read-only token"}

// UpsertComment keeps one comment on issue (a pull request is an issue too)
// up to date: the comment that carries the hidden marker <!-- marker -->
// gets body, or, when there is none yet, a new comment is created. The
// marker is appended to body, which is cut to fit MaxCommentBody. It returns
// the comment's ID and whether it was created; a comment that already says
// body is left as it is.
//
// Only a comment written by the token's owner is taken over, as far as that
// is known without extra cost: an installation token (ghs_…, the
// GITHUB_TOKEN or a GitHub App's) takes only a comment by a bot, a personal
// or OAuth token (ghp_…, github_pat_…, gho_…, ghu_…) only one by its user,
// who is asked for once (GET /user). With any other token the marker alone
// decides. When several comments qualify, the oldest is updated.
//
// It needs `pull-requests: write` (or `issues: write`); a refusal wraps
// ErrForbidden.
func (c *Client) UpsertComment(ctx context.Context, issue int, marker, body string) (id int64, created bool, err error) {
	if issue <= 0 || marker == "" || strings.Contains(marker, "--") || strings.ContainsAny(marker, "<>\n") {
		return 0, false, fmt.Errorf("comment on #%d: marker %q: want an issue number and a marker without --, <, > or newlines: %w",
			issue, marker, ErrInvalid)
	}
	tag := "<!-- " + marker + " -->"
	full := Truncate(strings.TrimRight(body, "\n"), MaxCommentBody-len([]rune(tag))-2) + "\n\n" + tag
	by := c.commentAuthor(ctx)
	found, err := c.findComment(ctx, issue, tag, by)
	if err != nil {
		return 0, false, err
	}
	if found != nil {
		if found.GetBody() == full {
			return found.GetID(), false, nil
		}
		return found.GetID(), false, c.editComment(ctx, found.GetID(), full)
	}
	what := fmt.Sprintf("comment on #%d in %s/%s", issue, c.opts.Owner, c.opts.Repo)
	uncertain := false // an earlier attempt may have created it
	err = c.callNeeding(ctx, what, needComments, func(ctx context.Context, gh *github.Client) error {
		if uncertain {
			f, err := c.findCommentWith(ctx, gh, issue, tag, by)
			if err != nil {
				return err
			}
			if f != nil {
				c.opts.Warn("%s: an earlier attempt had created comment %d after all; using it", what, f.GetID())
				id, created = f.GetID(), true
				return nil
			}
			uncertain = false
		}
		cm, _, err := gh.Issues.CreateComment(ctx, c.opts.Owner, c.opts.Repo, issue, &github.IssueComment{Body: github.String(full)})
		if err != nil {
			uncertain = mayHaveRun(err)
			return err
		}
		id, created = cm.GetID(), true
		return nil
	})
	if err != nil {
		return 0, false, err
	}
	return id, created, nil
}

// author says whose comments UpsertComment may take over: login, else any
// bot, else (zero) anyone.
type author struct {
	login string
	bot   bool
}

func (a author) wrote(cm *github.IssueComment) bool {
	switch {
	case a.login != "":
		return strings.EqualFold(cm.GetUser().GetLogin(), a.login)
	case a.bot:
		return cm.GetUser().GetType() == "Bot"
	}
	return true
}

// commentAuthor tells from the token's documented prefix who writes the
// comments; only a user token is worth a GET /user. When that fails the
// marker alone decides.
func (c *Client) commentAuthor(ctx context.Context) author {
	tok := c.opts.Token
	if strings.HasPrefix(tok, "ghs_") {
		return author{bot: true}
	}
	user := false
	for _, p := range []string{"ghp_", "github_pat_", "gho_", "ghu_"} {
		user = user || strings.HasPrefix(tok, p)
	}
	if !user {
		return author{}
	}
	var login string
	what := "read the token's user"
	err := c.callNeeding(ctx, what, need{ErrForbidden, "GitHub did not say who owns the token"}, func(ctx context.Context, gh *github.Client) error {
		u, _, err := gh.Users.Get(ctx, "")
		login = u.GetLogin()
		return err
	})
	switch {
	case err != nil:
		c.opts.Warn("%v; matching the comment by its marker alone", err)
		return author{}
	case login == "":
		c.opts.Warn("%s: no login in the answer; matching the comment by its marker alone", what)
		return author{}
	}
	return author{login: login}
}

// findComment looks through every comment on issue for the oldest with tag by by.
func (c *Client) findComment(ctx context.Context, issue int, tag string, by author) (*github.IssueComment, error) {
	var found *github.IssueComment
	what := fmt.Sprintf("list the comments on #%d in %s/%s", issue, c.opts.Owner, c.opts.Repo)
	err := c.callNeeding(ctx, what, needComments, func(ctx context.Context, gh *github.Client) error {
		var err error
		found, err = c.findCommentWith(ctx, gh, issue, tag, by)
		return err
	})
	return found, err
}

// findCommentWith pages through the comments on issue (oldest first) with gh.
func (c *Client) findCommentWith(ctx context.Context, gh *github.Client, issue int, tag string, by author) (*github.IssueComment, error) {
	opts := &github.IssueListCommentsOptions{ListOptions: github.ListOptions{PerPage: listPerPage}}
	for {
		cms, resp, err := gh.Issues.ListComments(ctx, c.opts.Owner, c.opts.Repo, issue, opts)
		if err != nil {
			return nil, err
		}
		for _, cm := range cms {
			if strings.Contains(cm.GetBody(), tag) && by.wrote(cm) {
				return cm, nil
			}
		}
		if resp.NextPage <= opts.Page {
			return nil, nil
		}
		opts.Page = resp.NextPage
	}
}

func (c *Client) editComment(ctx context.Context, id int64, body string) error {
	what := fmt.Sprintf("update comment %d in %s/%s", id, c.opts.Owner, c.opts.Repo)
	return c.callNeeding(ctx, what, needComments, func(ctx context.Context, gh *github.Client) error {
		_, _, err := gh.Issues.EditComment(ctx, c.opts.Owner, c.opts.Repo, id, &github.IssueComment{Body: github.String(body)})
		return err
	})
}
