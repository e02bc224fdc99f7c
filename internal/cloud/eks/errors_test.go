package eks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/cloud/eks/eksfake"
)

func TestNewErrors(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		mod  func(*Options)
		want error    // nil = New succeeds
		msg  []string // substrings of the message
	}{
		{"region missing", map[string]string{"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"},
			func(o *Options) { o.Region = "" }, ErrNoRegion, []string{"region", "aws-actions/configure-aws-credentials", "AWS_REGION"}},
		{"region from AWS_DEFAULT_REGION", map[string]string{"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b", "AWS_DEFAULT_REGION": "eu-north-1"},
			func(o *Options) { o.Region = "" }, nil, nil},
		{"cluster missing", map[string]string{"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"},
			func(o *Options) { o.Cluster = "" }, ErrNoCluster, []string{"cluster name"}},
		{"no credentials at all", nil, nil, ErrNoCredentials,
			[]string{"aws-actions/configure-aws-credentials", "role-to-assume"}},
		{"no credentials, no OIDC", nil, func(o *Options) { o.IDToken = nil }, ErrNoCredentials, []string{"role-to-assume"}},
		{"role without id-token permission", nil, func(o *Options) { withRole(o); o.IDToken = nil }, ErrNoIDToken,
			[]string{"permissions: id-token: write", "ACTIONS_ID_TOKEN_REQUEST_URL", testRole}},
		{"role with environment keys needs no OIDC", map[string]string{"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"},
			func(o *Options) { withRole(o); o.IDToken = nil }, nil, nil},
		{"access key without secret", map[string]string{"AWS_ACCESS_KEY_ID": "a"}, nil, ErrNoCredentials, []string{"AWS_SECRET_ACCESS_KEY"}},
		{"cleared by the post step", map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}, nil, ErrNoCredentials, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := Options{Region: testRegion, Cluster: testCluster, IDToken: (&idTokens{}).get,
				Getenv: func(k string) string { return tc.env[k] }}
			if tc.mod != nil {
				tc.mod(&o)
			}
			_, err := New(context.Background(), o)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			for _, m := range tc.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("message %q lacks %q", err, m)
				}
			}
		})
	}
}

// TestTokenErrors: what users see when STS refuses, each with a sentinel and
// advice, and never a secret or a token.
func TestTokenErrors(t *testing.T) {
	refuse := func(o *eksfake.Options) { o.AllowRole = func(string, string) bool { return false } }
	cases := []struct {
		name     string
		fake     func(*eksfake.Options)
		envCreds bool
		env      map[string]string
		mod      func(*Options)
		inject   map[string]eksfake.APIError
		idErr    error
		want     error
		msg      []string
	}{
		{name: "trust policy refuses the workflow", fake: refuse, mod: withRole, want: ErrAccessDenied,
			msg: []string{"AssumeRoleWithWebIdentity", testRole, "trust policy", "token.actions.githubusercontent.com", ":sub", "sts.amazonaws.com"}},
		{name: "AccessDenied from STS", mod: withRole, inject: map[string]eksfake.APIError{eksfake.OpAssumeRoleWithWebIdentity: eksfake.AccessDenied},
			want: ErrAccessDenied, msg: []string{"trust policy", "token.actions.githubusercontent.com"}},
		{name: "GitHub token expired", mod: withRole, want: ErrExpired, msg: []string{"GitHub OIDC token has expired", "ExpiredTokenException"},
			fake: func(o *eksfake.Options) {
				o.VerifyIDToken = func(string, string) (string, error) { return "", fmt.Errorf("exp: %w", eksfake.ErrIDTokenExpired) }
			}},
		{name: "audience not accepted", mod: func(o *Options) { withRole(o); o.Audience = "other-aud" }, want: ErrIdentityToken,
			msg: []string{"IAM OIDC", "https://token.actions.githubusercontent.com", `"other-aud"`, "InvalidIdentityToken"}},
		{name: "no OIDC provider in the account", mod: withRole, want: ErrIdentityToken, msg: []string{"IAM OIDC"},
			inject: map[string]eksfake.APIError{eksfake.OpAssumeRoleWithWebIdentity: eksfake.NoOpenIDConnectProvider}},
		{name: "GitHub refuses an ID token", mod: withRole, idErr: errors.New("Can't issue ID_TOKEN for job in 'Completed' state"),
			want: ErrNoIDToken, msg: []string{"requesting a GitHub OIDC token", "Completed"}},
		{name: "environment session expired", envCreds: true, env: map[string]string{"AWS_SESSION_TOKEN": "old-session"},
			fake: func(o *eksfake.Options) {
				o.StaticCredentials[0].SessionToken = "old-session"
				o.StaticCredentials[0].Expiration = time.Now().Add(-time.Minute)
			}, want: ErrExpired, msg: []string{"AWS_SESSION_TOKEN", "aws-actions/configure-aws-credentials"}},
		{name: "environment keys unknown", env: map[string]string{"AWS_ACCESS_KEY_ID": "AKIDUNKNOWN", "AWS_SECRET_ACCESS_KEY": testSecret},
			want: ErrAccessDenied, msg: []string{"AWS_ACCESS_KEY_ID", "InvalidClientTokenId"}},
		{name: "environment keys may not assume the role", envCreds: true, fake: refuse, mod: withRole, want: ErrAccessDenied,
			msg: []string{"may not assume role " + testRole, "sts:AssumeRole"}},
		{name: "assume role with expired environment keys", envCreds: true, mod: withRole, want: ErrExpired, msg: []string{"AWS_SESSION_TOKEN"},
			inject: map[string]eksfake.APIError{eksfake.OpAssumeRole: eksfake.ExpiredToken}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSetup(t, tc.fake)
			if tc.envCreds {
				s.withEnvCreds()
			}
			for k, v := range tc.env {
				s.env[k] = v
			}
			for op, e := range tc.inject {
				s.f.InjectError(op, e)
			}
			s.ids.err = tc.idErr
			p := s.provider(t, tc.mod)
			tok, _, err := p.Token(context.Background())
			if err == nil || tok != "" {
				t.Fatalf("Token = %q, %v; want an error", tok, err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
			if tc.idErr != nil && !errors.Is(err, tc.idErr) {
				t.Errorf("err = %v does not wrap the ID token error", err)
			}
			for _, m := range tc.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("message %q lacks %q", err, m)
				}
			}
			for _, secret := range []string{testSecret, "|" + testSubject, "old-session", "X-Amz-Signature", "k8s-aws-v1."} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("message leaks %q: %v", secret, err)
				}
			}
		})
	}
}
