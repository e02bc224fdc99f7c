package ghfake

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Environment is a deployment environment the fake holds. As on GitHub, a
// deployment that names an environment creates it, and names are compared
// without regard to case. Deleting an environment leaves its deployments in
// the store (GitHub's documentation does not say what it does with them).
type Environment struct {
	ID        int64     `json:"id"`
	Owner     string    `json:"owner"`
	Repo      string    `json:"repo"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Environments returns copies of every environment, oldest first.
func (s *Server) Environments() []Environment {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Environment(nil), s.environments...)
}

// ForbidEnvironmentDelete makes DELETE .../environments/{name} answer status
// instead of deleting, until it is called with 0:
//
//   - 403 "Resource not accessible by integration": how GitHub answers a
//     token without the repository Administration write permission, such as
//     the workflow's GITHUB_TOKEN;
//   - 404 "Not Found": how it answers a personal token whose owner is not an
//     admin of the repository; the environment stays and GET still finds it.
func (s *Server) ForbidEnvironmentDelete(status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.envDelete = status
}

// findEnvironment returns the index of an environment. The caller holds s.mu.
func (s *Server) findEnvironment(owner, repo, name string) (int, bool) {
	for i, e := range s.environments {
		if e.Owner == owner && e.Repo == repo && strings.EqualFold(e.Name, name) {
			return i, true
		}
	}
	return 0, false
}

// ensureEnvironment creates an environment unless it exists and returns its
// index. The caller holds s.mu.
func (s *Server) ensureEnvironment(owner, repo, name string) int {
	if i, ok := s.findEnvironment(owner, repo, name); ok {
		return i
	}
	s.nextEnvID++
	s.environments = append(s.environments, Environment{
		ID: s.nextEnvID, Owner: owner, Repo: repo, Name: name, CreatedAt: s.now(),
	})
	return len(s.environments) - 1
}

func (s *Server) getEnvironment(owner, repo, name string) reply {
	i, ok := s.findEnvironment(owner, repo, name)
	if !ok {
		return reply{status: http.StatusNotFound, body: notFound("environments#get-an-environment")}
	}
	return reply{status: http.StatusOK, body: renderEnvironment(s.URL, s.environments[i])}
}

func (s *Server) listEnvironments(owner, repo, self string, q url.Values) reply {
	list := []any{}
	for _, e := range s.environments {
		if e.Owner == owner && e.Repo == repo {
			list = append(list, renderEnvironment(s.URL, e))
		}
	}
	items, h := page(list, q, self)
	return reply{status: http.StatusOK, header: h, body: map[string]any{
		"total_count": len(list), "environments": items,
	}}
}

// deleteEnvironment removes the environment: 204, or 404 when there is none.
func (s *Server) deleteEnvironment(owner, repo, name string) reply {
	switch s.envDelete {
	case 0:
	case http.StatusForbidden:
		return reply{status: http.StatusForbidden, body: map[string]any{
			"message":           "Resource not accessible by integration",
			"documentation_url": docsBase + "environments#delete-an-environment",
			"status":            "403",
		}}
	case http.StatusNotFound:
		return reply{status: http.StatusNotFound, body: notFound("environments#delete-an-environment")}
	default:
		return reply{status: s.envDelete, body: map[string]any{"message": http.StatusText(s.envDelete)}}
	}
	i, ok := s.findEnvironment(owner, repo, name)
	if !ok {
		return reply{status: http.StatusNotFound, body: notFound("environments#delete-an-environment")}
	}
	s.environments = append(s.environments[:i], s.environments[i+1:]...)
	return reply{status: http.StatusNoContent}
}

func renderEnvironment(base string, e Environment) map[string]any {
	return map[string]any{
		"id":         e.ID,
		"node_id":    nodeID("Environment", e.ID),
		"name":       e.Name,
		"url":        fmt.Sprintf("%s/environments/%s", repoURL(base, e.Owner, e.Repo), url.PathEscape(e.Name)),
		"html_url":   fmt.Sprintf("%s/%s/%s/deployments/activity_log?environments_filter=%s", base, e.Owner, e.Repo, url.QueryEscape(e.Name)),
		"created_at": stamp(e.CreatedAt),
		"updated_at": stamp(e.CreatedAt),
		// No protection rules; null lets every branch deploy.
		"protection_rules":         []any{},
		"deployment_branch_policy": nil,
	}
}
