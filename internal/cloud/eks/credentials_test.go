package eks

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/cloud/eks/eksfake"
)

func TestWebIdentityAudience(t *testing.T) {
	cases := []struct {
		name, providerAud, fakeAud, want string
	}{
		{"default audience", "", "", DefaultAudience},
		{"custom audience", "my-aud", "my-aud", "my-aud"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSetup(t, func(o *eksfake.Options) { o.Audience = tc.fakeAud })
			p := s.provider(t, func(o *Options) { withRole(o); o.Audience = tc.providerAud })
			mustToken(t, p)
			if got := s.ids.audiences; !slices.Equal(got, []string{tc.want}) {
				t.Fatalf("IDToken audiences %v, want [%s]", got, tc.want)
			}
		})
	}
}

// TestRefresh: role credentials are reused while they last and renewed
// (with a fresh GitHub token on the keyless path) once the clock nears
// their expiry; a token never outlives the credentials that signed it.
func TestRefresh(t *testing.T) {
	type step struct {
		advance   time.Duration // clock move before Token
		calls     int           // role exchanges so far
		expiresIn time.Duration // token expiry - now
	}
	cases := []struct {
		name     string
		envCreds bool // AssumeRole with environment keys instead of web identity
		op       string
		lifetime time.Duration
		steps    []step
	}{
		{"web identity, 1 h credentials", false, eksfake.OpAssumeRoleWithWebIdentity, time.Hour, []step{
			{0, 1, 14 * time.Minute},
			{10 * time.Minute, 1, 14 * time.Minute},
			{40 * time.Minute, 1, 10 * time.Minute}, // t=50m: credentials end at 60m
			{6 * time.Minute, 2, 14 * time.Minute},  // t=56m: inside the 5 min window
			{2 * time.Hour, 3, 14 * time.Minute},    // long past expiry
		}},
		{"web identity, 20 s credentials", false, eksfake.OpAssumeRoleWithWebIdentity, 20 * time.Second, []step{
			{0, 1, 20 * time.Second},
			{21 * time.Second, 2, 20 * time.Second},
		}},
		{"assume role, 30 min credentials", true, eksfake.OpAssumeRole, 30 * time.Minute, []step{
			{0, 1, 14 * time.Minute},
			{20 * time.Minute, 1, 10 * time.Minute},
			{6 * time.Minute, 2, 14 * time.Minute},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSetup(t, func(o *eksfake.Options) { o.CredentialLifetime = tc.lifetime })
			if tc.envCreds {
				s.withEnvCreds()
			}
			p := s.provider(t, withRole)
			var prev string
			var prevExp time.Time
			for i, st := range tc.steps {
				s.clk.Advance(st.advance)
				if prev != "" && !s.clk.Now().Before(prevExp.Add(time.Minute)) {
					// the previous token is past its own expiry (+1 min grace): EKS must refuse it
					if _, err := s.f.VerifyToken(context.Background(), prev, testCluster); err == nil {
						t.Errorf("step %d: the previous token is still accepted after its expiry", i)
					}
				}
				tok, exp := mustToken(t, p)
				if n := s.f.Calls(tc.op); n != st.calls {
					t.Errorf("step %d: %s calls = %d, want %d", i, tc.op, n, st.calls)
				}
				if got := exp.Sub(s.clk.Now()); got != st.expiresIn {
					t.Errorf("step %d: token expires in %v, want %v", i, got, st.expiresIn)
				}
				if _, err := s.f.VerifyToken(context.Background(), tok, testCluster); err != nil {
					t.Errorf("step %d: fresh token refused: %v", i, err)
				}
				prev, prevExp = tok, exp
			}
			if !tc.envCreds && s.ids.calls() != tc.steps[len(tc.steps)-1].calls {
				t.Errorf("IDToken calls = %d, want one per exchange (%d)", s.ids.calls(), tc.steps[len(tc.steps)-1].calls)
			}
			if tc.envCreds && s.ids.calls() != 0 {
				t.Errorf("IDToken called %d times on the AssumeRole path", s.ids.calls())
			}
		})
	}
}

func TestEnvironmentCredentials(t *testing.T) {
	cases := []struct {
		name    string
		session string // AWS_SESSION_TOKEN
	}{
		{"long-lived keys", ""},
		{"session keys from configure-aws-credentials", "FwoGZXIvYXdzEXAMPLE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSetup(t, func(o *eksfake.Options) {
				o.StaticCredentials[0].SessionToken = tc.session
			})
			s.withEnvCreds()
			s.env["AWS_SESSION_TOKEN"] = tc.session
			p := s.provider(t, nil)
			if id := p.Identity(); id != "" {
				t.Errorf("Identity before Token = %q", id)
			}
			for range 2 {
				tok, _ := mustToken(t, p)
				if arn, err := s.f.VerifyToken(context.Background(), tok, testCluster); err != nil || arn != testUserARN {
					t.Fatalf("fake STS: %q, %v", arn, err)
				}
			}
			if p.Identity() != testUserARN {
				t.Errorf("Identity = %q", p.Identity())
			}
			if n := s.f.Calls(eksfake.OpGetCallerIdentity); n != 1 {
				t.Errorf("GetCallerIdentity calls = %d, want 1 (cached)", n)
			}
			if n := s.f.Calls(eksfake.OpAssumeRoleWithWebIdentity) + s.f.Calls(eksfake.OpAssumeRole); n != 0 || s.ids.calls() != 0 {
				t.Errorf("a role was assumed (%d) or an ID token requested (%d)", n, s.ids.calls())
			}
		})
	}
}
