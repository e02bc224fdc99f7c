package verify

import (
	"context"
	"net/http"
	"reflect"
	"testing"
	"time"
)

// flipper is a server whose every answer the test hands over: a request announces itself on
// arrived, then waits for its status on codes (or for the client to give up).
type flipper struct {
	arrived chan int64
	codes   chan int
}

func newFlipper(t *testing.T) (*flipper, string) {
	f := &flipper{arrived: make(chan int64), codes: make(chan int)}
	srv, _ := serve(t, func(n int64, w http.ResponseWriter, r *http.Request) {
		select {
		case f.arrived <- n:
		case <-r.Context().Done():
			return
		}
		select {
		case code := <-f.codes:
			w.WriteHeader(code)
		case <-r.Context().Done():
		}
	})
	return f, srv.URL
}

// answer lets the next request arrive and answers it with code.
func (f *flipper) answer(t *testing.T, code int) {
	t.Helper()
	<-f.arrived
	f.codes <- code
}

func TestDuringCountsFailures(t *testing.T) {
	f, url := newFlipper(t)
	at := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	d, err := Start(context.Background(), Options{URL: url, Interval: time.Millisecond, Now: func() time.Time { return at }})
	if err != nil {
		t.Fatal(err)
	}
	flips := []int{200, 503, 503, 200, 502, 200, 503, 503, 503, 200}
	for _, code := range flips {
		f.answer(t, code)
	}
	// The next request arriving means the run recorded the last answer; Stop abandons it.
	<-f.arrived
	res := d.Stop()
	if res.Probes != len(flips) || res.Failures != 6 || res.Consecutive != 1 || res.OK || res.Last.Status != 200 {
		t.Errorf("result %+v, want 10 probes, 6 failures, the last one OK", res)
	}
	if res.LastFailure.Status != 503 || res.Elapsed <= 0 {
		t.Errorf("last failure %+v, elapsed %s", res.LastFailure, res.Elapsed)
	}
	var got []int
	for _, p := range res.FirstFailures {
		got = append(got, p.Status)
		if p.OK || p.Reason != statusText(p.Status) || !p.At.Equal(at) {
			t.Errorf("first failure %+v", p)
		}
	}
	if want := []int{503, 503, 502, 503, 503}; !reflect.DeepEqual(got, want) {
		t.Errorf("first failures %v, want %v", got, want)
	}
	if again := d.Stop(); !reflect.DeepEqual(again, res) {
		t.Errorf("second Stop = %+v, want %+v", again, res)
	}
}

func TestDuringAllGood(t *testing.T) {
	f, url := newFlipper(t)
	d, err := Start(context.Background(), Options{URL: url, Interval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	f.answer(t, 200)
	f.answer(t, 204)
	<-f.arrived
	if res := d.Stop(); !res.OK || res.Probes != 2 || res.Failures != 0 || len(res.FirstFailures) != 0 {
		t.Errorf("result %+v", res)
	}
}

func TestDuringStopsWithContext(t *testing.T) {
	f, url := newFlipper(t)
	ctx, cancel := context.WithCancel(context.Background())
	d, err := Start(ctx, Options{URL: url, Interval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	f.answer(t, 503)
	<-f.arrived
	cancel() // the in-flight probe is abandoned, not counted
	first := d.Stop()
	if first.Probes != 1 || first.Failures != 1 || first.OK {
		t.Errorf("result %+v", first)
	}
	if second := d.Stop(); !reflect.DeepEqual(first, second) {
		t.Errorf("second Stop = %+v, want %+v", second, first)
	}
}

func TestStartValidates(t *testing.T) {
	if d, err := Start(context.Background(), Options{URL: "ftp://h/"}); err == nil || d != nil {
		t.Errorf("Start = %v, %v; want Validate's error", d, err)
	}
}
