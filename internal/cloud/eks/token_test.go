package eks

import (
	"context"
	"encoding/base64"
	"errors"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/cloud/eks/eksfake"
)

func TestTokenFormat(t *testing.T) {
	cases := []struct {
		name     string
		envCreds bool
		mod      func(*Options)
		identity string
		arn      string // what the fake's STS says the token is
		session  bool   // X-Amz-Security-Token expected
	}{
		{"environment keys", true, nil, testUserARN, testUserARN, false},
		{"web identity", false, withRole, testRole, "arn:aws:sts::111122223333:assumed-role/deploy/helm-deploy-action", true},
		{"assume role from environment keys", true, withRole, testRole, "arn:aws:sts::111122223333:assumed-role/deploy/helm-deploy-action", true},
		{"custom session name", false, func(o *Options) { withRole(o); o.SessionName = "run-42" }, testRole,
			"arn:aws:sts::111122223333:assumed-role/deploy/run-42", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSetup(t, nil)
			if tc.envCreds {
				s.withEnvCreds()
			}
			p := s.provider(t, tc.mod)
			tok, exp := mustToken(t, p)
			u := decode(t, tok)
			fakeURL, _ := url.Parse(s.f.URL)
			q := u.Query()
			checks := []struct {
				what      string
				got, want string
			}{
				{"scheme", u.Scheme, "https"},
				{"host", u.Host, fakeURL.Host},
				{"path", u.Path, "/"},
				{"Action", q.Get("Action"), "GetCallerIdentity"},
				{"Version", q.Get("Version"), "2011-06-15"},
				{"X-Amz-Expires", q.Get("X-Amz-Expires"), "60"},
				{"X-Amz-Algorithm", q.Get("X-Amz-Algorithm"), "AWS4-HMAC-SHA256"},
				{"X-Amz-Date", q.Get("X-Amz-Date"), s.clk.Now().Format("20060102T150405Z")},
				{"credential scope", strings.SplitN(q.Get("X-Amz-Credential"), "/", 3)[2], testRegion + "/sts/aws4_request"},
				{"cluster not in query", q.Get("x-k8s-aws-id"), ""},
				{"expiry", exp.String(), s.clk.Now().Add(14 * time.Minute).String()},
				{"identity", p.Identity(), tc.identity},
			}
			for _, c := range checks {
				if c.got != c.want {
					t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
				}
			}
			if signed := strings.Split(q.Get("X-Amz-SignedHeaders"), ";"); !slices.Contains(signed, "x-k8s-aws-id") || !slices.Contains(signed, "host") {
				t.Errorf("signed headers %v lack host or x-k8s-aws-id", signed)
			}
			if got := q.Get("X-Amz-Security-Token") != ""; got != tc.session {
				t.Errorf("security token present = %v, want %v", got, tc.session)
			}
			arn, err := s.f.VerifyToken(context.Background(), tok, testCluster)
			if err != nil || arn != tc.arn {
				t.Errorf("fake STS: %q, %v; want %q", arn, err, tc.arn)
			}
		})
	}
}

// TestTokenAcceptance: EKS's check accepts the token for this cluster only,
// untampered, within 15 minutes of signing.
func TestTokenAcceptance(t *testing.T) {
	tamper := func(t *testing.T, tok string) string {
		u := decode(t, tok)
		q := u.Query()
		sig := []byte(q.Get("X-Amz-Signature"))
		sig[0] = map[bool]byte{true: '1', false: '0'}[sig[0] == '0']
		q.Set("X-Amz-Signature", string(sig))
		u.RawQuery = q.Encode()
		return "k8s-aws-v1." + base64.RawURLEncoding.EncodeToString([]byte(u.String()))
	}
	cases := []struct {
		name      string
		mutate    func(*testing.T, string) string
		advance   time.Duration
		clusterID string
		ok        bool
	}{
		{"right cluster", nil, 0, testCluster, true},
		{"another cluster id", nil, 0, "staging", false},
		{"tampered signature", tamper, 0, testCluster, false},
		{"14 minutes later", nil, 14 * time.Minute, testCluster, true},
		{"expired", nil, 15*time.Minute + time.Second, testCluster, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSetup(t, nil)
			p := s.provider(t, withRole)
			tok, _ := mustToken(t, p)
			if tc.mutate != nil {
				tok = tc.mutate(t, tok)
			}
			s.clk.Advance(tc.advance)
			arn, err := s.f.VerifyToken(context.Background(), tok, tc.clusterID)
			if tc.ok != (err == nil) {
				t.Fatalf("VerifyToken = %q, %v; want ok=%v", arn, err, tc.ok)
			}
			if err != nil && !errors.Is(err, eksfake.ErrInvalidToken) {
				t.Fatalf("err = %v, want ErrInvalidToken", err)
			}
		})
	}
}

// TestRegionalHost: without a fake the presigned URL names the regional STS
// endpoint (or the one the environment configures). Presigning needs no
// network; the caller identity is preset so Token makes no call.
func TestRegionalHost(t *testing.T) {
	cases := []struct {
		name, region string
		env          map[string]string
		want         string
	}{
		{"eu-west-1", "eu-west-1", nil, "sts.eu-west-1.amazonaws.com"},
		{"us-east-1 is regional too", "us-east-1", nil, "sts.us-east-1.amazonaws.com"},
		{"region from AWS_REGION", "", map[string]string{"AWS_REGION": "ap-south-1"}, "sts.ap-south-1.amazonaws.com"},
		{"FIPS", "us-east-2", map[string]string{"AWS_USE_FIPS_ENDPOINT": "true"}, "sts-fips.us-east-2.amazonaws.com"},
		{"AWS_ENDPOINT_URL_STS", "us-east-1", map[string]string{"AWS_ENDPOINT_URL_STS": "https://sts.internal:8443", "AWS_ENDPOINT_URL": "https://all"}, "sts.internal:8443"},
		{"AWS_ENDPOINT_URL", "us-east-1", map[string]string{"AWS_ENDPOINT_URL": "https://all.internal"}, "all.internal"},
		{"ignored endpoint URLs", "us-east-1", map[string]string{"AWS_ENDPOINT_URL": "https://all", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}, "sts.us-east-1.amazonaws.com"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"AWS_ACCESS_KEY_ID": testAKID, "AWS_SECRET_ACCESS_KEY": testSecret}
			for k, v := range tc.env {
				env[k] = v
			}
			p, err := New(context.Background(), Options{Region: tc.region, Cluster: testCluster, Getenv: func(k string) string { return env[k] }})
			if err != nil {
				t.Fatal(err)
			}
			p.callerARN = testUserARN
			tok, _ := mustToken(t, p)
			u := decode(t, tok)
			if u.Host != tc.want {
				t.Fatalf("host %q, want %q", u.Host, tc.want)
			}
		})
	}
}

func TestConcurrentTokensShareOneRoleSession(t *testing.T) {
	s := newSetup(t, nil)
	p := s.provider(t, withRole)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			if _, _, err := p.Token(context.Background()); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := s.f.Calls(eksfake.OpAssumeRoleWithWebIdentity); n != 1 {
		t.Errorf("AssumeRoleWithWebIdentity calls = %d, want 1", n)
	}
}
