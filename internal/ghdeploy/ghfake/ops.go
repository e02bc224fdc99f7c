package ghfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
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
// actor is the login of the token's owner.
func (s *Server) operate(op, actor string, params map[string]string, query url.Values, body []byte) reply {
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
		return reply{status: http.StatusCreated, body: renderDeployment(s.URL, d)}
	case "repos/list-deployments":
		return s.listDeployments(owner, repo, query)
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
		return reply{status: http.StatusOK, body: page(list, query)}
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

func (s *Server) find(owner, repo, id string) (*Deployment, bool) {
	for i := range s.deployments {
		d := &s.deployments[i]
		if d.Owner == owner && d.Repo == repo && strconv.FormatInt(d.ID, 10) == id {
			return d, true
		}
	}
	return nil, false
}

func (s *Server) listDeployments(owner, repo string, q url.Values) reply {
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
	return reply{status: http.StatusOK, body: page(list, q)}
}

func matches(q url.Values, key, value string) bool {
	want := q.Get(key)
	return want == "" || want == value
}

// page cuts a list by per_page (default 30, at most 100) and page.
func page(list []any, q url.Values) []any {
	per, _ := strconv.Atoi(q.Get("per_page"))
	if per <= 0 {
		per = 30
	}
	per = min(per, 100)
	n, _ := strconv.Atoi(q.Get("page"))
	n = max(n, 1)
	start := min((n-1)*per, len(list))
	end := min(start+per, len(list))
	return list[start:end]
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
