package ghfake

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// reply is what an operation answers: a status, extra headers and a body
// that is marshalled to JSON (nil for none).
type reply struct {
	status int
	header http.Header
	body   any
}

// maxDescription is GitHub's documented limit for a status description.
const maxDescription = 140

// operate runs one validated operation against the store. The caller holds s.mu.
// actor is the login of the token's owner, self the requested URL without
// its query (for Link headers).
func (s *Server) operate(op, actor, self string, params map[string]string, query url.Values, body []byte) reply {
	if rep, ok := s.operateAround(op, actor, self, params, query, body); ok {
		return rep
	}
	owner, repo := params["owner"], params["repo"]
	switch op {
	case "repos/create-deployment":
		var r createRequest
		if err := json.Unmarshal(body, &r); err != nil {
			return reply{status: http.StatusBadRequest, body: map[string]any{"message": "Problems parsing JSON"}}
		}
		s.nextID++
		d := newDeployment(s.nextID, owner, repo, actor, r, s.now())
		s.deployments = append(s.deployments, d)
		s.ensureEnvironment(owner, repo, d.Environment) // GitHub creates it on first use
		return reply{status: http.StatusCreated, body: renderDeployment(s.URL, d)}
	case "repos/list-deployments":
		return s.listDeployments(owner, repo, self, query)
	}

	d, ok := s.find(owner, repo, params["deployment_id"])
	if !ok {
		return reply{status: http.StatusNotFound, body: notFound("deployments#get-a-deployment")}
	}
	switch op {
	case "repos/get-deployment":
		return reply{status: http.StatusOK, body: renderDeployment(s.URL, *d)}
	case "repos/delete-deployment":
		return s.deleteDeployment(owner, repo, d)
	case "repos/list-deployment-statuses":
		list := make([]any, 0, len(d.Statuses))
		for i := len(d.Statuses) - 1; i >= 0; i-- {
			list = append(list, renderStatus(s.URL, *d, d.Statuses[i]))
		}
		items, h := page(list, query, self)
		return reply{status: http.StatusOK, header: h, body: items}
	case "repos/get-deployment-status":
		for _, st := range d.Statuses {
			if strconv.FormatInt(st.ID, 10) == params["status_id"] {
				return reply{status: http.StatusOK, body: renderStatus(s.URL, *d, st)}
			}
		}
		return reply{status: http.StatusNotFound, body: notFound("statuses#get-a-deployment-status")}
	case "repos/create-deployment-status":
		return s.createStatus(d, actor, body)
	}
	return reply{status: http.StatusNotFound, body: notFound("deployments")}
}

// operateAround runs the operations besides deployments and their statuses:
// environments, issue comments and the authenticated user. ok is false for
// any other operation. The caller holds s.mu.
func (s *Server) operateAround(op, actor, self string, params map[string]string, query url.Values, body []byte) (reply, bool) {
	owner, repo := params["owner"], params["repo"]
	switch op {
	case "repos/get-all-environments":
		return s.listEnvironments(owner, repo, self, query), true
	case "repos/get-environment", "repos/delete-an-environment":
		name, err := url.PathUnescape(params["environment_name"])
		if err != nil {
			return reply{status: http.StatusNotFound, body: notFound("environments")}, true
		}
		if op == "repos/get-environment" {
			return s.getEnvironment(owner, repo, name), true
		}
		return s.deleteEnvironment(owner, repo, name), true
	case "repos/create-or-update-environment":
		name, err := url.PathUnescape(params["environment_name"])
		if err != nil {
			return reply{status: http.StatusNotFound, body: notFound("environments")}, true
		}
		i := s.ensureEnvironment(owner, repo, name)
		return reply{status: http.StatusOK, body: renderEnvironment(s.URL, s.environments[i])}, true
	case "issues/list-comments", "issues/create-comment", "issues/get-comment",
		"issues/update-comment", "issues/delete-comment":
		return s.commentOp(op, actor, self, params, query, body), true
	case "users/get-authenticated":
		if actor == BotLogin {
			// GitHub Apps (installation tokens, the GITHUB_TOKEN) may not call it.
			return reply{status: http.StatusForbidden, body: map[string]any{
				"message":           "Resource not accessible by integration",
				"documentation_url": "https://docs.github.com/rest/users/users#get-the-authenticated-user",
				"status":            "403",
			}}, true
		}
		return reply{status: http.StatusOK, body: renderPublicUser(s.URL, actor, s.now())}, true
	}
	return reply{}, false
}

func (s *Server) find(owner, repo, id string) (*Deployment, bool) {
	for i := range s.deployments {
		d := &s.deployments[i]
		if d.Owner == owner && d.Repo == repo && strconv.FormatInt(d.ID, 10) == id {
			return d, true
		}
	}
	return nil, false
}

func (s *Server) listDeployments(owner, repo, self string, q url.Values) reply {
	list := []any{}
	for i := len(s.deployments) - 1; i >= 0; i-- { // newest first
		d := s.deployments[i]
		if d.Owner != owner || d.Repo != repo ||
			!matches(q, "sha", d.SHA) || !matches(q, "ref", d.Ref) ||
			!matches(q, "task", d.Task) || !matches(q, "environment", d.Environment) {
			continue
		}
		list = append(list, renderDeployment(s.URL, d))
	}
	items, h := page(list, q, self)
	return reply{status: http.StatusOK, header: h, body: items}
}

func matches(q url.Values, key, value string) bool {
	want := q.Get(key)
	return want == "" || want == value
}

// page cuts a list by per_page (default 30, at most 100) and page and, as
// GitHub does when there is more than one page, links the others in a Link
// header (first, prev, next, last) pointing at self.
func page(list []any, q url.Values, self string) ([]any, http.Header) {
	per, _ := strconv.Atoi(q.Get("per_page"))
	if per <= 0 {
		per = 30
	}
	per = min(per, 100)
	n, _ := strconv.Atoi(q.Get("page"))
	n = max(n, 1)
	start := min((n-1)*per, len(list))
	end := min(start+per, len(list))
	last := max((len(list)+per-1)/per, 1)
	if last == 1 {
		return list[start:end], nil
	}
	link := func(p int, rel string) string {
		v := maps.Clone(q)
		if v == nil {
			v = url.Values{}
		}
		v.Set("page", strconv.Itoa(p))
		v.Set("per_page", strconv.Itoa(per))
		return fmt.Sprintf("<%s?%s>; rel=%q", self, v.Encode(), rel)
	}
	var links []string
	if n > 1 {
		links = append(links, link(1, "first"), link(min(n-1, last), "prev"))
	}
	if n < last {
		links = append(links, link(n+1, "next"), link(last, "last"))
	}
	h := http.Header{}
	if len(links) > 0 {
		h.Set("Link", strings.Join(links, ", "))
	}
	return list[start:end], h
}

// deleteDeployment follows GitHub's rule: the only deployment of a
// repository can always be deleted, otherwise only inactive ones.
func (s *Server) deleteDeployment(owner, repo string, d *Deployment) reply {
	count := 0
	for _, other := range s.deployments {
		if other.Owner == owner && other.Repo == repo {
			count++
		}
	}
	if count > 1 && d.latestState() != "inactive" {
		return reply{status: http.StatusUnprocessableEntity, body: map[string]any{
			"message":           "We cannot delete an active deployment unless it is the only deployment in a given environment.",
			"documentation_url": docsBase + "deployments#delete-a-deployment",
		}}
	}
	kept := s.deployments[:0]
	id := d.ID
	for _, other := range s.deployments {
		if other.ID != id {
			kept = append(kept, other)
		}
	}
	s.deployments = kept
	return reply{status: http.StatusNoContent}
}

func (s *Server) createStatus(d *Deployment, actor string, body []byte) reply {
	var r statusRequest
	if err := json.Unmarshal(body, &r); err != nil {
		return reply{status: http.StatusBadRequest, body: map[string]any{"message": "Problems parsing JSON"}}
	}
	if r.Description != nil && utf8.RuneCountInString(*r.Description) > maxDescription {
		return reply{status: http.StatusUnprocessableEntity, body: validationFailed(
			"statuses#create-a-deployment-status", "DeploymentStatus", "description", "custom",
			fmt.Sprintf("description is too long (maximum is %d characters)", maxDescription))}
	}
	s.nextStatusID++
	st := newStatus(s.nextStatusID, *d, actor, r, s.now())
	d.Statuses = append(d.Statuses, st)
	if st.State == "success" && st.AutoInactive {
		s.autoInactivate(*d, st)
	}
	h := http.Header{}
	h.Set("Location", statusURL(s.URL, *d, st))
	return reply{status: http.StatusCreated, header: h, body: renderStatus(s.URL, *d, st)}
}

// autoInactivate adds an inactive status to every earlier successful,
// non-transient, non-production deployment of the same environment.
func (s *Server) autoInactivate(cur Deployment, st DeploymentStatus) {
	for i := range s.deployments {
		old := &s.deployments[i]
		if !shouldInactivate(*old, cur, st.Environment) {
			continue
		}
		s.nextStatusID++
		old.Statuses = append(old.Statuses, DeploymentStatus{
			ID: s.nextStatusID, State: "inactive", Environment: st.Environment,
			AutoInactive: true, Implicit: true, CreatedAt: st.CreatedAt, Creator: st.Creator,
		})
	}
}
