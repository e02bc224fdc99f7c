package config

import (
	"net/url"
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
	Ref              string
}

// RolloutSpec configures rollout tracking (issue 6).
type RolloutSpec struct {
	FailuresAllowed   int           // transient failures tolerated per replica
	MinReady          time.Duration // stabilisation window after ready
	Logs              string        // "all", "failed" or "none"
	LogContainers     []string      // empty: every container
	LogLinesOnFailure int
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
		g.Ref = defaultRef(r.getenv)
	}
	if g.CreateDeployment == "true" && g.Token == "" {
		r.fail("github-token", "", "is required when create-deployment is true")
	}
	return g
}

// defaultRef is the pull request's head branch when there is one, else
// GITHUB_REF, else GITHUB_SHA.
func defaultRef(getenv func(string) string) string {
	for _, k := range []string{"GITHUB_HEAD_REF", "GITHUB_REF", "GITHUB_SHA"} {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
	}
	return ""
}

func (r *reader) rollout() RolloutSpec {
	s := RolloutSpec{
		FailuresAllowed:   r.nonNegativeInt("failures-allowed"),
		MinReady:          r.secondsOrDuration("min-ready-seconds", minReadyLimit),
		Logs:              r.enum("logs", "all", "failed", "none"),
		LogLinesOnFailure: r.boundedInt("log-lines-on-failure", MaxLogLinesOnFailure, "read longer logs with kubectl logs or the cluster's logging"),
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
