package ghfake

import (
	"encoding/base64"
	"fmt"
	"time"
)

// creator is the user every deployment and status is attributed to: the
// GITHUB_TOKEN's bot, with every field simple-user requires.
func creator(base string) map[string]any {
	const login = "github-actions[bot]"
	user := base + "/users/github-actions%5Bbot%5D"
	return map[string]any{
		"login":               login,
		"id":                  41898282,
		"node_id":             "MDM6Qm90NDE4OTgyODI=",
		"avatar_url":          "https://avatars.githubusercontent.com/in/15368?v=4",
		"gravatar_id":         "",
		"url":                 user,
		"html_url":            "https://github.com/apps/github-actions",
		"followers_url":       user + "/followers",
		"following_url":       user + "/following{/other_user}",
		"gists_url":           user + "/gists{/gist_id}",
		"starred_url":         user + "/starred{/owner}{/repo}",
		"subscriptions_url":   user + "/subscriptions",
		"organizations_url":   user + "/orgs",
		"repos_url":           user + "/repos",
		"events_url":          user + "/events{/privacy}",
		"received_events_url": user + "/received_events",
		"type":                "Bot",
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
		"creator":                  creator(base),
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
		"creator":                  creator(base),
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
