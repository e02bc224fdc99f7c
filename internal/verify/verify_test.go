package verify

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestParseStatuses(t *testing.T) {
	good := []struct {
		in   string
		want []Range
	}{
		{"", nil},
		{"  ", nil},
		{"200", []Range{{200, 200}}},
		{"200,204,300-399", []Range{{200, 200}, {204, 204}, {300, 399}}},
		{" 200 , 300 - 399 ", []Range{{200, 200}, {300, 399}}},
		{"100-599", []Range{{100, 599}}},
		{"404-404", []Range{{404, 404}}},
	}
	for _, tc := range good {
		got, err := ParseStatuses(tc.in)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseStatuses(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	bad := []struct{ in, want string }{
		{"abc", `verify: statuses "abc": "abc" is neither a status code such as 204 nor a range such as 300-399`},
		{"200,", `verify: statuses "200,": an empty item (two commas in a row, or a comma at an end)`},
		{",200", "an empty item"},
		{"200,,204", "an empty item"},
		{"99", `"99" is neither a status code`},
		{"2000", `"2000" is neither`},
		{"+200", `"+200" is neither`},
		{"2xx", `"2xx" is neither`},
		{"200-", `"200-" is neither`},
		{"-200", `"-200" is neither`},
		{"200-300-400", `"200-300-400" is neither`},
		{"600", `verify: statuses "600": 600: HTTP status codes are from 100 to 599`},
		{"200,099-200", "099-200: HTTP status codes are from 100 to 599"},
		{"399-300", `verify: statuses "399-300": 399-300: the range goes backwards`},
	}
	for _, tc := range bad {
		got, err := ParseStatuses(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) || got != nil {
			t.Errorf("ParseStatuses(%q) = %v, %v; want an error containing %q", tc.in, got, err, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		o    Options
		want string // "" = valid
	}{
		{Options{URL: "https://web.example.com/healthz"}, ""},
		{Options{URL: "http://10.0.0.1:8080", Successes: 100, Timeout: time.Hour, Interval: time.Second}, ""},
		{Options{URL: "http://h", Successes: 1, Timeout: time.Second, Interval: time.Hour}, ""},
		{Options{URL: "http://h", Statuses: []Range{{100, 599}}}, ""},
		{Options{}, "verify: URL is empty"},
		{Options{URL: "web.example.com/healthz"}, `verify: URL must start with http:// or https://, not ":"`},
		{Options{URL: "ftp://h/x"}, `not "ftp:"`},
		{Options{URL: "http:///x"}, "verify: URL has no host"},
		{Options{URL: "http://h:port/"}, "verify: URL is not valid: invalid port"},
		{Options{URL: "http://h", Successes: 101}, "verify: successes must be from 1 to 100, not 101"},
		{Options{URL: "http://h", Successes: -1}, "not -1"},
		{Options{URL: "http://h", Timeout: 500 * time.Millisecond}, "verify: timeout must be from 1s to 1h0m0s, not 500ms"},
		{Options{URL: "http://h", Timeout: 2 * time.Hour}, "not 2h0m0s"},
		{Options{URL: "http://h", Interval: -time.Second}, "interval must not be negative"},
		{Options{URL: "http://h", RequestTimeout: -time.Second}, "request timeout must not be negative"},
		{Options{URL: "http://h", Interval: 30 * time.Second}, "verify: 3 successes 30s apart cannot fit in the timeout of 1m0s"},
		{Options{URL: "http://h", Statuses: []Range{{200, 299}, {600, 700}}}, "verify: status range 600-700: HTTP status codes are from 100 to 599"},
		{Options{URL: "http://h", Statuses: []Range{{300, 200}}}, "status range 300-200: the range goes backwards"},
	}
	for _, tc := range tests {
		err := tc.o.Validate()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("Validate(%+v) = %v, want %q", tc.o, err, tc.want)
		}
	}
}

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://web.example.com/healthz", "https://web.example.com/healthz"},
		{"https://u:p@h/x?token=abc&b=2&bare#frag", "https://***@h/x?token=***&b=***&***"},
		{"https://token@h:8443/", "https://***@h:8443/"},
		{"https://h/?a=1&&", "https://h/?a=***&&"},
		{"http://h:port/", "(invalid URL)"},
	}
	for _, tc := range tests {
		if got := RedactURL(tc.in); got != tc.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestExcerpt(t *testing.T) {
	if got := excerpt([]byte(" a\x00b\r\n\tc\u200bd\x1b[31m \xff ")); got != "a b c d [31m \uFFFD" {
		t.Errorf("excerpt = %q", got)
	}
	long := excerpt([]byte(strings.Repeat("é", 150)))
	if len(long) > ExcerptBytes || !utf8.ValidString(long) || utf8.RuneCountInString(long) != ExcerptBytes/2 {
		t.Errorf("excerpt of 300 bytes = %d bytes %q", len(long), long)
	}
	if got := excerpt([]byte("x" + strings.Repeat("€", 100))); len(got) != 199 || !utf8.ValidString(got) {
		t.Errorf("excerpt cut inside a rune: %d bytes", len(got))
	}
}

// TestFailureHints checks the advice for each way the last probes can fail.
func TestFailureHints(t *testing.T) {
	p, err := newProber(Options{URL: "https://u:secretpass@web.example.com/healthz?token=tok3n", Statuses: []Range{{200, 200}}})
	if err != nil {
		t.Fatal(err)
	}
	fail := func(k kind, status int, reason string) Probe { return Probe{Status: status, Reason: reason, kind: k} }
	ok := Probe{Status: 200, OK: true}
	tests := []struct {
		res  Result
		want string
	}{
		{Result{Probes: 4, Failures: 2, Consecutive: 2, Last: ok, LastFailure: fail(kindStatus, 502, "502 Bad Gateway")},
			"GET https://***@web.example.com/healthz?token=***: 2 of 3 successes in a row within 1m0s (4 probes, 2 failed); last: 200 OK; last failure: 502 Bad Gateway; it answered correctly at the end"},
		{Result{Probes: 1, Failures: 1, LastFailure: fail(kindTimeout, 0, "no response within 5s")}, "no response within 5s; the URL did not answer in time"},
		{Result{Probes: 1, Failures: 1, LastFailure: fail(kindStatus, 404, "404 Not Found")}, "404 Not Found; it answered with a status outside 200: "},
		{Result{Probes: 1, Failures: 1, LastFailure: fail(kindBody, 200, `body does not contain "ok"`)}, "without the expected text"},
		{Result{Probes: 1, Failures: 1, LastFailure: fail(kindTransport, 0, "no such host web.example.com")}, "no such host web.example.com; the runner could not reach the URL"},
	}
	for _, tc := range tests {
		tc.res.Last = map[bool]Probe{true: tc.res.Last, false: tc.res.LastFailure}[tc.res.Last.OK]
		err := p.failure(tc.res)
		if !errors.Is(err, ErrFailed) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "secretpass") {
			t.Errorf("failure(%+v) = %v, want %q", tc.res, err, tc.want)
		}
	}
}
