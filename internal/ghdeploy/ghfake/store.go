package ghfake

import (
	"crypto/sha1"
	"encoding/hex"
	"regexp"
	"time"
)

// Deployment is what the fake holds for one created deployment.
type Deployment struct {
	ID                    int64              `json:"id"`
	Owner                 string             `json:"owner"`
	Repo                  string             `json:"repo"`
	SHA                   string             `json:"sha"`
	Ref                   string             `json:"ref"`
	Task                  string             `json:"task"`
	Environment           string             `json:"environment"`
	Description           *string            `json:"description"`
	Payload               any                `json:"payload"`
	AutoMerge             *bool              `json:"auto_merge"`
	RequiredContexts      *[]string          `json:"required_contexts"`
	TransientEnvironment  bool               `json:"transient_environment"`
	ProductionEnvironment bool               `json:"production_environment"`
	CreatedAt             time.Time          `json:"created_at"`
	Statuses              []DeploymentStatus `json:"statuses"`
	// Creator is the login of the token's owner (see actorOf).
	Creator string `json:"creator"`
}

// DeploymentStatus is one status of a deployment, oldest first in
// Deployment.Statuses.
type DeploymentStatus struct {
	ID             int64  `json:"id"`
	State          string `json:"state"`
	Description    string `json:"description"`
	Environment    string `json:"environment"`
	EnvironmentURL string `json:"environment_url"`
	LogURL         string `json:"log_url"`
	TargetURL      string `json:"target_url"`
	AutoInactive   bool   `json:"auto_inactive"`
	// Implicit is true for the inactive statuses the server adds on its own
	// when a later deployment of the same environment succeeds.
	Implicit  bool      `json:"implicit"`
	CreatedAt time.Time `json:"created_at"`
	Creator   string    `json:"creator"`
}

// States lists the states of a deployment, oldest first.
func (d Deployment) States() []string {
	out := make([]string, 0, len(d.Statuses))
	for _, s := range d.Statuses {
		out = append(out, s.State)
	}
	return out
}

func (d Deployment) latestState() string {
	if len(d.Statuses) == 0 {
		return ""
	}
	return d.Statuses[len(d.Statuses)-1].State
}

func (d Deployment) clone() Deployment {
	d.Statuses = append([]DeploymentStatus(nil), d.Statuses...)
	return d
}

var fullSHA = regexp.MustCompile(`^[0-9a-f]{40}$`)

// shaFor makes up a stable commit SHA for a ref that is not one.
func shaFor(ref string) string {
	if fullSHA.MatchString(ref) {
		return ref
	}
	sum := sha1.Sum([]byte(ref))
	return hex.EncodeToString(sum[:])
}

// createRequest is the body of repos/create-deployment.
type createRequest struct {
	Ref                   string    `json:"ref"`
	Task                  *string   `json:"task"`
	AutoMerge             *bool     `json:"auto_merge"`
	RequiredContexts      *[]string `json:"required_contexts"`
	Payload               any       `json:"payload"`
	Environment           *string   `json:"environment"`
	Description           *string   `json:"description"`
	TransientEnvironment  *bool     `json:"transient_environment"`
	ProductionEnvironment *bool     `json:"production_environment"`
}

// statusRequest is the body of repos/create-deployment-status.
type statusRequest struct {
	State          string  `json:"state"`
	TargetURL      *string `json:"target_url"`
	LogURL         *string `json:"log_url"`
	Description    *string `json:"description"`
	Environment    *string `json:"environment"`
	EnvironmentURL *string `json:"environment_url"`
	AutoInactive   *bool   `json:"auto_inactive"`
}

func str(p *string, def string) string {
	if p == nil {
		return def
	}
	return *p
}

func boolean(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}

// newDeployment applies GitHub's documented defaults.
func newDeployment(id int64, owner, repo, actor string, r createRequest, now time.Time) Deployment {
	env := str(r.Environment, "production")
	payload := r.Payload
	if payload == nil {
		payload = ""
	}
	return Deployment{
		ID: id, Owner: owner, Repo: repo,
		SHA: shaFor(r.Ref), Ref: r.Ref,
		Task:                  str(r.Task, "deploy"),
		Environment:           env,
		Description:           r.Description,
		Payload:               payload,
		AutoMerge:             r.AutoMerge,
		RequiredContexts:      r.RequiredContexts,
		TransientEnvironment:  boolean(r.TransientEnvironment, false),
		ProductionEnvironment: boolean(r.ProductionEnvironment, env == "production"),
		CreatedAt:             now,
		Creator:               actor,
	}
}

// newStatus applies GitHub's documented defaults: the environment is the
// previous status's, else the deployment's; log_url also sets target_url.
func newStatus(id int64, d Deployment, actor string, r statusRequest, now time.Time) DeploymentStatus {
	env := d.Environment
	if n := len(d.Statuses); n > 0 {
		env = d.Statuses[n-1].Environment
	}
	logURL := str(r.LogURL, "")
	target := str(r.TargetURL, "")
	if logURL != "" {
		target = logURL
	} else {
		logURL = target
	}
	return DeploymentStatus{
		ID: id, State: r.State,
		Description:    str(r.Description, ""),
		Environment:    str(r.Environment, env),
		EnvironmentURL: str(r.EnvironmentURL, ""),
		LogURL:         logURL,
		TargetURL:      target,
		AutoInactive:   boolean(r.AutoInactive, true),
		CreatedAt:      now,
		Creator:        actor,
	}
}

// shouldInactivate says whether a success of deployment cur in environment
// env marks the earlier deployment old inactive: same repository and
// environment, not transient, not production, last state success.
func shouldInactivate(old, cur Deployment, env string) bool {
	return old.ID != cur.ID && old.ID < cur.ID &&
		old.Owner == cur.Owner && old.Repo == cur.Repo &&
		old.Environment == env &&
		!old.TransientEnvironment && !old.ProductionEnvironment &&
		old.latestState() == "success"
}
