package cloud

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/cloud/ghoidc"
)

func TestOIDCMinterUsesTheIDTokenWithItsExpiry(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	f := ghoidc.Start(t, ghoidc.Options{Now: func() time.Time { return now }, Subject: "repo:o/r:environment:prod"})
	m := &oidcMinter{idToken: NewGitHubOIDC(envOf(f.Env()), nil).IDToken, audience: "hda-e2e"}
	tok, exp, err := m.Token(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sub, err := f.Verify(tok, "hda-e2e"); err != nil || sub != "repo:o/r:environment:prod" {
		t.Fatalf("verify: %q %v", sub, err)
	}
	if !exp.Equal(now.Add(5 * time.Minute)) {
		t.Fatalf("expiry %v, want iat+5m", exp)
	}
	if id := m.Identity(); !strings.Contains(id, "repo:o/r:environment:prod") || !strings.Contains(id, "hda-e2e") {
		t.Fatalf("identity %q", id)
	}
}

func TestOIDCMinterErrors(t *testing.T) {
	if _, _, err := (&oidcMinter{audience: "a"}).Token(context.Background()); err != ErrNoIDToken {
		t.Fatalf("no id token func: %v", err)
	}
	notJWT := func(context.Context, string) (string, error) { return "opaque", nil }
	if _, _, err := (&oidcMinter{idToken: notJWT, audience: "a"}).Token(context.Background()); err == nil {
		t.Fatal("an opaque token was accepted")
	}
}
