package config

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// VerifySpec is the smoke check of the deployed service (inputs verify-*).
type VerifySpec struct {
	URL         string // empty: no smoke check
	Timeout     time.Duration
	Successes   int
	Statuses    string // validated "200-399" / "200,204,300-399"
	Body        string
	During      bool
	MaxFailures int
}

// ChangeSpec is what happens around the rollout: drift check, forced rollout, PR comment.
type ChangeSpec struct {
	Drift        string // warn, fail or ignore
	ForceRollout bool
	PRComment    bool
}

var statusList = regexp.MustCompile(`^[1-5][0-9]{2}(-[1-5][0-9]{2})?(,[1-5][0-9]{2}(-[1-5][0-9]{2})?)*$`)

var verifyTimeoutLimit = limit{time.Hour, "a smoke check longer than that is a monitoring job"}

func (r *reader) verify() VerifySpec {
	v := VerifySpec{URL: r.str("verify-url"), Body: r.str("verify-body"), During: r.bool("verify-during-rollout")}
	if v.URL == "" {
		return v
	}
	u, err := url.Parse(v.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		r.fail("verify-url", shownURL(v.URL), "must be an http or https URL such as https://web.example.com/healthz")
	}
	v.Timeout = r.duration("verify-timeout", time.Second, verifyTimeoutLimit)
	v.Successes = r.boundedInt("verify-successes", 100, "a hundred successes in a row prove as much as more")
	if v.Successes < 1 {
		r.fail("verify-successes", r.str("verify-successes"), "must be at least 1")
	}
	v.Statuses = strings.ReplaceAll(r.str("verify-status"), " ", "")
	if !statusList.MatchString(v.Statuses) {
		r.fail("verify-status", v.Statuses, "must be status codes or ranges separated by commas, such as 200 or 200,204,300-399")
	} else {
		for _, part := range strings.Split(v.Statuses, ",") {
			lo, hi, _ := strings.Cut(part, "-")
			if hi != "" {
				a, _ := strconv.Atoi(lo)
				b, _ := strconv.Atoi(hi)
				if a > b {
					r.fail("verify-status", v.Statuses, "range %s goes backwards", part)
				}
			}
		}
	}
	v.MaxFailures = r.boundedInt("verify-max-failures", 10000, "allow a rate instead of counting that many")
	return v
}

func (r *reader) change() ChangeSpec {
	return ChangeSpec{
		Drift:        r.enum("drift", "warn", "fail", "ignore"),
		ForceRollout: r.bool("force-rollout"),
		PRComment:    r.bool("pr-comment"),
	}
}

// shownURL is a URL as an error may quote it: no user info, no query values.
func shownURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(not a URL)"
	}
	shown := u.Scheme + "://" + u.Host + u.Path
	if u.User != nil {
		shown = u.Scheme + "://***@" + u.Host + u.Path
	}
	if u.RawQuery != "" {
		shown += "?***"
	}
	return shown
}
