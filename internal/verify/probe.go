package verify

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"
)

// Probe is one GET of the URL.
type Probe struct {
	At       time.Time     // when it started (Options.Now)
	Status   int           // 0 when no response arrived
	Reason   string        // empty when OK; else one short line: "503 Service Unavailable", "connection refused"
	Duration time.Duration // request and body
	OK       bool
	Excerpt  string // failures only: the body's first ExcerptBytes bytes as one printable line, redacted
	kind     kind
}

type kind uint8

const (
	kindOK kind = iota
	kindTransport
	kindTimeout
	kindStatus
	kindBody
)

// prober sends probes of one validated Options.
type prober struct {
	o       Options // defaults applied
	shown   string  // the URL as printed
	secrets []string
	client  *http.Client
}

func newProber(o Options) (*prober, error) {
	o = o.withDefaults()
	if err := o.Validate(); err != nil {
		return nil, err
	}
	u, _ := url.Parse(o.URL)
	p := &prober{o: o, shown: redactURL(u), secrets: secretsOf(u), client: o.Client}
	if p.client == nil {
		p.client = &http.Client{Transport: newTransport()}
	} else {
		c := *p.client
		p.client = &c
	}
	p.client.Jar = nil
	if p.client.CheckRedirect == nil {
		p.client.CheckRedirect = sameHost
	}
	return p, nil
}

func newTransport() http.RoundTripper {
	t, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return &http.Transport{Proxy: http.ProxyFromEnvironment, DisableKeepAlives: true}
	}
	t = t.Clone()
	t.DisableKeepAlives = true
	return t
}

// sameHost follows MaxRedirects redirects to the same host name, never from https to http.
func sameHost(req *http.Request, via []*http.Request) error {
	first := via[0].URL
	if !strings.EqualFold(req.URL.Hostname(), first.Hostname()) || first.Scheme == "https" && req.URL.Scheme != "https" {
		return http.ErrUseLastResponse
	}
	if len(via) > MaxRedirects {
		return fmt.Errorf("stopped after %d redirects", MaxRedirects)
	}
	return nil
}

// probe sends one GET; ctx bounds it together with RequestTimeout.
func (p *prober) probe(ctx context.Context) Probe {
	pr := Probe{At: p.o.Now()}
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, p.o.RequestTimeout)
	defer cancel()
	fail := func(k kind, reason string) Probe {
		pr.Duration, pr.kind, pr.Reason = time.Since(start), k, p.safe(reason)
		return pr
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.o.URL, nil)
	if err != nil {
		return fail(kindTransport, "cannot build the request")
	}
	req.Header.Set("User-Agent", UserAgent)
	resp, err := p.client.Do(req)
	if err != nil {
		k, why := errReason(err, time.Since(start))
		return fail(k, why)
	}
	defer resp.Body.Close()
	pr.Status = resp.StatusCode
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody))
	if len(body) > 0 {
		pr.Excerpt = p.safe(excerpt(body))
	}
	if err != nil {
		k, why := errReason(err, time.Since(start))
		return fail(k, "reading the body: "+why)
	}
	if !p.accepts(resp.StatusCode) {
		reason := statusText(resp.StatusCode)
		if loc, err := resp.Location(); err == nil && resp.StatusCode/100 == 3 {
			reason += ", redirect to " + loc.Hostname() + " not followed"
		}
		return fail(kindStatus, reason)
	}
	if p.o.BodyContains != "" && !bytes.Contains(body, []byte(p.o.BodyContains)) {
		reason := fmt.Sprintf("body does not contain %q", p.o.BodyContains)
		if len(body) == MaxBody {
			reason += " in its first MiB"
		}
		return fail(kindBody, reason)
	}
	pr.Duration, pr.OK, pr.Excerpt = time.Since(start), true, ""
	return pr
}

func (p *prober) accepts(code int) bool {
	for _, r := range p.o.Statuses {
		if r.Contains(code) {
			return true
		}
	}
	return false
}

func statusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return fmt.Sprintf("%d %s", code, t)
	}
	return fmt.Sprint(code)
}

// errReason makes a transport error one short line without the URL.
func errReason(err error, took time.Duration) (kind, string) {
	var dns *net.DNSError
	switch {
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return kindTimeout, "no response within " + took.Round(time.Millisecond).String()
	case errors.Is(err, context.Canceled):
		return kindTransport, "canceled"
	case errors.Is(err, syscall.ECONNREFUSED):
		return kindTransport, "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return kindTransport, "connection reset"
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return kindTransport, "connection closed before a complete response"
	case errors.As(err, &dns) && dns.IsNotFound:
		return kindTransport, "no such host " + dns.Name
	}
	var ue *url.Error
	if errors.As(err, &ue) { // "Get \"<url>\": ..." quotes the URL
		err = ue.Err
	}
	var op *net.OpError
	if errors.As(err, &op) { // "dial tcp 10.0.0.1:443: ..."
		err = op.Err
	}
	return kindTransport, oneLine(err.Error(), ExcerptBytes)
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

// excerpt is the start of body as one line of printable text.
func excerpt(body []byte) string {
	if len(body) > ExcerptBytes {
		cut := ExcerptBytes
		for cut > ExcerptBytes-utf8.UTFMax && !utf8.RuneStart(body[cut]) {
			cut--
		}
		body = body[:cut]
	}
	return oneLine(strings.ToValidUTF8(string(body), "\uFFFD"), ExcerptBytes)
}

// oneLine turns runs of spaces and unprintable characters into one space and cuts at max bytes.
func oneLine(s string, max int) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		if b.Len()+utf8.RuneLen(r) > max {
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}

// safe is every text on its way out: literal credentials become ***, then Options.Redact.
func (p *prober) safe(s string) string {
	for _, sec := range p.secrets {
		s = strings.ReplaceAll(s, sec, "***")
	}
	return p.o.Redact(s)
}

// minSecret is the shortest user name or query value replaced in free text: shorter ones
// ("1", "en") would garble status codes and words; the printed URL hides them anyway. A
// password is replaced whatever its length.
const minSecret = 4

// secretsOf lists the URL's credentials as they may appear in text: user name, password,
// user:password in base64 (the Authorization header), query values raw and decoded. Longest
// first, so a secret containing another is replaced whole.
func secretsOf(u *url.URL) []string {
	var out []string
	add := func(s string, min int) {
		if len(s) >= min {
			out = append(out, s)
		}
	}
	if u.User != nil {
		name := u.User.Username()
		pass, _ := u.User.Password()
		add(name, minSecret)
		add(pass, 1)
		add(url.QueryEscape(pass), 1)
		add(base64.StdEncoding.EncodeToString([]byte(name+":"+pass)), 1)
	}
	for _, kv := range strings.Split(u.RawQuery, "&") {
		_, v, ok := strings.Cut(kv, "=")
		if !ok {
			v = kv
		}
		add(v, minSecret)
		if d, err := url.QueryUnescape(v); err == nil {
			add(d, minSecret)
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// redactURL prints u with its userinfo and query values (or bare query items) as *** and
// without its fragment.
func redactURL(u *url.URL) string {
	r := *u
	r.User = nil // url.User("***") would print %2A%2A%2A
	if r.RawQuery != "" {
		items := strings.Split(r.RawQuery, "&")
		for i, kv := range items {
			if k, _, ok := strings.Cut(kv, "="); ok {
				items[i] = k + "=***"
			} else if kv != "" {
				items[i] = "***"
			}
		}
		r.RawQuery = strings.Join(items, "&")
	}
	r.Fragment, r.RawFragment = "", ""
	if u.User != nil {
		return strings.Replace(r.String(), "//", "//***@", 1)
	}
	return r.String()
}

// RedactURL prints raw as Check's messages do: userinfo and query values replaced by ***,
// no fragment. A URL that does not parse prints as "(invalid URL)".
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	return redactURL(u)
}
