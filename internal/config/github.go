package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// GitHubSpec configures the GitHub Deployment of the run (issue 4).
type GitHubSpec struct {
	Token            string // empty: no deployment is created
	Environment      string // default: the release name
	EnvironmentURL   string
	CreateDeployment string // "auto", "true" or "false"
	Transient        bool
	Production       *bool // nil: let GitHub decide
	AutoInactive     bool
	Description      string
	// Ref is the ref input, else the commit deployed (see defaultRef).
	Ref string
	// RefFrom says where Ref came from, for the log.
	RefFrom string
}

// RolloutSpec configures rollout tracking (issue 6).
type RolloutSpec struct {
	FailuresAllowed   int           // transient failures tolerated per replica
	MinReady          time.Duration // stabilisation window after ready
	Logs              string        // "all", "failed" or "none"
	LogContainers     []string      // empty: every container
	LogLinesOnFailure int
	MaxLogStreams     int // log streams open at once over the release (failing pods always followed)
}

const maxEnvironmentName = 255

func (r *reader) github(release string) GitHubSpec {
	g := GitHubSpec{
		Token:            r.str("github-token"),
		Environment:      r.str("environment"),
		EnvironmentURL:   r.str("environment-url"),
		CreateDeployment: r.enum("create-deployment", "auto", "true", "false"),
		Transient:        r.bool("transient-environment"),
		Production:       r.optBool("production-environment"),
		AutoInactive:     r.bool("auto-inactive"),
		Description:      r.str("deployment-description"),
		Ref:              r.str("ref"),
		RefFrom:          "the ref input",
	}
	if g.Environment == "" {
		g.Environment = release
	} else if len(g.Environment) > maxEnvironmentName {
		r.fail("environment", g.Environment, "is %d characters long; GitHub allows at most %d", len(g.Environment), maxEnvironmentName)
	}
	if v := g.EnvironmentURL; v != "" {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			r.fail("environment-url", v, "%q is not an absolute http:// or https:// URL", v)
		}
	}
	if g.Ref == "" {
		if g.Ref, g.RefFrom = r.defaultRef(); g.Ref == "" {
			g.RefFrom = "" // not on GitHub Actions
		}
	}
	if g.CreateDeployment == "true" && g.Token == "" {
		r.fail("github-token", "", "is required when create-deployment is true")
	}
	return g
}

func (r *reader) rollout() RolloutSpec {
	s := RolloutSpec{
		FailuresAllowed:   r.nonNegativeInt("failures-allowed"),
		MinReady:          r.secondsOrDuration("min-ready-seconds", minReadyLimit),
		Logs:              r.enum("logs", "all", "failed", "none"),
		LogLinesOnFailure: r.boundedInt("log-lines-on-failure", MaxLogLinesOnFailure, "read longer logs with kubectl logs or the cluster's logging"),
		MaxLogStreams:     r.boundedInt("max-log-streams", 500, "each stream is an open request to the API server; failing pods are followed anyway"),
	}
	raw := r.str("log-containers")
	for _, line := range splitLines(raw) {
		for _, name := range strings.Split(line, ",") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			if len(name) > maxLabel || !dnsLabelRe.MatchString(name) {
				r.fail("log-containers", raw, "%q is not a container name (lowercase letters, digits and '-')", name)
				continue
			}
			s.LogContainers = append(s.LogContainers, name)
		}
	}
	return s
}

// commitSHA is a full SHA-1 or SHA-256 object name.
var commitSHA = regexp.MustCompile(`^(?:[0-9a-f]{40}|[0-9a-f]{64})$`)

// prEvents carry the pull request in their payload; their GITHUB_SHA is not its head: the
// test merge commit (pull_request) or the base branch's last commit (pull_request_target).
var prEvents = map[string]bool{"pull_request": true, "pull_request_target": true}

// defaultRef is the commit the run deploys, never a branch name, which GitHub would resolve
// to whatever commit the branch points at when it creates the deployment: on pull_request
// and pull_request_target events the pull request's head commit (.pull_request.head.sha of
// the event payload at GITHUB_EVENT_PATH), else GITHUB_SHA. When the payload cannot be read
// or holds no head commit, GITHUB_SHA is used and the second value says why.
func (r *reader) defaultRef() (ref, from string) {
	sha := strings.TrimSpace(r.getenv("GITHUB_SHA"))
	from = "GITHUB_SHA"
	event := strings.TrimSpace(r.getenv("GITHUB_EVENT_NAME"))
	if !prEvents[event] {
		return sha, from
	}
	head, err := r.pullRequestHead()
	if err != nil {
		return sha, fmt.Sprintf("GITHUB_SHA, as the %s event's head commit is unknown: %v", event, err)
	}
	return head, "the pull request's head commit"
}

// pullRequestHead reads .pull_request.head.sha from the event payload.
func (r *reader) pullRequestHead() (string, error) {
	path := strings.TrimSpace(r.getenv("GITHUB_EVENT_PATH"))
	if path == "" {
		return "", errors.New("GITHUB_EVENT_PATH is not set")
	}
	if r.readFile == nil {
		return "", fmt.Errorf("the event payload %s is not readable here", path)
	}
	data, err := r.readFile(path)
	if err != nil {
		return "", fmt.Errorf("read the event payload: %w", err)
	}
	var ev struct {
		PullRequest *struct {
			Head struct {
				SHA string `json:"sha"`
			} `json:"head"`
		} `json:"pull_request"`
	}
	if err := json.Unmarshal(data, &ev); err != nil {
		return "", fmt.Errorf("the event payload %s is not JSON: %w", path, err)
	}
	if ev.PullRequest == nil {
		return "", fmt.Errorf("the event payload %s has no pull_request", path)
	}
	if sha := ev.PullRequest.Head.SHA; !commitSHA.MatchString(sha) {
		return "", fmt.Errorf("the event payload's pull_request.head.sha %q is not a commit SHA", sha)
	}
	return ev.PullRequest.Head.SHA, nil
}
