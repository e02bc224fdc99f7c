package cloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// GitHubOIDC requests the job's OIDC ID token from the Actions runtime, the way
// @actions/core getIDToken does: GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=<aud> with the
// request token as a bearer. Each call returns a new token (they live 5 minutes), so every
// exchange with a cloud gets a fresh one.
type GitHubOIDC struct {
	url, token string
	client     *http.Client
}

// NewGitHubOIDC reads ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN; it returns
// nil when either is missing (the job has no `id-token: write` permission). client nil means a
// client with a 30 s timeout.
func NewGitHubOIDC(getenv func(string) string, client *http.Client) *GitHubOIDC {
	u, t := strings.TrimSpace(getenv("ACTIONS_ID_TOKEN_REQUEST_URL")), strings.TrimSpace(getenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN"))
	if u == "" || t == "" {
		return nil
	}
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	return &GitHubOIDC{url: u, token: t, client: client}
}

// RequestToken is the runtime's request token, to be masked.
func (g *GitHubOIDC) RequestToken() string { return g.token }

// IDToken returns a new ID token for the audience. Server errors are retried twice.
func (g *GitHubOIDC) IDToken(ctx context.Context, audience string) (string, error) {
	u, err := url.Parse(g.url)
	if err != nil {
		return "", fmt.Errorf("ACTIONS_ID_TOKEN_REQUEST_URL is not a URL: %w", err)
	}
	if audience != "" {
		q := u.Query()
		q.Set("audience", audience)
		u.RawQuery = q.Encode()
	}
	var last error
	for attempt := 0; attempt < 3; attempt++ {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return "", ctx.Err()
			case <-time.After(time.Duration(attempt) * 500 * time.Millisecond):
			}
		}
		tok, retry, err := g.request(ctx, u.String())
		if err == nil {
			return tok, nil
		}
		last = err
		if !retry {
			break
		}
	}
	return "", fmt.Errorf("requesting the job's GitHub OIDC token (audience %q): %w", audience, last)
}

func (g *GitHubOIDC) request(ctx context.Context, u string) (token string, retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", false, err
	}
	req.Header.Set("Authorization", "bearer "+g.token)
	req.Header.Set("Accept", "application/json; api-version=2.0")
	resp, err := g.client.Do(req)
	if err != nil {
		return "", ctx.Err() == nil, redactURL(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode >= 500:
		return "", true, fmt.Errorf("the token service answered %s", resp.Status)
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return "", false, fmt.Errorf("the token service answered %s: the job needs `permissions: id-token: write`, "+
			"and the token cannot be requested after the job has finished", resp.Status)
	case resp.StatusCode != http.StatusOK:
		return "", false, fmt.Errorf("the token service answered %s", resp.Status)
	}
	var out struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Value == "" {
		return "", false, errors.New("the token service's answer has no token (JSON field value)")
	}
	return out.Value, false, nil
}

// redactURL drops the URL from a transport error: the runtime URL carries no secret, but
// keeping errors to our own words keeps them short and stable.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}
