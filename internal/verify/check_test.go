package verify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// serve starts a server on 127.0.0.1 whose handler gets the 1-based request number. Every
// response sets a cookie; a request carrying one, or without the action's User-Agent, fails
// the test.
func serve(t *testing.T, h func(n int64, w http.ResponseWriter, r *http.Request)) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var count atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c := r.Header.Get("Cookie"); c != "" {
			t.Errorf("probe sent cookies %q", c)
		}
		if ua := r.UserAgent(); ua != UserAgent {
			t.Errorf("User-Agent %q, want %q", ua, UserAgent)
		}
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "s"})
		h(count.Add(1), w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &count
}

func answer(code int, body string) func(int64, http.ResponseWriter, *http.Request) {
	return func(_ int64, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(code)
		fmt.Fprint(w, body)
	}
}

// script answers request n with codes[n-1], and the last code after that.
func script(codes ...int) func(int64, http.ResponseWriter, *http.Request) {
	return func(n int64, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(codes[min(int(n), len(codes))-1])
	}
}

func TestCheckSucceeds(t *testing.T) {
	jar, _ := cookiejar.New(nil)
	tests := []struct {
		name             string
		handler          func(int64, http.ResponseWriter, *http.Request)
		edit             func(*Options)
		probes, failures int
		requests         int64
	}{
		{"200 three times", answer(200, "ok"), nil, 3, 0, 3},
		{"one success asked", answer(204, ""), func(o *Options) { o.Successes = 1 }, 1, 0, 1},
		{"503 twice then 200", script(503, 503, 200), nil, 5, 2, 5},
		{"a failure restarts the count", script(200, 503, 200, 200, 200), nil, 5, 1, 5},
		{"a failure after two successes", script(200, 200, 500, 200, 200, 200), nil, 6, 1, 6},
		{"body contains", answer(200, "status: ok"), func(o *Options) { o.BodyContains = "ok" }, 3, 0, 3},
		{"body missing then present", func(n int64, w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, map[bool]string{true: "starting", false: "ready"}[n == 1])
		}, func(o *Options) { o.BodyContains = "ready" }, 4, 1, 4},
		{"custom statuses", script(200, 418), func(o *Options) { o.Statuses = []Range{{418, 418}} }, 4, 1, 4},
		{"redirect within the host", func(_ int64, w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/ok" {
				http.Redirect(w, r, "/ok", http.StatusFound)
			}
		}, func(o *Options) { o.Statuses = []Range{{200, 200}} }, 3, 0, 6},
		{"redirect to another host is the answer", func(_ int64, w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://sso.invalid/login", http.StatusFound)
		}, nil, 3, 0, 3},
		{"own client's jar is not used", answer(200, ""), func(o *Options) { o.Client = &http.Client{Jar: jar} }, 3, 0, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, count := serve(t, tc.handler)
			o := Options{URL: srv.URL + "/health", Interval: time.Millisecond}
			if tc.edit != nil {
				tc.edit(&o)
			}
			res, err := Check(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			if !res.OK || res.Probes != tc.probes || res.Failures != tc.failures || res.Consecutive != o.withDefaults().Successes {
				t.Errorf("result %+v, want OK with %d probes, %d failures", res, tc.probes, tc.failures)
			}
			if n := count.Load(); n != tc.requests {
				t.Errorf("server saw %d requests, want %d", n, tc.requests)
			}
		})
	}
}

func TestCheckFails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		handler func(int64, http.ResponseWriter, *http.Request)
		edit    func(*Options)
		want    []string
		tls     bool
	}{
		{"always 503", answer(503, "upstream connect error\r\n<b>reset</b>"), nil, []string{
			"0 of 3 successes in a row within 1s", "last failure: 503 Service Unavailable",
			`body "upstream connect error <b>reset</b>"`, "outside 200-399", "application's logs"}, false},
		{"body missing", answer(200, "not ready"), func(o *Options) { o.BodyContains = "ok" }, []string{
			`last failure: body does not contain "ok", body "not ready"`, "without the expected text"}, false},
		{"status outside the list", answer(204, ""), func(o *Options) { o.Statuses = []Range{{200, 200}, {300, 302}} }, []string{
			"last failure: 204 No Content;", "outside 200,300-302"}, false},
		{"redirect elsewhere not accepted", func(_ int64, w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://sso.invalid/login?state=x", http.StatusFound)
		}, func(o *Options) { o.Statuses = []Range{{200, 299}} }, []string{
			"302 Found, redirect to sso.invalid not followed"}, false},
		{"https downgrade not followed", func(_ int64, w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://127.0.0.1/", http.StatusMovedPermanently)
		}, func(o *Options) { o.Statuses = []Range{{200, 299}} }, []string{"301 Moved Permanently, redirect to 127.0.0.1 not followed"}, true},
		{"redirect loop", func(_ int64, w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/again", http.StatusFound)
		}, nil, []string{"last failure: stopped after 5 redirects", "could not reach"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var srv *httptest.Server
			if tc.tls {
				srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { tc.handler(0, w, r) }))
				t.Cleanup(srv.Close)
			} else {
				srv, _ = serve(t, tc.handler)
			}
			o := Options{URL: srv.URL + "/health", Interval: 10 * time.Millisecond, Timeout: time.Second}
			if tc.edit != nil {
				tc.edit(&o)
			}
			if tc.tls {
				o.Client = srv.Client()
			}
			res, err := Check(context.Background(), o)
			if !errors.Is(err, ErrFailed) {
				t.Fatalf("err %v, want ErrFailed", err)
			}
			msg := err.Error()
			for _, w := range append(tc.want, "verify: smoke check failed: GET "+o.URL+":") {
				if !strings.Contains(msg, w) {
					t.Errorf("error lacks %q:\n%s", w, msg)
				}
			}
			if res.OK || res.Probes == 0 || res.Failures != res.Probes || len(res.FirstFailures) != min(res.Probes, MaxFirstFailures) {
				t.Errorf("result %+v", res)
			}
		})
	}
}

func TestCheckConnectionRefused(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	res, err := Check(context.Background(), Options{URL: "http://" + addr + "/", Interval: 10 * time.Millisecond, Timeout: time.Second})
	if !errors.Is(err, ErrFailed) || !strings.Contains(err.Error(), "last failure: connection refused; the runner could not reach the URL") {
		t.Fatalf("err %v", err)
	}
	if f := res.LastFailure; f.Reason != "connection refused" || f.Status != 0 || f.Excerpt != "" {
		t.Errorf("last failure %+v", f)
	}
}

func TestCheckRequestTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv, _ := serve(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	t.Cleanup(func() { close(release) }) // before srv.Close, which waits for the handlers
	o := Options{URL: srv.URL, Interval: time.Millisecond, Timeout: time.Second, RequestTimeout: 50 * time.Millisecond}
	res, err := Check(context.Background(), o)
	if !errors.Is(err, ErrFailed) || !strings.Contains(err.Error(), "last failure: no response within") ||
		!strings.Contains(err.Error(), "did not answer in time") {
		t.Fatalf("err %v", err)
	}
	if f := res.LastFailure; f.Duration < o.RequestTimeout || f.Status != 0 {
		t.Errorf("last failure %+v", f)
	}
}

func TestCheckCancel(t *testing.T) {
	arrived := make(chan struct{}, 1)
	srv, _ := serve(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		<-r.Context().Done()
	})
	ctx, cancel := context.WithCancel(context.Background())
	type out struct {
		res Result
		err error
	}
	done := make(chan out)
	go func() {
		res, err := Check(ctx, Options{URL: srv.URL, Timeout: time.Hour, RequestTimeout: time.Hour})
		done <- out{res, err}
	}()
	<-arrived
	cancel()
	select {
	case o := <-done:
		if !errors.Is(o.err, context.Canceled) || errors.Is(o.err, ErrFailed) || o.res.Probes != 0 {
			t.Errorf("Check = %+v, %v; want context.Canceled, no probe counted", o.res, o.err)
		}
	case <-time.After(10 * time.Second): // a watchdog, not an ordering
		t.Fatal("Check did not return after cancel")
	}
}

func TestCredentialsNeverPrinted(t *testing.T) {
	t.Parallel()
	srv, _ := serve(t, func(_ int64, w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized) // echoes what a debug page might
		fmt.Fprintf(w, "%s %s %s", r.URL.String(), r.Header.Get("Authorization"), r.URL.Query().Get("token"))
	})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + l.Addr().String()
	l.Close()
	secrets := []string{"alice", "hunter22", "supersecret", "YWxpY2U6aHVudGVyMjI=", "127.0.0.1"}
	redact := func(s string) string { return strings.ReplaceAll(s, "127.0.0.1", "[host]") }
	for name, base := range map[string]string{"echo": srv.URL, "refused": refused} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			raw := strings.Replace(base, "http://", "http://alice:hunter22@", 1) + "/health?token=supersecret&x=1#frag"
			o := Options{URL: raw, Interval: 10 * time.Millisecond, Timeout: time.Second, Redact: redact}
			res, err := Check(context.Background(), o)
			if !errors.Is(err, ErrFailed) {
				t.Fatalf("err %v", err)
			}
			texts := []string{err.Error(), res.Last.Reason, res.Last.Excerpt}
			for _, f := range res.FirstFailures {
				texts = append(texts, f.Reason, f.Excerpt)
			}
			for _, text := range texts {
				for _, s := range secrets {
					if strings.Contains(text, s) {
						t.Errorf("%q printed in %q", s, text)
					}
				}
			}
			if !strings.Contains(err.Error(), "GET http://***@[host]:") || !strings.Contains(err.Error(), "/health?token=***&x=***:") {
				t.Errorf("URL not shown redacted: %v", err)
			}
		})
	}
	for _, raw := range []string{"ftp://alice:hunter22@h/?token=supersecret", "http://alice:hunter22@[::1/?token=supersecret"} {
		err := (Options{URL: raw}).Validate()
		if err == nil || strings.Contains(err.Error(), "hunter22") || strings.Contains(err.Error(), "supersecret") {
			t.Errorf("Validate(%q) = %v", raw, err)
		}
	}
}
