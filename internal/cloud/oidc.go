package cloud

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"time"
)

// IDTokenFunc returns a new GitHub ID token for an audience.
type IDTokenFunc func(ctx context.Context, audience string) (string, error)

// oidcMinter uses the job's GitHub ID token itself as the bearer token, for clusters whose API
// server trusts token.actions.githubusercontent.com (structured authentication or --oidc-*).
type oidcMinter struct {
	idToken  IDTokenFunc
	audience string

	mu      sync.Mutex
	subject string
}

func (m *oidcMinter) Token(ctx context.Context) (string, time.Time, error) {
	if m.idToken == nil {
		return "", time.Time{}, ErrNoIDToken
	}
	tok, err := m.idToken(ctx, m.audience)
	if err != nil {
		return "", time.Time{}, err
	}
	c, err := unverifiedClaims(tok)
	if err != nil {
		return "", time.Time{}, err
	}
	m.mu.Lock()
	m.subject = c.Subject
	m.mu.Unlock()
	var exp time.Time
	if c.Expiry > 0 {
		exp = time.Unix(c.Expiry, 0)
	}
	return tok, exp, nil
}

func (m *oidcMinter) Identity() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.subject == "" {
		return "GitHub OIDC token (audience " + m.audience + ")"
	}
	return "GitHub OIDC subject " + m.subject + " (audience " + m.audience + ")"
}

type jwtClaims struct {
	Subject string `json:"sub"`
	Expiry  int64  `json:"exp"`
}

// unverifiedClaims reads a JWT's payload without checking its signature: the token is our
// own, fresh from GitHub, and the API server verifies it. Only sub and exp are used.
func unverifiedClaims(tok string) (jwtClaims, error) {
	var c jwtClaims
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return c, errors.New("the GitHub OIDC token is not a JWT")
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return c, errors.New("the GitHub OIDC token's payload is not base64url")
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return c, errors.New("the GitHub OIDC token's payload is not JSON")
	}
	return c, nil
}
