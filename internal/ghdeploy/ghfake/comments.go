package ghfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"
)

// Comment is an issue or pull-request comment the fake holds. Any issue
// number exists; the fake does not model issues themselves.
type Comment struct {
	ID    int64  `json:"id"`
	Owner string `json:"owner"`
	Repo  string `json:"repo"`
	Issue int    `json:"issue"`
	Body  string `json:"body"`
	// User is the login of the token's owner who wrote it (see actorOf).
	User      string    `json:"user"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Edits counts the updates.
	Edits int `json:"edits"`
}

// maxCommentBody is GitHub's limit for a comment body, in characters.
const maxCommentBody = 65536

const commentDocs = "https://docs.github.com/rest/issues/comments"

// Comments returns copies of the comments on issue, oldest first; issue 0
// returns every comment.
func (s *Server) Comments(issue int) []Comment {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Comment
	for _, c := range s.comments {
		if issue == 0 || c.Issue == issue {
			out = append(out, c)
		}
	}
	return out
}

// commentOp runs an issue-comment operation. The caller holds s.mu.
func (s *Server) commentOp(op, actor, self string, params map[string]string, query url.Values, body []byte) reply {
	owner, repo := params["owner"], params["repo"]
	switch op {
	case "issues/list-comments":
		issue, _ := strconv.Atoi(params["issue_number"])
		list := []any{}
		for _, c := range s.comments { // ascending ID, as GitHub lists them
			if c.Owner == owner && c.Repo == repo && c.Issue == issue {
				list = append(list, renderComment(s.URL, c))
			}
		}
		items, h := page(list, query, self)
		return reply{status: http.StatusOK, header: h, body: items}
	case "issues/create-comment":
		issue, _ := strconv.Atoi(params["issue_number"])
		text, bad := commentBody(body)
		if bad != nil {
			return *bad
		}
		s.nextCommentID++
		c := Comment{ID: s.nextCommentID, Owner: owner, Repo: repo, Issue: issue, Body: text,
			User: actor, CreatedAt: s.now(), UpdatedAt: s.now()}
		s.comments = append(s.comments, c)
		h := http.Header{}
		h.Set("Location", commentURL(s.URL, c))
		return reply{status: http.StatusCreated, header: h, body: renderComment(s.URL, c)}
	}
	i := -1
	for j, c := range s.comments {
		if c.Owner == owner && c.Repo == repo && strconv.FormatInt(c.ID, 10) == params["comment_id"] {
			i = j
		}
	}
	if i < 0 {
		return reply{status: http.StatusNotFound, body: map[string]any{
			"message": "Not Found", "documentation_url": commentDocs, "status": "404"}}
	}
	switch op {
	case "issues/get-comment":
		return reply{status: http.StatusOK, body: renderComment(s.URL, s.comments[i])}
	case "issues/update-comment":
		text, bad := commentBody(body)
		if bad != nil {
			return *bad
		}
		c := &s.comments[i]
		c.Body, c.UpdatedAt = text, s.now()
		c.Edits++
		return reply{status: http.StatusOK, body: renderComment(s.URL, *c)}
	default: // issues/delete-comment
		s.comments = append(s.comments[:i], s.comments[i+1:]...)
		return reply{status: http.StatusNoContent}
	}
}

// commentBody reads {"body": ...}, or says what GitHub would answer instead.
func commentBody(body []byte) (string, *reply) {
	var r struct {
		Body string `json:"body"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return "", &reply{status: http.StatusBadRequest, body: map[string]any{"message": "Problems parsing JSON"}}
	}
	if n := utf8.RuneCountInString(r.Body); n > maxCommentBody {
		return "", &reply{status: http.StatusUnprocessableEntity, body: map[string]any{
			"message":           "Validation Failed",
			"documentation_url": commentDocs,
			"errors": []any{map[string]any{
				"resource": "IssueComment", "field": "body", "code": "custom",
				"message": fmt.Sprintf("body is too long (maximum is %d characters)", maxCommentBody),
			}},
		}}
	}
	return r.Body, nil
}

func commentURL(base string, c Comment) string {
	return fmt.Sprintf("%s/issues/comments/%d", repoURL(base, c.Owner, c.Repo), c.ID)
}

func renderComment(base string, c Comment) map[string]any {
	assoc := "NONE"
	if c.User == UserLogin {
		assoc = "OWNER"
	}
	return map[string]any{
		"id":                       c.ID,
		"node_id":                  nodeID("IssueComment", c.ID),
		"url":                      commentURL(base, c),
		"html_url":                 fmt.Sprintf("%s/%s/%s/issues/%d#issuecomment-%d", base, c.Owner, c.Repo, c.Issue, c.ID),
		"issue_url":                fmt.Sprintf("%s/issues/%d", repoURL(base, c.Owner, c.Repo), c.Issue),
		"body":                     c.Body,
		"user":                     creator(base, c.User),
		"created_at":               stamp(c.CreatedAt),
		"updated_at":               stamp(c.UpdatedAt),
		"author_association":       assoc,
		"performed_via_github_app": nil,
	}
}
