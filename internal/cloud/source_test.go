package cloud

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// fakeMinter mints tok-1, tok-2, ... each living life on the test clock.
type fakeMinter struct {
	now  *time.Time
	life time.Duration
	n    int
	fail error
}

func (m *fakeMinter) Token(context.Context) (string, time.Time, error) {
	if m.fail != nil {
		return "", time.Time{}, m.fail
	}
	m.n++
	var exp time.Time
	if m.life != 0 {
		exp = m.now.Add(m.life)
	}
	return fmt.Sprintf("tok-%d", m.n), exp, nil
}

func (m *fakeMinter) Identity() string { return "test identity" }

func TestSourceRefreshesBeforeExpiry(t *testing.T) {
	cases := []struct {
		name      string
		life      time.Duration
		stillSame time.Duration // the cached token is returned at this age
		renewed   time.Duration // and a new one at this age
	}{
		{"eks 14 min: 2 min early", 14 * time.Minute, 11*time.Minute + 59*time.Second, 12 * time.Minute},
		{"github 5 min: 75 s early", 5 * time.Minute, 3*time.Minute + 44*time.Second, 3*time.Minute + 45*time.Second},
		{"20 s token: 5 s early", 20 * time.Second, 14 * time.Second, 15 * time.Second},
		{"unknown expiry: every 5 min", 0, 4*time.Minute + 59*time.Second, 5 * time.Minute},
		{"expired on our clock (skew): used once, 1 s", -time.Minute, 999 * time.Millisecond, time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			now := time.Unix(1_800_000_000, 0)
			start := now
			m := &fakeMinter{now: &now, life: c.life}
			var masked []string
			s := NewSource(context.Background(), m, func(v string) { masked = append(masked, v) }, func() time.Time { return now })
			get := func() string {
				tok, err := s.Token()
				if err != nil {
					t.Fatal(err)
				}
				return tok.AccessToken
			}
			if got := get(); got != "tok-1" {
				t.Fatalf("first token %q", got)
			}
			now = start.Add(c.stillSame)
			if got := get(); got != "tok-1" {
				t.Fatalf("at %v: %q, want the cached tok-1", c.stillSame, got)
			}
			now = start.Add(c.renewed)
			if got := get(); got != "tok-2" {
				t.Fatalf("at %v: %q, want a new tok-2", c.renewed, got)
			}
			if len(masked) != 2 || masked[0] != "tok-1" || masked[1] != "tok-2" {
				t.Fatalf("masked %v, want every token masked once", masked)
			}
		})
	}
}

func TestSourceKeepsAValidTokenWhenMintingFails(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	m := &fakeMinter{now: &now, life: 20 * time.Second}
	s := NewSource(context.Background(), m, nil, func() time.Time { return now })
	if _, err := s.Token(); err != nil {
		t.Fatal(err)
	}
	m.fail = errors.New("STS is down")
	now = now.Add(16 * time.Second) // due for refresh, still valid
	if tok, err := s.Token(); err != nil || tok.AccessToken != "tok-1" {
		t.Fatalf("got %v, %v; want the still-valid tok-1", tok, err)
	}
	now = now.Add(5 * time.Second) // expired
	if _, err := s.Token(); err == nil || !errors.Is(err, m.fail) {
		t.Fatalf("err = %v, want the mint error once the token expired", err)
	}
}

func TestSourceResetAfter401(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	m := &fakeMinter{now: &now, life: time.Hour}
	s := NewSource(context.Background(), m, nil, func() time.Time { return now })
	_, _ = s.Token()
	s.ResetTokenOlderThan(now.Add(time.Millisecond)) // a 401 right after minting: too soon to mint again
	if tok, _ := s.Token(); tok.AccessToken != "tok-1" {
		t.Fatalf("re-minted within a second of the last mint: %s", tok.AccessToken)
	}
	now = now.Add(2 * time.Second)
	s.ResetTokenOlderThan(now)
	if tok, _ := s.Token(); tok.AccessToken != "tok-2" {
		t.Fatalf("after a 401, got %s, want a new token", tok.AccessToken)
	}
	s.ResetTokenOlderThan(now.Add(-time.Minute)) // a 401 for a request sent before tok-2 existed
	if tok, _ := s.Token(); tok.AccessToken != "tok-2" {
		t.Fatalf("a stale 401 dropped the new token: %s", tok.AccessToken)
	}
	if s.Mints() != 2 {
		t.Fatalf("mints %d", s.Mints())
	}
}
