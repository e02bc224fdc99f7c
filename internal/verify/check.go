package verify

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Result sums up the probes of a Check or a During.
type Result struct {
	Probes        int
	Failures      int
	Consecutive   int     // successes in a row at the end
	Last          Probe   // the last probe
	LastFailure   Probe   // the last failed probe (zero if none)
	FirstFailures []Probe // the first MaxFirstFailures failed probes
	OK            bool    // Check: Successes in a row within Timeout; During: no failure
	Elapsed       time.Duration
}

func (r *Result) add(p Probe) {
	r.Probes++
	r.Last = p
	if p.OK {
		r.Consecutive++
		return
	}
	r.Failures++
	r.Consecutive = 0
	r.LastFailure = p
	if len(r.FirstFailures) < MaxFirstFailures {
		r.FirstFailures = append(r.FirstFailures, p)
	}
}

// Check probes o.URL every o.Interval until it has succeeded o.Successes times in a row, and
// returns nil then. A probe fails on a transport error, a status outside o.Statuses or a body
// without o.BodyContains; a failure restarts the count. When o.Timeout passes first, the error
// wraps ErrFailed and says the URL (redacted), the counts, the last failure with its body
// excerpt, and what to do. Invalid options give Validate's error; a canceled ctx stops Check
// at once with an error wrapping ctx.Err(). A probe cut short by the end of Timeout is not
// counted, unless it is the only one; one cut short by ctx never is.
func Check(ctx context.Context, o Options) (Result, error) {
	p, err := newProber(o)
	if err != nil {
		return Result{}, err
	}
	start := time.Now()
	cctx, cancel := context.WithTimeout(ctx, p.o.Timeout)
	defer cancel()
	var res Result
	for {
		pr := p.probe(cctx)
		if pr.OK || cctx.Err() == nil || res.Probes == 0 && ctx.Err() == nil {
			res.add(pr)
		}
		res.Elapsed = time.Since(start)
		if res.Consecutive >= p.o.Successes {
			res.OK = true
			return res, nil
		}
		if !sleep(cctx, p.o.Interval) {
			res.Elapsed = time.Since(start)
			if err := ctx.Err(); err != nil {
				return res, fmt.Errorf("verify: GET %s: stopped after %d probes: %w", p.safe(p.shown), res.Probes, err)
			}
			return res, p.failure(res)
		}
	}
}

// sleep waits d, or less if ctx ends first; it reports whether ctx is still going.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return ctx.Err() == nil
	}
}

func (p *prober) failure(res Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "GET %s: %d of %d successes in a row within %s (%d probes, %d failed)",
		p.safe(p.shown), res.Consecutive, p.o.Successes, p.o.Timeout, res.Probes, res.Failures)
	if res.Last.OK {
		fmt.Fprintf(&b, "; last: %s", statusText(res.Last.Status))
	}
	f := res.LastFailure
	fmt.Fprintf(&b, "; last failure: %s", f.Reason)
	if f.Excerpt != "" {
		fmt.Fprintf(&b, ", body %q", f.Excerpt)
	}
	b.WriteString("; ")
	switch {
	case res.Last.OK:
		fmt.Fprintf(&b, "it answered correctly at the end, but not %d times in a row before the timeout: raise the timeout, or look for pods still starting or failing behind the URL", p.o.Successes)
	case f.kind == kindTimeout:
		b.WriteString("the URL did not answer in time: look at the pods' logs and load, or raise the request timeout")
	case f.kind == kindStatus:
		fmt.Fprintf(&b, "it answered with a status outside %s: look at the application's logs and events, or accept that status", statusList(p.o.Statuses))
	case f.kind == kindBody:
		b.WriteString("it answered without the expected text: check that the URL reaches the new release and what it returns")
	default:
		b.WriteString("the runner could not reach the URL: check the URL, DNS, firewalls, and the Service and Ingress in front of the pods")
	}
	return fmt.Errorf("%w: %s", ErrFailed, b.String()) // Reason and Excerpt are already safe
}

func statusList(rs []Range) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = r.String()
	}
	return strings.Join(s, ",")
}

// During probes a URL in the background while a rollout runs; see Start.
type During struct {
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once
	start  time.Time
	res    Result // written by run until done is closed
}

// Start probes o.URL every o.Interval until Stop or until ctx ends; o.Timeout and o.Successes
// do not apply. Invalid options give Validate's error. A probe cut short by Stop or ctx is not
// counted.
func Start(ctx context.Context, o Options) (*During, error) {
	p, err := newProber(o)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	d := &During{cancel: cancel, done: make(chan struct{}), start: time.Now()}
	go d.run(ctx, p)
	return d, nil
}

func (d *During) run(ctx context.Context, p *prober) {
	defer close(d.done)
	for {
		pr := p.probe(ctx)
		if !pr.OK && ctx.Err() != nil {
			return
		}
		d.res.add(pr)
		if !sleep(ctx, p.o.Interval) {
			return
		}
	}
}

// Stop ends the probes, waits for the one in flight to be abandoned, and returns the counts:
// Probes, Failures, FirstFailures, Last, LastFailure, Consecutive, Elapsed since Start, and OK
// when no probe failed. Later calls return the same Result.
func (d *During) Stop() Result {
	d.once.Do(func() {
		d.cancel()
		<-d.done
		d.res.Elapsed = time.Since(d.start)
		d.res.OK = d.res.Failures == 0
	})
	r := d.res
	r.FirstFailures = slices.Clone(r.FirstFailures)
	return r
}
