// Package ghoidc is a loopback fake of the GitHub Actions OIDC token service: the runtime
// endpoint a job calls with ACTIONS_ID_TOKEN_REQUEST_TOKEN, and the issuer's discovery document
// and JWKS. It signs RS256 JWTs shaped like GitHub's (iss, aud, sub, exp, iat, nbf, repository,
// ...), and verifies them for the fakes of the cloud token services.
package ghoidc

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/helmdeploy/helm-deploy-action/internal/cloud/tlsfake"
)

// DefaultSubject is the sub claim of a push to main.
const DefaultSubject = "repo:octo-org/octo-repo:ref:refs/heads/main"

// Options configure the fake.
type Options struct {
	Key      *rsa.PrivateKey // signing key; nil = a new 2048-bit key
	KeyID    string          // kid header; default "hda-test"
	Issuer   string          // iss claim; default the fake's own URL
	Subject  string          // sub claim; default DefaultSubject
	Lifetime time.Duration   // exp - iat; default 5 min, as GitHub's
	Now      func() time.Time
	// Status, when set, is answered to every token request (e.g. 403, 500).
	Status int
	// TLSCert, when set, makes the fake serve https with it (as GitHub does).
	TLSCert *tls.Certificate
}

// Fake is a running fake.
type Fake struct {
	URL          string // ACTIONS_ID_TOKEN_REQUEST_URL (already has a query, like the real one)
	RequestToken string // ACTIONS_ID_TOKEN_REQUEST_TOKEN
	Issuer       string

	o   Options
	ln  net.Listener
	srv *http.Server

	mu        sync.Mutex
	audiences []string
}

// Start starts a fake for a test and stops it at cleanup.
func Start(t testing.TB, o Options) *Fake { return tlsfake.ForTest(t, New, o) }

// New starts a fake on 127.0.0.1.
func New(o Options) (*Fake, error) {
	if o.Key == nil {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		o.Key = k
	}
	if o.KeyID == "" {
		o.KeyID = "hda-test"
	}
	if o.Subject == "" {
		o.Subject = DefaultSubject
	}
	if o.Lifetime == 0 {
		o.Lifetime = 5 * time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	base := "http://" + ln.Addr().String()
	if o.TLSCert != nil {
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{*o.TLSCert}, MinVersion: tls.VersionTLS12})
		base = "https://" + ln.Addr().String()
	}
	rt := make([]byte, 16)
	_, _ = rand.Read(rt)
	f := &Fake{URL: base + "/idtoken?api-version=2.0", RequestToken: "rt-" + hex.EncodeToString(rt), o: o, ln: ln}
	f.Issuer = o.Issuer
	if f.Issuer == "" {
		f.Issuer = base
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /idtoken", f.token)
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]any{"issuer": f.Issuer, "jwks_uri": base + "/.well-known/jwks",
			"id_token_signing_alg_values_supported": []string{"RS256"}, "response_types_supported": []string{"id_token"},
			"subject_types_supported": []string{"public", "pairwise"}})
	})
	mux.HandleFunc("GET /.well-known/jwks", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(f.JWKS()) })
	f.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = f.srv.Serve(ln) }()
	return f, nil
}

// Close stops the fake.
func (f *Fake) Close() { _ = f.srv.Close() }

// Env is the environment the runner gives a job with `id-token: write`.
func (f *Fake) Env() map[string]string {
	return map[string]string{"ACTIONS_ID_TOKEN_REQUEST_URL": f.URL, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": f.RequestToken}
}

// Audiences lists the audience of every token issued, in order.
func (f *Fake) Audiences() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.audiences...)
}

func (f *Fake) token(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "bearer "+f.RequestToken && r.Header.Get("Authorization") != "Bearer "+f.RequestToken {
		http.Error(w, `{"message":"bad request token"}`, http.StatusUnauthorized)
		return
	}
	if f.o.Status != 0 {
		http.Error(w, `{"message":"fake failure"}`, f.o.Status)
		return
	}
	aud := r.URL.Query().Get("audience")
	if aud == "" {
		aud = "https://github.com/octo-org"
	}
	tok, err := f.Sign(aud)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	f.mu.Lock()
	f.audiences = append(f.audiences, aud)
	f.mu.Unlock()
	writeJSON(w, map[string]string{"value": tok, "count": "1"})
}

// Sign issues a token for the audience, as the token service would.
func (f *Fake) Sign(audience string) (string, error) {
	now := f.o.Now()
	claims := jwt.MapClaims{
		"iss": f.Issuer, "aud": audience, "sub": f.o.Subject,
		"iat": now.Unix(), "nbf": now.Add(-10 * time.Minute).Unix(), "exp": now.Add(f.o.Lifetime).Unix(),
		"jti": fmt.Sprintf("%x", now.UnixNano()), "repository": "octo-org/octo-repo", "ref": "refs/heads/main",
		"event_name": "push", "runner_environment": "github-hosted",
	}
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	t.Header["kid"] = f.o.KeyID
	return t.SignedString(f.o.Key)
}

// Verify checks a token's signature, issuer, audience and lifetime and returns its subject.
func (f *Fake) Verify(token, audience string) (string, error) {
	var c jwt.RegisteredClaims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return &f.o.Key.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(f.Issuer), jwt.WithAudience(audience),
		jwt.WithTimeFunc(f.o.Now), jwt.WithExpirationRequired())
	if err != nil {
		return "", fmt.Errorf("GitHub ID token: %w", err)
	}
	if c.Subject == "" {
		return "", errors.New("GitHub ID token: no sub claim")
	}
	return c.Subject, nil
}

// JWKS is the issuer's key set.
func (f *Fake) JWKS() []byte {
	pub := f.o.Key.PublicKey
	b, _ := json.Marshal(map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "alg": "RS256", "use": "sig", "kid": f.o.KeyID,
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
	return b
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
