package cloud

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// Minter mints bearer tokens for one cluster: one of the providers (eks, gke, aks) or the
// GitHub ID token itself (oidc).
type Minter interface {
	// Token mints a new token; expiry is when the cluster stops accepting it (zero: unknown).
	Token(ctx context.Context) (token string, expiry time.Time, err error)
	// Identity says who the tokens are for, safe to print.
	Identity() string
}

// Refresh policy: a token is replaced when a quarter of its life, at most refreshMargin, is
// left, so a deploy that waits 15 minutes for the lock and runs 5 more never sends an expired
// token; a token of unknown life is replaced every unknownLife.
const (
	refreshMargin = 2 * time.Minute
	unknownLife   = 5 * time.Minute
	// minRemint bounds how often a token the API server refused (401) is minted again.
	minRemint   = time.Second
	mintTimeout = 60 * time.Second
)

// Source caches a Minter's token and mints a new one before the old one expires. It
// implements client-go's transport.ResettableTokenSource: a 401 makes the next request mint a
// new token. Every token goes to mask before it is returned.
type Source struct {
	ctx  context.Context
	m    Minter
	mask func(string)
	now  func() time.Time

	mu        sync.Mutex
	cur       string
	minted    time.Time
	expiry    time.Time
	refreshAt time.Time
	mints     int
}

// NewSource wraps m. Minting runs on ctx without its cancellation (the finalizers of a
// cancelled run still talk to the cluster), each mint bounded by a minute. now nil = time.Now.
func NewSource(ctx context.Context, m Minter, mask func(string), now func() time.Time) *Source {
	if now == nil {
		now = time.Now
	}
	if mask == nil {
		mask = func(string) {}
	}
	return &Source{ctx: context.WithoutCancel(ctx), m: m, mask: mask, now: now}
}

// Token returns the cached token, or a new one when the cached one is due for refresh. When
// minting fails while the cached token is still valid, the cached one is returned.
func (s *Source) Token() (*oauth2.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if s.cur != "" && now.Before(s.refreshAt) {
		return s.token(), nil
	}
	ctx, cancel := context.WithTimeout(s.ctx, mintTimeout)
	defer cancel()
	tok, exp, err := s.m.Token(ctx)
	if err != nil {
		if s.cur != "" && now.Before(s.expiry) {
			return s.token(), nil
		}
		return nil, fmt.Errorf("cluster credentials for %s: %w", s.identity(), err)
	}
	s.mask(tok)
	s.cur, s.minted, s.expiry, s.refreshAt = tok, now, exp, refreshTime(now, exp)
	s.mints++
	return s.token(), nil
}

func (s *Source) identity() string {
	if id := s.m.Identity(); id != "" {
		return id
	}
	return "the configured identity"
}

// token reports the refresh time as the expiry, so that no cache above this one keeps the token longer.
func (s *Source) token() *oauth2.Token {
	return &oauth2.Token{AccessToken: s.cur, TokenType: "Bearer", Expiry: s.refreshAt}
}

// ResetTokenOlderThan drops the cached token when it was minted before t (the API server
// answered 401 to a request sent at t), at most once a second.
func (s *Source) ResetTokenOlderThan(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != "" && s.minted.Before(t) && s.now().Sub(s.minted) >= minRemint {
		s.refreshAt = s.minted
	}
}

// Identity is the Minter's identity.
func (s *Source) Identity() string { return s.m.Identity() }

// Expiry is when the current token expires (zero before the first or when unknown).
func (s *Source) Expiry() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.expiry
}

// Mints counts the tokens minted so far.
func (s *Source) Mints() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mints
}

// refreshTime is when a token minted at now and expiring at exp is replaced.
func refreshTime(now, exp time.Time) time.Time {
	if exp.IsZero() {
		return now.Add(unknownLife)
	}
	life := exp.Sub(now)
	if life <= 4*minRemint {
		// Already expired, or about to, on our clock: the clocks disagree (or the token is
		// short-lived). Use it once; the API server decides, and a 401 mints again.
		return now.Add(minRemint)
	}
	return exp.Add(-min(refreshMargin, life/4))
}
