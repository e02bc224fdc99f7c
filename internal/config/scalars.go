package config

import (
	"fmt"
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

// limit is the largest value an input accepts, with the reason shown when a
// value is over it (e.g. "a GitHub-hosted job is stopped after 6h anyway").
type limit struct {
	max time.Duration
	why string
}

// overLimit reports v as larger than the limit: shown is the limit ("6h",
// "3600 seconds"), use says what to write instead.
func (r *reader) overLimit(name, v, shown, why, use string) {
	r.fail(name, v, "%q is over the limit of %s (%s); use %s", v, shown, why, use)
}

// duration parses a Go duration of at least min and at most lim.max.
func (r *reader) duration(name string, min time.Duration, lim limit) time.Duration {
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
	case d > lim.max:
		r.overLimit(name, v, shortDuration(lim.max), lim.why, "at most "+shortDuration(lim.max))
	}
	return d
}

// positiveDuration parses a Go duration greater than zero and at most lim.max.
func (r *reader) positiveDuration(name string, lim limit) time.Duration {
	v, _ := r.raw(name)
	d, err := time.ParseDuration(v)
	switch {
	case err != nil:
		r.fail(name, v, "%q is not a Go duration %s", v, durationHint)
	case d <= 0:
		r.fail(name, v, "%q must be greater than zero %s", v, durationHint)
	case d > lim.max:
		r.overLimit(name, v, shortDuration(lim.max), lim.why, "at most "+shortDuration(lim.max))
	}
	return d
}

// secondsOrDuration accepts a whole number of seconds or a Go duration, from
// 0 to lim.max (a whole number of seconds).
func (r *reader) secondsOrDuration(name string, lim limit) time.Duration {
	v, _ := r.raw(name)
	secs := int64(lim.max / time.Second)
	shown := fmt.Sprintf("%d seconds", secs)
	use := fmt.Sprintf("at most %d, or a Go duration up to %s", secs, shortDuration(lim.max))
	digits := v
	if v != "" && (v[0] == '+' || v[0] == '-') {
		digits = v[1:]
	}
	if isDigits(digits) {
		n, err := strconv.ParseInt(v, 10, 64)
		switch {
		case v[0] == '-' && strings.Trim(digits, "0") != "":
			r.fail(name, v, "%q is negative; it must be 0 or more seconds", v)
		case err != nil || n > secs:
			r.overLimit(name, v, shown, lim.why, use)
		default:
			return time.Duration(n) * time.Second
		}
		return 0
	}
	d, err := time.ParseDuration(v)
	switch {
	case err != nil:
		r.fail(name, v, "%q is neither a whole number of seconds nor a Go duration %s", v, durationHint)
	case d < 0:
		r.fail(name, v, "%q is negative; it must be 0 or more", v)
	case d > lim.max:
		r.overLimit(name, v, shown, lim.why, use)
	}
	return d
}

// shortDuration prints d without zero minutes and seconds: 6h, 10m, 1h30m.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// isDigits reports whether s is one or more ASCII decimal digits.
func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
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

// boundedInt parses a base-10 integer from 0 to max; why says why max.
func (r *reader) boundedInt(name string, max int, why string) int {
	v, _ := r.raw(name)
	if isDigits(strings.TrimPrefix(v, "+")) {
		if n, err := strconv.Atoi(v); err != nil || n > max {
			r.overLimit(name, v, strconv.Itoa(max), why, "at most "+strconv.Itoa(max))
			return 0
		}
	}
	return r.nonNegativeInt(name)
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
