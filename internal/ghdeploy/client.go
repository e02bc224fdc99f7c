// Package ghdeploy records deploys as GitHub Deployments with statuses. It is
// the only importer of go-github. Calls are retried on 5xx, 429 and rate
// limits within a bounded time; Tracker turns every GitHub failure into a
// warning so GitHub never fails a deploy.
package ghdeploy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

// Errors a caller can test with errors.Is.
var (
	// ErrOptions: Options are incomplete or malformed.
	ErrOptions = errors.New("invalid GitHub options")
	// ErrMergedBranch: GitHub answered 202, it merged the default branch
	// into the ref instead of creating the deployment.
	ErrMergedBranch = errors.New("GitHub merged the default branch instead of creating the deployment")
	// ErrConflict: GitHub answered 409, a merge conflict or failed status checks.
	ErrConflict = errors.New("GitHub refused the deployment: merge conflict or failed commit status checks")
	// ErrPermission: 401, 403 (not a rate limit) or 404: the token may not
	// write deployments in the repository.
	ErrPermission = errors.New("the token may not write deployments")
	// ErrForbidden: GitHub refused a call other than writing deployments
	// (deleting an environment, writing a pull-request comment) because the
	// token lacks a permission; the error says which one.
	ErrForbidden = errors.New("the token lacks a permission GitHub requires")
	// ErrInvalid: GitHub answered 422 or the request was rejected locally.
	ErrInvalid = errors.New("GitHub rejected the request")
	// ErrGaveUp: retries did not succeed within Options.MaxElapsed.
	ErrGaveUp = errors.New("GitHub did not answer successfully in time")
)

const (
	defaultAPIURL     = "https://api.github.com"
	defaultMaxElapsed = 60 * time.Second
)

// Options configure a Client. Only Owner and Repo are required.
type Options struct {
	Token string
	// APIURL is GITHUB_API_URL. Empty or https://api.github.com uses the
	// public API; a loopback URL (a test server) is used as is; anything
	// else goes through go-github's WithEnterpriseURLs (GHES, GHE.com).
	APIURL string
	// ServerURL is GITHUB_SERVER_URL, used for links; derived from APIURL
	// when empty.
	ServerURL   string
	Owner, Repo string
	HTTPClient  *http.Client
	// MaxElapsed bounds the retries of one call (default 60s).
	MaxElapsed time.Duration
	// Sleep waits between attempts (default: a timer honouring ctx).
	Sleep func(ctx context.Context, d time.Duration) error
	// Warn receives a line for every retry (what failed, how long it
	// waits); may be nil. Final failures are returned as errors.
	Warn func(format string, args ...any)
}

// Client creates deployments and statuses for one repository.
type Client struct {
	opts    Options
	baseURL *url.URL
	webURL  string
}

// New checks opts and fills defaults.
func New(opts Options) (*Client, error) {
	if opts.Owner == "" || opts.Repo == "" {
		return nil, fmt.Errorf("owner and repository are required: %w", ErrOptions)
	}
	if opts.APIURL == "" {
		opts.APIURL = defaultAPIURL
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.MaxElapsed <= 0 {
		opts.MaxElapsed = defaultMaxElapsed
	}
	if opts.Sleep == nil {
		opts.Sleep = sleep
	}
	if opts.Warn == nil {
		opts.Warn = func(string, ...any) {}
	}
	c := &Client{opts: opts}
	gh, err := c.newGitHub()
	if err != nil {
		return nil, err
	}
	c.baseURL = gh.BaseURL
	c.webURL = strings.TrimSuffix(opts.ServerURL, "/")
	if c.webURL == "" {
		c.webURL = webURLFor(gh.BaseURL)
	}
	return c, nil
}

// newGitHub builds a go-github client. A fresh one per attempt means its
// remembered rate limits never short-circuit a retry (v60 has no exported
// way to bypass that check).
func (c *Client) newGitHub() (*github.Client, error) {
	gh := github.NewClient(c.opts.HTTPClient)
	if c.opts.Token != "" {
		gh = gh.WithAuthToken(c.opts.Token)
	}
	u, err := url.Parse(c.opts.APIURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("API URL %q: %w", c.opts.APIURL, ErrOptions)
	}
	switch {
	case strings.EqualFold(u.Host, "api.github.com"):
		return gh, nil
	case isLoopback(u.Hostname()):
		if !strings.HasSuffix(u.Path, "/") {
			u.Path += "/"
		}
		gh.BaseURL = u
		return gh, nil
	default:
		gh, err = gh.WithEnterpriseURLs(c.opts.APIURL, c.opts.APIURL)
		if err != nil {
			return nil, fmt.Errorf("API URL %q: %v: %w", c.opts.APIURL, err, ErrOptions)
		}
		return gh, nil
	}
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// webURLFor derives the web server from the API base URL:
// api.github.com → github.com, api.X → X, HOST/api/v3 → HOST.
func webURLFor(base *url.URL) string {
	host := base.Host
	if h, ok := strings.CutPrefix(host, "api."); ok {
		host = h
	}
	path := strings.TrimSuffix(strings.TrimSuffix(base.Path, "/"), "/api/v3")
	return base.Scheme + "://" + host + path
}

// BaseURL is the API base URL requests go to (with a trailing slash).
func (c *Client) BaseURL() string { return c.baseURL.String() }

// EnvironmentURL links to the deployments of one environment on GitHub, or
// to the repository's deployments page when env is empty.
func (c *Client) EnvironmentURL(env string) string {
	u := fmt.Sprintf("%s/%s/%s/deployments", c.webURL, c.opts.Owner, c.opts.Repo)
	if env != "" {
		u += "/" + url.PathEscape(env)
	}
	return u
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
