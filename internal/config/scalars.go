package config

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// boolValues are the spellings @actions/core getBooleanInput accepts.
var boolValues = map[string]bool{
	"true": true, "True": true, "TRUE": true,
	"false": false, "False": false, "FALSE": false,
}

const boolHint = "use one of true, True, TRUE, false, False, FALSE"

func (r *reader) bool(name string) bool {
	v, _ := r.raw(name)
	b, ok := boolValues[v]
	if !ok {
		r.fail(name, v, "%q is not a boolean: %s", v, boolHint)
	}
	return b
}

// optBool is a boolean that may be left empty (nil).
func (r *reader) optBool(name string) *bool {
	v, _ := r.raw(name)
	if v == "" {
		return nil
	}
	b, ok := boolValues[v]
	if !ok {
		r.fail(name, v, "%q is not a boolean: %s, or leave it empty", v, boolHint)
		return nil
	}
	return &b
}

const durationHint = "(examples: 90s, 5m, 1h)"

// duration parses a Go duration of at least min.
func (r *reader) duration(name string, min time.Duration) time.Duration {
	v, _ := r.raw(name)
	d, err := time.ParseDuration(v)
	switch {
	case err != nil:
		r.fail(name, v, "%q is not a Go duration %s", v, durationHint)
	case d < min:
		if min == 0 {
			r.fail(name, v, "%q is negative; it must be 0 or more", v)
		} else {
			r.fail(name, v, "%q is too short; it must be at least %s", v, min)
		}
	}
	return d
}

// positiveDuration parses a Go duration that must be greater than zero.
func (r *reader) positiveDuration(name string) time.Duration {
	v, _ := r.raw(name)
	d, err := time.ParseDuration(v)
	switch {
	case err != nil:
		r.fail(name, v, "%q is not a Go duration %s", v, durationHint)
	case d <= 0:
		r.fail(name, v, "%q must be greater than zero %s", v, durationHint)
	}
	return d
}

// secondsOrDuration accepts a whole number of seconds or a Go duration >= 0.
func (r *reader) secondsOrDuration(name string) time.Duration {
	v, _ := r.raw(name)
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			r.fail(name, v, "%q is negative; it must be 0 or more seconds", v)
			return 0
		}
		if int64(n) > int64(1<<62)/int64(time.Second) {
			r.fail(name, v, "%q is too large", v)
			return 0
		}
		return time.Duration(n) * time.Second
	}
	d, err := time.ParseDuration(v)
	switch {
	case err != nil:
		r.fail(name, v, "%q is neither a whole number of seconds nor a Go duration %s", v, durationHint)
	case d < 0:
		r.fail(name, v, "%q is negative; it must be 0 or more", v)
	}
	return d
}

// nonNegativeInt parses a base-10 integer >= 0.
func (r *reader) nonNegativeInt(name string) int {
	v, _ := r.raw(name)
	n, err := strconv.Atoi(v)
	switch {
	case err != nil:
		r.fail(name, v, "%q is not a whole number", v)
	case n < 0:
		r.fail(name, v, "%q is negative; it must be 0 or more", v)
	}
	return n
}

// enum returns v if it is one of allowed (compared case-insensitively),
// lower-cased.
func (r *reader) enum(name string, allowed ...string) string {
	v, _ := r.raw(name)
	for _, a := range allowed {
		if strings.EqualFold(v, a) {
			return a
		}
	}
	r.fail(name, v, "%q is not allowed: use one of %s", v, strings.Join(allowed, ", "))
	return ""
}

var (
	// releaseNameRe is Helm's own release name rule (pkg/chartutil).
	releaseNameRe = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)
	dnsLabelRe    = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
)

const (
	maxReleaseName = 53
	maxLabel       = 63
)

func (r *reader) release() string {
	v, _ := r.raw("release")
	switch {
	case v == "":
		r.fail("release", v, "is required")
	case len(v) > maxReleaseName:
		r.fail("release", v, "%q is %d characters long; Helm allows at most %d", v, len(v), maxReleaseName)
	case !releaseNameRe.MatchString(v):
		r.fail("release", v, "%q is not a valid release name: use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit", v)
	}
	return v
}

func (r *reader) namespace() string {
	v, _ := r.raw("namespace")
	switch {
	case len(v) > maxLabel:
		r.fail("namespace", v, "%q is %d characters long; at most %d are allowed", v, len(v), maxLabel)
	case !dnsLabelRe.MatchString(v):
		r.fail("namespace", v, "%q is not a valid namespace: use lowercase letters, digits and '-', starting and ending with a letter or digit", v)
	}
	return v
}
