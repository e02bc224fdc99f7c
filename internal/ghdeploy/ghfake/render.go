package ghfake

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Logins the fake attributes deployments and statuses to.
const (
	// BotLogin owns installation tokens (ghs_…, the GITHUB_TOKEN).
	BotLogin = "github-actions[bot]"
	// UserLogin owns personal access tokens (ghp_…, github_pat_…, gho_…).
	UserLogin = "octocat"
)

// actorOf says who a request's token belongs to, as GitHub records it as
// the creator: the Actions bot for an installation token or none, a user
// for a personal or OAuth token.
func actorOf(h http.Header) string {
	tok := strings.TrimSpace(h.Get("Authorization"))
	if i := strings.IndexByte(tok, ' '); i >= 0 {
		tok = strings.TrimSpace(tok[i+1:])
	}
	for _, p := range []string{"ghp_", "github_pat_", "gho_", "ghu_"} {
		if strings.HasPrefix(tok, p) {
			return UserLogin
		}
	}
	return BotLogin
}

// creator renders the simple-user of login, with every field the
// description requires.
func creator(base, login string) map[string]any {
	id, node, avatar, html, kind := 41898282, "MDM6Qm90NDE4OTgyODI=", "https://avatars.githubusercontent.com/in/15368?v=4",
		"https://github.com/apps/github-actions", "Bot"
	if login != BotLogin {
		login = UserLogin
		id, node, avatar, html, kind = 583231, "MDQ6VXNlcjU4MzIzMQ==", "https://avatars.githubusercontent.com/u/583231?v=4",
			"https://github.com/octocat", "User"
	}
	user := base + "/users/" + url.PathEscape(login)
	return map[string]any{
		"login":               login,
		"id":                  id,
		"node_id":             node,
		"avatar_url":          avatar,
		"gravatar_id":         "",
		"url":                 user,
		"html_url":            html,
		"followers_url":       user + "/followers",
		"following_url":       user + "/following{/other_user}",
		"gists_url":           user + "/gists{/gist_id}",
		"starred_url":         user + "/starred{/owner}{/repo}",
		"subscriptions_url":   user + "/subscriptions",
		"organizations_url":   user + "/orgs",
		"repos_url":           user + "/repos",
		"events_url":          user + "/events{/privacy}",
		"received_events_url": user + "/received_events",
		"type":                kind,
		"site_admin":          false,
	}
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func nodeID(kind string, id int64) string {
	return base64.RawStdEncoding.EncodeToString(fmt.Appendf(nil, "%s%d", kind, id))
}

func repoURL(base, owner, repo string) string {
	return fmt.Sprintf("%s/repos/%s/%s", base, owner, repo)
}

func deploymentURL(base string, d Deployment) string {
	return fmt.Sprintf("%s/deployments/%d", repoURL(base, d.Owner, d.Repo), d.ID)
}

func renderDeployment(base string, d Deployment) map[string]any {
	updated := d.CreatedAt
	if n := len(d.Statuses); n > 0 {
		updated = d.Statuses[n-1].CreatedAt
	}
	var desc any
	if d.Description != nil {
		desc = *d.Description
	}
	return map[string]any{
		"url":                      deploymentURL(base, d),
		"id":                       d.ID,
		"node_id":                  nodeID("Deployment", d.ID),
		"sha":                      d.SHA,
		"ref":                      d.Ref,
		"task":                     d.Task,
		"payload":                  d.Payload,
		"original_environment":     d.Environment,
		"environment":              d.Environment,
		"description":              desc,
		"creator":                  creator(base, d.Creator),
		"created_at":               stamp(d.CreatedAt),
		"updated_at":               stamp(updated),
		"statuses_url":             deploymentURL(base, d) + "/statuses",
		"repository_url":           repoURL(base, d.Owner, d.Repo),
		"transient_environment":    d.TransientEnvironment,
		"production_environment":   d.ProductionEnvironment,
		"performed_via_github_app": nil,
	}
}

func statusURL(base string, d Deployment, s DeploymentStatus) string {
	return fmt.Sprintf("%s/statuses/%d", deploymentURL(base, d), s.ID)
}

func renderStatus(base string, d Deployment, s DeploymentStatus) map[string]any {
	return map[string]any{
		"url":                      statusURL(base, d, s),
		"id":                       s.ID,
		"node_id":                  nodeID("DeploymentStatus", s.ID),
		"state":                    s.State,
		"creator":                  creator(base, s.Creator),
		"description":              s.Description,
		"environment":              s.Environment,
		"target_url":               s.TargetURL,
		"log_url":                  s.LogURL,
		"environment_url":          s.EnvironmentURL,
		"created_at":               stamp(s.CreatedAt),
		"updated_at":               stamp(s.CreatedAt),
		"deployment_url":           deploymentURL(base, d),
		"repository_url":           repoURL(base, d.Owner, d.Repo),
		"performed_via_github_app": nil,
	}
}

const docsBase = "https://docs.github.com/rest/deployments/"

func notFound(doc string) map[string]any {
	return map[string]any{"message": "Not Found", "documentation_url": docsBase + doc, "status": "404"}
}

func validationFailed(doc, resource, field, code, message string) map[string]any {
	return map[string]any{
		"message":           "Validation Failed",
		"documentation_url": docsBase + doc,
		"errors": []any{map[string]any{
			"resource": resource, "field": field, "code": code, "message": message,
		}},
	}
}

// renderPublicUser is the public-user view of GET /user, with every field
// the description requires.
func renderPublicUser(base, login string, now time.Time) map[string]any {
	u := creator(base, login)
	for k, v := range map[string]any{
		"name": "The Octocat", "company": nil, "blog": "", "location": nil, "email": nil,
		"hireable": nil, "bio": nil, "public_repos": 8, "public_gists": 8, "followers": 0, "following": 0,
		"created_at": "2011-01-25T18:44:36Z", "updated_at": stamp(now), "user_view_type": "public",
	} {
		u[k] = v
	}
	return u
}
