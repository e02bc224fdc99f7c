package ghdeploy

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-github/v60/github"
)

const (
	backoffBase    = 500 * time.Millisecond
	backoffCap     = 16 * time.Second
	secondaryWait  = 60 * time.Second // GitHub: wait at least a minute without Retry-After
	resetSafety    = time.Second
	minLimitedWait = 5 * time.Second
)

// need says what a call lacks when GitHub refuses it with 401, 403 (not a
// rate limit) or 404: the sentinel to wrap and what to do about it.
type need struct {
	err  error
	hint string
}

// needDeployments is what deployments and their statuses need.
var needDeployments = need{ErrPermission, "add `permissions: deployments: write` to the job, " +
	"or pass a github-token with the Deployments write permission; pull requests from forks " +
	"only get a read-only token"}

// call runs fn with a fresh go-github client until it succeeds, fails in a
// way a retry cannot fix, or the next wait would exceed MaxElapsed. A refusal
// wraps ErrPermission (see needDeployments).
func (c *Client) call(ctx context.Context, what string, fn func(context.Context, *github.Client) error) error {
	return c.callNeeding(ctx, what, needDeployments, fn)
}

// callNeeding is call for an operation that needs something else than
// deployments: write; a refusal wraps n.err and says n.hint.
func (c *Client) callNeeding(ctx context.Context, what string, n need, fn func(context.Context, *github.Client) error) error {
	start := time.Now()
	var waited time.Duration
	for attempt := 1; ; attempt++ {
		gh, err := c.newGitHub()
		if err != nil {
			return err
		}
		err = fn(ctx, gh)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", what, ctx.Err())
		}
		// With the default Sleep the clock includes the waits; an injected
		// Sleep may not pass real time, so count the larger of the two.
		left := c.opts.MaxElapsed - max(time.Since(start), waited)
		delay, ok := c.retryDelay(err, attempt, left)
		if !ok {
			return classify(what, err, n)
		}
		if delay > left {
			return fmt.Errorf("%s: %w: gave up after %d attempts within %s (next wait %s): %w",
				what, ErrGaveUp, attempt, c.opts.MaxElapsed, delay.Round(time.Second), err)
		}
		c.opts.Warn("%s: attempt %d failed, retrying in %s: %v", what, attempt, delay.Round(10*time.Millisecond), err)
		if sleepErr := c.opts.Sleep(ctx, delay); sleepErr != nil {
			return fmt.Errorf("%s: waiting to retry: %w (last error: %v)", what, sleepErr, err)
		}
		waited += delay
	}
}

// retryDelay says whether err is worth retrying and after how long; left is
// what remains of MaxElapsed.
func (c *Client) retryDelay(err error, attempt int, left time.Duration) (time.Duration, bool) {
	// Without a hint GitHub asks for at least a minute; wait as long as the
	// budget allows and try once more.
	// Too little left for a meaningful wait means giving up.
	noHint := min(secondaryWait, left-time.Second)
	if noHint < minLimitedWait {
		noHint = secondaryWait
	}
	var primary *github.RateLimitError
	var secondary *github.AbuseRateLimitError
	var resp *github.ErrorResponse
	switch {
	case errors.As(err, &primary):
		if primary.Rate.Reset.IsZero() {
			return noHint, true
		}
		return max(time.Until(primary.Rate.Reset.Time)+resetSafety, 0), true
	case errors.As(err, &secondary):
		if secondary.RetryAfter != nil && *secondary.RetryAfter > 0 {
			return *secondary.RetryAfter, true
		}
		return noHint, true
	case errors.As(err, &resp) && resp.Response != nil:
		code := resp.Response.StatusCode
		switch {
		case code == http.StatusTooManyRequests: // go-github v60 maps 429 to nothing
			if d, ok := headerDelay(resp.Response.Header); ok {
				return d, true
			}
			return noHint, true
		case code >= 500:
			return jitter(attempt), true
		case code == http.StatusForbidden && isSecondaryLimit(resp):
			// go-github recognises a secondary limit only by its documentation URL, which
			// GitHub has moved before and GHES words differently: a 403 with Retry-After
			// or a rate-limit message is one too.
			if d, ok := headerDelay(resp.Response.Header); ok {
				return d, true
			}
			return noHint, true
		}
		return 0, false
	case errors.As(err, new(*github.AcceptedError)):
		return 0, false
	}
	// Transport errors (connection refused, reset, timeout) are retried.
	return jitter(attempt), true
}

// isSecondaryLimit tells a 403 that is a rate limit, not a missing permission.
func isSecondaryLimit(resp *github.ErrorResponse) bool {
	return resp.Response.Header.Get("Retry-After") != "" ||
		strings.Contains(strings.ToLower(resp.Message), "rate limit")
}

// headerDelay reads Retry-After (seconds), else x-ratelimit-reset (epoch).
func headerDelay(h http.Header) (time.Duration, bool) {
	if v := h.Get("Retry-After"); v != "" {
		if s, err := strconv.ParseInt(v, 10, 64); err == nil && s >= 0 {
			return time.Duration(s) * time.Second, true
		}
	}
	if v := h.Get("X-RateLimit-Reset"); v != "" {
		if epoch, err := strconv.ParseInt(v, 10, 64); err == nil {
			return max(time.Until(time.Unix(epoch, 0))+resetSafety, 0), true
		}
	}
	return 0, false
}

// jitter is exponential backoff with equal jitter: [d/2, d).
func jitter(attempt int) time.Duration {
	d := backoffBase << min(attempt-1, 10)
	d = min(d, backoffCap)
	half := d / 2
	return half + rand.N(half)
}

// classify wraps a final error in the sentinel that tells callers what to do.
func classify(what string, err error, n need) error {
	var accepted *github.AcceptedError
	if errors.As(err, &accepted) {
		return fmt.Errorf("%s: %w: %s", what, ErrMergedBranch, message(accepted.Raw))
	}
	var resp *github.ErrorResponse
	if !errors.As(err, &resp) || resp.Response == nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	switch resp.Response.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound:
		return fmt.Errorf("%s: %w (HTTP %d: %s): %s", what, n.err, resp.Response.StatusCode, resp.Message, n.hint)
	case http.StatusConflict:
		return fmt.Errorf("%s: %w (GitHub said: %s)", what, ErrConflict, resp.Message)
	case http.StatusUnprocessableEntity:
		return fmt.Errorf("%s: %w: %w", what, ErrInvalid, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}
