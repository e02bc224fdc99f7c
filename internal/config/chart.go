package config

import (
	"net/url"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// ChartKind says where a chart comes from.
type ChartKind string

const (
	// ChartLocal is a chart folder or packaged .tgz on disk.
	ChartLocal ChartKind = "local"
	// ChartOCI is an oci:// reference in a registry.
	ChartOCI ChartKind = "oci"
	// ChartRepo is a chart name in an HTTP(S) chart repository.
	ChartRepo ChartKind = "repo"
)

// ChartSpec says which chart to deploy and how to fetch it.
type ChartSpec struct {
	// Ref is the absolute, clean path (ChartLocal), the oci:// reference
	// (ChartOCI) or the chart's name in Repository (ChartRepo).
	Ref        string
	Kind       ChartKind
	Repository string // ChartRepo only
	Version    string // exact version or semver range; empty = latest
	Username   string
	Password   string
}

var chartNameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// resolvePath makes p absolute against workspace. A relative path must stay
// inside the workspace; absolute paths are taken as they are.
func resolvePath(workspace, p string) (string, bool) {
	if filepath.IsAbs(p) {
		return filepath.Clean(p), true
	}
	joined := filepath.Join(workspace, p)
	rel, err := filepath.Rel(workspace, joined)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return joined, false
	}
	return joined, true
}

func (r *reader) chart(workspace string) ChartSpec {
	chart := r.str("chart")
	repo := r.str("repository")
	spec := ChartSpec{
		Version:  r.str("version"),
		Username: r.str("repository-username"),
		Password: r.str("repository-password"),
	}
	lower := strings.ToLower(chart)
	switch {
	case chart == "":
		r.fail("chart", chart, "is required: a chart folder or .tgz in the workspace, an oci:// reference, or a chart name with repository")
	case strings.HasPrefix(lower, "oci://"):
		// Helm recognises only the lower-case scheme.
		spec.Kind, spec.Ref = ChartOCI, "oci://"+chart[len("oci://"):]
		u, err := url.Parse(chart)
		switch {
		case err == nil && u.User != nil:
			spec.Ref = redactURL(chart)
			r.fail("chart", spec.Ref, "must not contain credentials: use repository-username and repository-password, which are masked")
		case err != nil || u.Host == "" || strings.Trim(u.Path, "/") == "" || u.RawQuery != "" || u.Fragment != "":
			r.fail("chart", chart, "%q is not a valid OCI reference: use oci://host/path/chart", chart)
		}
		if repo != "" {
			r.fail("repository", redactURL(repo), "must be empty with an oci:// chart: the registry is part of the chart reference")
		}
	case strings.Contains(chart, "://"):
		scheme := chart[:strings.Index(chart, "://")]
		r.fail("chart", chart, "%q is a %s:// URL: use an oci:// reference, or a chart name together with the repository input for an HTTP chart repository", chart, scheme)
	case repo != "":
		spec.Kind, spec.Ref, spec.Repository = ChartRepo, chart, repo
		if !chartNameRe.MatchString(chart) {
			r.fail("chart", chart, "%q is not a chart name: with repository set, chart is the chart's name in that repository (e.g. nginx), not a path", chart)
		}
		r.checkRepository(repo)
	default:
		spec.Kind = ChartLocal
		p, ok := resolvePath(workspace, chart)
		spec.Ref = p
		if !ok {
			r.fail("chart", chart, "%q leaves the workspace %s; use a path inside it or an absolute path", chart, workspace)
		}
	}
	r.checkVersion(spec)
	r.checkCredentials(spec)
	return spec
}

func (r *reader) checkRepository(repo string) {
	u, err := url.Parse(repo)
	switch {
	case err == nil && u.User != nil:
		r.fail("repository", redactURL(repo), "must not contain credentials: use repository-username and repository-password, which are masked")
	case err != nil:
		r.fail("repository", repo, "%q is not a URL", repo)
	case strings.EqualFold(u.Scheme, "oci"):
		r.fail("repository", repo, "%q is an OCI registry: leave repository empty and set chart to oci://host/path/chart", repo)
	case u.Scheme != "http" && u.Scheme != "https":
		r.fail("repository", repo, "%q is not an http:// or https:// chart repository URL", repo)
	case u.Host == "":
		r.fail("repository", repo, "%q has no host", repo)
	}
}

func (r *reader) checkVersion(spec ChartSpec) {
	v := spec.Version
	if v == "" {
		return
	}
	if spec.Kind == ChartLocal {
		r.fail("version", v, "applies only to oci:// and repository charts; a local chart's version comes from its Chart.yaml")
		return
	}
	if _, err := semver.NewVersion(v); err == nil {
		return
	}
	if _, err := semver.NewConstraint(v); err != nil {
		r.fail("version", v, "%q is neither a chart version (1.2.3) nor a semver range (^1.2, >=1.0 <2.0)", v)
	}
}

func (r *reader) checkCredentials(spec ChartSpec) {
	user, pass := spec.Username, spec.Password
	switch {
	case user == "" && pass == "":
		return
	case user == "":
		r.fail("repository-username", user, "is required when repository-password is set")
	case pass == "":
		r.fail("repository-password", pass, "is required when repository-username is set")
	}
	if spec.Kind == ChartLocal {
		r.fail("repository-username", user, "credentials are only used with oci:// and repository charts, but chart is a local path")
	}
}

// redactURL hides the user name and password of a URL with credentials.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		u.User = url.User("***") // a user name can be a token too
		return u.String()
	}
	return s
}
