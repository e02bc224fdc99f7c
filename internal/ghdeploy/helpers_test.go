package ghdeploy

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/ghdeploy/ghfake"
)

// sleeps records the waits a Client asked for; no real time passes.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

// newFake starts a fake GitHub and a Client talking to it.
func newFake(t *testing.T, mod func(*Options)) (*ghfake.Server, *Client, *sleeps) {
	t.Helper()
	s := ghfake.Start(t)
	sl := &sleeps{}
	opts := Options{
		Token: "ghs_test", APIURL: s.URL, Owner: "octo", Repo: "app",
		Sleep: sl.sleep,
	}
	if mod != nil {
		mod(&opts)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s, c, sl
}

func ptr[T any](v T) *T { return &v }
