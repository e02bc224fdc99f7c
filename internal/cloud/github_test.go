package cloud

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/helmdeploy/helm-deploy-action/internal/cloud/ghoidc"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestGitHubOIDCRequestsATokenPerAudience(t *testing.T) {
	f := ghoidc.Start(t, ghoidc.Options{})
	g := NewGitHubOIDC(envOf(f.Env()), nil)
	if g == nil {
		t.Fatal("NewGitHubOIDC returned nil with both variables set")
	}
	for _, aud := range []string{"sts.amazonaws.com", "api://AzureADTokenExchange", "https://iam.googleapis.com/projects/1/x"} {
		tok, err := g.IDToken(context.Background(), aud)
		if err != nil {
			t.Fatalf("%s: %v", aud, err)
		}
		sub, err := f.Verify(tok, aud)
		if err != nil || sub != ghoidc.DefaultSubject {
			t.Fatalf("%s: verify: sub %q, %v", aud, sub, err)
		}
	}
	if got := f.Audiences(); len(got) != 3 || got[1] != "api://AzureADTokenExchange" {
		t.Fatalf("audiences requested: %v", got)
	}
}

func TestGitHubOIDCMissingPermission(t *testing.T) {
	for name, env := range map[string]map[string]string{
		"none":     {},
		"no token": {"ACTIONS_ID_TOKEN_REQUEST_URL": "http://127.0.0.1:1/x"},
		"no url":   {"ACTIONS_ID_TOKEN_REQUEST_TOKEN": "t"},
	} {
		if g := NewGitHubOIDC(envOf(env), nil); g != nil {
			t.Errorf("%s: want nil (no id-token permission)", name)
		}
	}
	if !strings.Contains(ErrNoIDToken.Error(), "id-token: write") {
		t.Fatalf("ErrNoIDToken does not say the fix: %v", ErrNoIDToken)
	}
}

func TestGitHubOIDCErrors(t *testing.T) {
	cases := []struct {
		name   string
		status int
		want   string
	}{
		{"forbidden", http.StatusForbidden, "id-token: write"},
		{"server error after retries", http.StatusBadGateway, "502"},
		{"not found", http.StatusNotFound, "404"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := ghoidc.Start(t, ghoidc.Options{Status: c.status})
			_, err := NewGitHubOIDC(envOf(f.Env()), nil).IDToken(context.Background(), "aud")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to mention %q", err, c.want)
			}
			if strings.Contains(err.Error(), f.RequestToken) {
				t.Fatalf("the error shows the request token: %v", err)
			}
		})
	}
	t.Run("wrong request token", func(t *testing.T) {
		f := ghoidc.Start(t, ghoidc.Options{})
		env := f.Env()
		env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = "stale"
		_, err := NewGitHubOIDC(envOf(env), nil).IDToken(context.Background(), "aud")
		if err == nil || !strings.Contains(err.Error(), "401") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		f := ghoidc.Start(t, ghoidc.Options{Status: http.StatusInternalServerError})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := NewGitHubOIDC(envOf(f.Env()), nil).IDToken(ctx, "aud")
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
}
