// Package verify is the HTTP smoke check of a deployed service. Check runs after the rollout
// is ready and before the action reports success: it GETs a URL until it has answered
// Successes times in a row with an accepted status (and, optionally, a body containing a
// text), or fails after Timeout with an error that says what the URL last answered and what
// to do. Start runs the same probes in the background during a rolling update and counts the
// failed ones.
//
// The URL may carry credentials (user:password@, a token in the query). They are sent, never
// printed: every text that leaves the package (errors, Probe.Reason, Probe.Excerpt) shows the
// URL with its userinfo and every query value replaced by ***, has the literal values (and the
// basic-auth header value) replaced by *** wherever they appear, and then goes through
// Options.Redact. Excerpts are one printable line; callers still print them through their
// log sanitizer. The package imports only the standard library.
package verify

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults and limits. Zero fields of Options mean the default.
const (
	DefaultTimeout        = 60 * time.Second
	DefaultSuccesses      = 3
	DefaultInterval       = time.Second
	DefaultRequestTimeout = 5 * time.Second
	MinTimeout            = time.Second
	MaxTimeout            = time.Hour
	MaxSuccesses          = 100
	MaxRedirects          = 5       // followed within the same host; see Options.Client
	MaxBody               = 1 << 20 // bytes of a body read (and searched for BodyContains)
	ExcerptBytes          = 200     // bytes of a failed probe's body kept in Probe.Excerpt
	MaxFirstFailures      = 5       // failed probes kept in Result.FirstFailures
	UserAgent             = "helm-deploy-action-verify"
)

// ErrFailed is wrapped by Check's error when the URL did not answer Successes times in a row
// within Timeout. A canceled ctx is not a failure: that error wraps ctx.Err() instead.
var ErrFailed = errors.New("verify: smoke check failed")

// Options configure Check and Start. Zero fields mean their defaults.
type Options struct {
	URL string // absolute http or https URL, GET without cookies as UserAgent

	// Timeout bounds Check: the Successes consecutive successes must all happen within it
	// (default 60s, Validate accepts 1s to 1h). Start ignores it.
	Timeout   time.Duration
	Successes int           // consecutive successes Check requires (default 3, 1 to 100)
	Interval  time.Duration // from the end of a probe to the start of the next (default 1s)

	Statuses     []Range // accepted status codes (default 200-399); see ParseStatuses
	BodyContains string  // if set, the first MaxBody bytes of the body must contain it

	// RequestTimeout bounds one probe, body included (default 5s).
	RequestTimeout time.Duration

	// Client sends the probes; its Jar is ignored (no cookies) and its Timeout still applies.
	// Nil: a client with its own transport (proxy from the environment, no keep-alive, so that
	// every probe opens a new connection and a load balancer can pick another pod) that
	// follows at most MaxRedirects redirects, only to the same host name and never from https
	// to http. A redirect it does not follow is the probe's answer: with the default statuses
	// a 302 to a login page on another host is a success; with Statuses "200" it fails.
	// A client without CheckRedirect gets this redirect policy too.
	Client *http.Client

	// Redact is applied to every text that leaves the package, after the URL's credentials
	// are replaced (the action passes its secret masker). Nil: identity.
	Redact func(string) string

	// Now stamps Probe.At (default time.Now). Durations use the monotonic clock.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Successes == 0 {
		o.Successes = DefaultSuccesses
	}
	if o.Interval == 0 {
		o.Interval = DefaultInterval
	}
	if o.RequestTimeout == 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	if len(o.Statuses) == 0 {
		o.Statuses = []Range{{200, 399}}
	}
	if o.Redact == nil {
		o.Redact = func(s string) string { return s }
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Validate reports the first invalid option, after applying the defaults: the URL must be an
// absolute http or https URL with a host; Successes 1 to 100; Timeout 1s to 1h; Interval and
// RequestTimeout not negative; every status range within 100-599 and not backwards; and
// Successes probes Interval apart must fit in Timeout. Its errors never contain the URL.
func (o Options) Validate() error {
	o = o.withDefaults()
	if _, err := parseURL(o.URL); err != nil {
		return errors.New(o.Redact(err.Error()))
	}
	switch {
	case o.Successes < 1 || o.Successes > MaxSuccesses:
		return fmt.Errorf("verify: successes must be from 1 to %d, not %d", MaxSuccesses, o.Successes)
	case o.Timeout < MinTimeout || o.Timeout > MaxTimeout:
		return fmt.Errorf("verify: timeout must be from %s to %s, not %s", MinTimeout, MaxTimeout, o.Timeout)
	case o.Interval < 0:
		return fmt.Errorf("verify: interval must not be negative (%s)", o.Interval)
	case o.RequestTimeout < 0:
		return fmt.Errorf("verify: request timeout must not be negative (%s)", o.RequestTimeout)
	case time.Duration(o.Successes-1)*o.Interval >= o.Timeout:
		return fmt.Errorf("verify: %d successes %s apart cannot fit in the timeout of %s: raise the timeout or lower the successes",
			o.Successes, o.Interval, o.Timeout)
	}
	for _, r := range o.Statuses {
		if err := r.check(); err != nil {
			return fmt.Errorf("verify: status range %s: %w", r, err)
		}
	}
	return nil
}

// parseURL parses raw as a probe URL; its errors never quote the URL.
func parseURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("verify: URL is empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) { // its text quotes the URL: keep only the reason
			err = ue.Err
		}
		return nil, fmt.Errorf("verify: URL is not valid: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("verify: URL must start with http:// or https://, not %q", u.Scheme+":")
	}
	if u.Hostname() == "" {
		return nil, errors.New("verify: URL has no host (write https://web.example.com/healthz)")
	}
	return u, nil
}

// Range is an inclusive range of HTTP status codes; a single code has Lo == Hi.
type Range struct{ Lo, Hi int }

// Contains reports whether code is in r.
func (r Range) Contains(code int) bool { return r.Lo <= code && code <= r.Hi }

// String is "204" or "300-399", as ParseStatuses reads it.
func (r Range) String() string {
	if r.Lo == r.Hi {
		return fmt.Sprint(r.Lo)
	}
	return fmt.Sprintf("%d-%d", r.Lo, r.Hi)
}

func (r Range) check() error {
	switch {
	case r.Lo < 100 || r.Lo > 599 || r.Hi < 100 || r.Hi > 599:
		return errors.New("HTTP status codes are from 100 to 599")
	case r.Lo > r.Hi:
		return errors.New("the range goes backwards")
	}
	return nil
}

// ParseStatuses reads status codes and inclusive ranges separated by commas, such as
// "200,204,300-399" (spaces around items are ignored). An empty or blank s gives nil: the
// default 200-399. Codes have three digits from 100 to 599.
func ParseStatuses(s string) ([]Range, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []Range
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		bad := func(why string, args ...any) error {
			return fmt.Errorf("verify: statuses %q: %s", s, fmt.Sprintf(why, args...))
		}
		if item == "" {
			return nil, bad("an empty item (two commas in a row, or a comma at an end)")
		}
		lo, hi, isRange := strings.Cut(item, "-")
		a, okA := statusCode(strings.TrimSpace(lo))
		b, okB := a, okA
		if isRange {
			b, okB = statusCode(strings.TrimSpace(hi))
		}
		if !okA || !okB {
			return nil, bad("%q is neither a status code such as 204 nor a range such as 300-399", item)
		}
		r := Range{a, b}
		if err := r.check(); err != nil {
			return nil, bad("%s: %v", item, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// statusCode reads exactly three ASCII digits.
func statusCode(s string) (int, bool) {
	if len(s) != 3 {
		return 0, false
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
