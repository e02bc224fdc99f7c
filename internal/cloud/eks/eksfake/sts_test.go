package eksfake_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/helmdeploy/helm-deploy-action/internal/cloud/eks/eksfake"
)

const roleARN = "arn:aws:iam::111122223333:role/deploy"

func stsClient(f *eksfake.Fake, creds aws.Credentials) *sts.Client {
	return sts.New(sts.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(f.URL), HTTPClient: f.Client(),
		Credentials: credentialsOf(creds), RetryMaxAttempts: 1,
	})
}

func credentialsOf(c aws.Credentials) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return c, nil })
}

func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestAssumeRoleWithWebIdentity(t *testing.T) {
	clk := newClock()
	f := eksfake.Start(t, eksfake.Options{
		Now:                clk.Now,
		Audience:           "my-aud",
		CredentialLifetime: 20 * time.Second,
		VerifyIDToken: func(tok, aud string) (string, error) {
			sub, tokAud, _ := strings.Cut(tok, "@")
			switch {
			case sub == "expired":
				return "", fmt.Errorf("exp in the past: %w", eksfake.ErrIDTokenExpired)
			case tokAud != aud:
				return "", errors.New("wrong audience")
			}
			return sub, nil
		},
		AllowRole: func(role, principal string) bool { return principal != "repo:o/other:ref:refs/heads/main" },
		MintToken: func(subject string, exp time.Time) string { return "minted-for-" + subject },
	})
	cases := []struct {
		name, token, role, wantCode string
	}{
		{"ok", "repo:o/r:ref:refs/heads/main@my-aud", roleARN, ""},
		{"expired id token", "expired@my-aud", roleARN, "ExpiredTokenException"},
		{"wrong audience", "repo:o/r:ref:refs/heads/main@sts.amazonaws.com", roleARN, "InvalidIdentityToken"},
		{"trust policy refuses subject", "repo:o/other:ref:refs/heads/main@my-aud", roleARN, "AccessDenied"},
		{"not a role ARN", "repo:o/r:ref:refs/heads/main@my-aud", "arn:aws:iam::111122223333:user/x", "ValidationError"},
	}
	c := stsClient(f, aws.Credentials{})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.AssumeRoleWithWebIdentity(context.Background(), &sts.AssumeRoleWithWebIdentityInput{
				RoleArn: aws.String(tc.role), RoleSessionName: aws.String("s"), WebIdentityToken: aws.String(tc.token),
			})
			if tc.wantCode != "" {
				if code(err) != tc.wantCode {
					t.Fatalf("err = %v, want code %s", err, tc.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, want := aws.ToTime(out.Credentials.Expiration), clk.Now().Add(20*time.Second); !got.Equal(want) {
				t.Errorf("expiration %v, want %v", got, want)
			}
			if got := aws.ToString(out.Credentials.SessionToken); got != "minted-for-repo:o/r:ref:refs/heads/main" {
				t.Errorf("session token %q", got)
			}
			if got := aws.ToString(out.AssumedRoleUser.Arn); got != "arn:aws:sts::111122223333:assumed-role/deploy/s" {
				t.Errorf("assumed role ARN %q", got)
			}
			issued := aws.Credentials{AccessKeyID: aws.ToString(out.Credentials.AccessKeyId),
				SecretAccessKey: aws.ToString(out.Credentials.SecretAccessKey), SessionToken: aws.ToString(out.Credentials.SessionToken)}
			id, err := stsClient(f, issued).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
			if err != nil || aws.ToString(id.Arn) != aws.ToString(out.AssumedRoleUser.Arn) || aws.ToString(id.Account) != "111122223333" {
				t.Fatalf("GetCallerIdentity = %+v, %v", id, err)
			}
			clk.Advance(21 * time.Second)
			if _, err := stsClient(f, issued).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); code(err) != "ExpiredToken" {
				t.Fatalf("after expiry: %v, want ExpiredToken", err)
			}
		})
	}
	if n := f.Calls(eksfake.OpAssumeRoleWithWebIdentity); n != len(cases) {
		t.Errorf("calls = %d, want %d", n, len(cases))
	}
}

func TestSignedRequests(t *testing.T) {
	f := startFake(t, newClock())
	good := aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}
	cases := []struct {
		name     string
		creds    aws.Credentials
		inject   *eksfake.APIError
		wantCode string
	}{
		{"known key", good, nil, ""},
		{"wrong secret", aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: "x"}, nil, "SignatureDoesNotMatch"},
		{"unknown key", aws.Credentials{AccessKeyID: "AKIDNOPE", SecretAccessKey: "x"}, nil, "InvalidClientTokenId"},
		{"unexpected session token", aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret, SessionToken: "t"}, nil, "InvalidClientTokenId"},
		{"injected", good, &eksfake.AccessDenied, "AccessDenied"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.inject != nil {
				f.InjectError(eksfake.OpGetCallerIdentity, *tc.inject)
				defer f.ClearError(eksfake.OpGetCallerIdentity)
			}
			out, err := stsClient(f, tc.creds).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
			if code(err) != tc.wantCode {
				t.Fatalf("err = %v, want code %q", err, tc.wantCode)
			}
			if err == nil && aws.ToString(out.Arn) != testARN {
				t.Fatalf("ARN %q", aws.ToString(out.Arn))
			}
		})
	}
	// AssumeRole needs a signed caller too.
	out, err := stsClient(f, good).AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("x")})
	if err != nil || !strings.HasPrefix(aws.ToString(out.AssumedRoleUser.Arn), "arn:aws:sts::111122223333:assumed-role/deploy/x") {
		t.Fatalf("AssumeRole = %+v, %v", out, err)
	}
	resp, err := f.Client().Get(f.URL + "/clusters/c1")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("X-Amzn-ErrorType") == "" {
		t.Fatalf("unsigned DescribeCluster: %d %q", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
	}
}

// TestCustomCert serves a certificate signed by the test's own CA.
func TestCustomCert(t *testing.T) {
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "sts"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	f := eksfake.Start(t, eksfake.Options{TLSCert: &tls.Certificate{Certificate: [][]byte{leafDER}, PrivateKey: key}})
	block, _ := pem.Decode(f.CertPEM())
	if block == nil || string(block.Bytes) != string(leafDER) {
		t.Fatal("CertPEM is not the given certificate")
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	resp, err := client.Get(f.URL + "/unknown")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("status %d", resp.StatusCode)
	}
}
