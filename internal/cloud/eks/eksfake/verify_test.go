package eksfake_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/helmdeploy/helm-deploy-action/internal/cloud/eks/eksfake"
)

// setQuery rewrites one query value of a presigned URL (after signing).
func setQuery(t *testing.T, u, key, value string) string {
	t.Helper()
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := pu.Query()
	q.Set(key, value)
	pu.RawQuery = q.Encode()
	return pu.String()
}

func TestVerifyToken(t *testing.T) {
	clk := newClock()
	f := startFake(t, clk)
	now := clk.Now()
	signed := func(p presignOpts) string {
		if p.at.IsZero() {
			p.at = now
		}
		return tokenOf(presignURL(t, f, p))
	}
	good := presignURL(t, f, presignOpts{cluster: "c1", at: now})
	cases := []struct {
		name      string
		token     string
		clusterID string
		wantARN   string
		wantCall  bool // the check reached the fake's STS
	}{
		{"valid", tokenOf(good), "c1", testARN, true},
		{"signed for another cluster", tokenOf(good), "c2", "", true},
		{"tampered signature", tokenOf(setQuery(t, good, "X-Amz-Signature", strings.Repeat("0", 64))), "c1", "", true},
		{"tampered date", tokenOf(setQuery(t, good, "X-Amz-Date", now.Add(-time.Second).Format("20060102T150405Z"))), "c1", "", true},
		{"unknown access key", signed(presignOpts{cluster: "c1", creds: aws.Credentials{AccessKeyID: "AKIDOTHER", SecretAccessKey: testSecret}}), "c1", "", true},
		{"wrong secret", signed(presignOpts{cluster: "c1", creds: aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: "nope"}}), "c1", "", true},
		{"expired", signed(presignOpts{cluster: "c1", at: now.Add(-16 * time.Minute)}), "c1", "", false},
		{"no prefix", strings.TrimPrefix(tokenOf(good), "k8s-aws-v1."), "c1", "", false},
		{"not base64url", "k8s-aws-v1.***", "c1", "", false},
		{"too long", "k8s-aws-v1." + strings.Repeat("A", 4100), "c1", "", false},
		{"http scheme", tokenOf(strings.Replace(good, "https://", "http://", 1)), "c1", "", false},
		{"unexpected query key", signed(presignOpts{cluster: "c1", query: "Action=GetCallerIdentity&Version=2011-06-15&Foo=bar"}), "c1", "", false},
		{"duplicate query key", signed(presignOpts{cluster: "c1", query: "Action=GetCallerIdentity&Action=GetCallerIdentity&Version=2011-06-15"}), "c1", "", false},
		{"other action", signed(presignOpts{cluster: "c1", query: "Action=GetSessionToken&Version=2011-06-15"}), "c1", "", false},
		{"cluster header not signed", signed(presignOpts{noHdr: true}), "c1", "", false},
		{"expires above 900", signed(presignOpts{cluster: "c1", expires: "901"}), "c1", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := f.Calls(eksfake.OpPresignedGetCallerIdentity)
			arn, err := f.VerifyToken(context.Background(), tc.token, tc.clusterID)
			if called := f.Calls(eksfake.OpPresignedGetCallerIdentity) > before; called != tc.wantCall {
				t.Errorf("reached STS = %v, want %v", called, tc.wantCall)
			}
			if tc.wantARN != "" {
				if err != nil || arn != tc.wantARN {
					t.Fatalf("VerifyToken = %q, %v; want %q", arn, err, tc.wantARN)
				}
				return
			}
			if !errors.Is(err, eksfake.ErrInvalidToken) {
				t.Fatalf("VerifyToken = %q, %v; want ErrInvalidToken", arn, err)
			}
			if strings.Contains(err.Error(), "X-Amz-Signature") {
				t.Errorf("error leaks the presigned URL: %v", err)
			}
		})
	}
}

// TestVerifyTokenRealClock checks the package-level helper (time.Now) and a
// plain client.
func TestVerifyTokenRealClock(t *testing.T) {
	f := startFake(t, newClock())
	tok := tokenOf(presignURL(t, f, presignOpts{cluster: "c1", at: time.Now()}))
	arn, err := eksfake.VerifyToken(context.Background(), f.Client(), tok, "c1")
	if err != nil || arn != testARN {
		t.Fatalf("VerifyToken = %q, %v", arn, err)
	}
}

func TestPresignedCheck(t *testing.T) {
	clk := newClock()
	now := clk.Now()
	sess := aws.Credentials{AccessKeyID: "ASIASESSION", SecretAccessKey: "s2", SessionToken: "tok"}
	f := eksfake.Start(t, eksfake.Options{
		Now:             clk.Now,
		PresignValidity: 2 * time.Minute,
		StaticCredentials: []eksfake.StaticCredential{
			{AccessKeyID: testAKID, SecretAccessKey: testSecret, ARN: testARN},
			{AccessKeyID: sess.AccessKeyID, SecretAccessKey: sess.SecretAccessKey, SessionToken: sess.SessionToken, Expiration: now.Add(time.Minute)},
		},
	})
	cases := []struct {
		name    string
		p       presignOpts
		mutate  func(string) string
		advance time.Duration
		accept  string
		inject  *eksfake.APIError
		want    int
		body    string
	}{
		{name: "json", p: presignOpts{at: now}, accept: "application/json", want: 200, body: `"Arn":"` + testARN},
		{name: "xml", p: presignOpts{at: now}, want: 200, body: "<Arn>" + testARN + "</Arn>"},
		{name: "past validity", p: presignOpts{at: now.Add(-3 * time.Minute)}, want: 403, body: "Request has expired"},
		{name: "future date", p: presignOpts{at: now.Add(10 * time.Minute)}, want: 403, body: "not yet current"},
		{name: "session creds", p: presignOpts{at: now, creds: sess}, want: 200, body: "AIDAASIASESSION"},
		{name: "session creds expired", p: presignOpts{at: now, creds: sess}, advance: 2 * time.Minute, want: 403, body: "ExpiredToken"},
		{name: "session token swapped", p: presignOpts{at: now, creds: sess},
			mutate: func(u string) string { return setQuery(t, u, "X-Amz-Security-Token", "other") }, want: 403, body: "InvalidClientTokenId"},
		{name: "extra signed header missing", p: presignOpts{at: now, extra: map[string]string{"x-extra": "1"}}, want: 403, body: "SignatureDoesNotMatch"},
		{name: "injected", p: presignOpts{at: now}, inject: &eksfake.ExpiredToken, want: 403, body: "ExpiredToken"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.p.cluster = "c1"
			u := presignURL(t, f, tc.p)
			if tc.mutate != nil {
				u = tc.mutate(u)
			}
			clk.Advance(tc.advance)
			defer clk.Advance(-tc.advance)
			if tc.inject != nil {
				f.InjectError(eksfake.OpPresignedGetCallerIdentity, *tc.inject)
				defer f.ClearError(eksfake.OpPresignedGetCallerIdentity)
			}
			req, _ := http.NewRequest(http.MethodGet, u, nil)
			req.Header.Set("x-k8s-aws-id", "c1")
			if tc.accept != "" {
				req.Header.Set("Accept", tc.accept)
			}
			resp, err := f.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = resp.Body.Close() }()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.want || !strings.Contains(string(b), tc.body) {
				t.Fatalf("status %d body %s; want %d containing %q", resp.StatusCode, b, tc.want, tc.body)
			}
		})
	}
}
