package eksfake_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/helmdeploy/helm-deploy-action/internal/cloud/eks/eksfake"
)

const (
	testAKID   = "AKIDTEST"
	testSecret = "test-secret"
	testARN    = "arn:aws:iam::111122223333:user/ci"
)

// clock is a settable clock shared by the fake and the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().UTC().Truncate(time.Second)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func startFake(t *testing.T, clk *clock) *eksfake.Fake {
	t.Helper()
	return eksfake.Start(t, eksfake.Options{
		Now: clk.Now,
		StaticCredentials: []eksfake.StaticCredential{
			{AccessKeyID: testAKID, SecretAccessKey: testSecret, ARN: testARN},
		},
	})
}

// presignOpts shape a presigned GetCallerIdentity URL built directly with the
// SDK's signer, independently of the eks provider.
type presignOpts struct {
	creds   aws.Credentials
	cluster string
	at      time.Time
	expires string            // "" = 60
	query   string            // "" = Action=GetCallerIdentity&Version=2011-06-15
	noHdr   bool              // do not sign x-k8s-aws-id
	extra   map[string]string // more signed headers
}

func presignURL(t *testing.T, f *eksfake.Fake, p presignOpts) string {
	t.Helper()
	if p.creds.AccessKeyID == "" {
		p.creds = aws.Credentials{AccessKeyID: testAKID, SecretAccessKey: testSecret}
	}
	if p.query == "" {
		p.query = "Action=GetCallerIdentity&Version=2011-06-15"
	}
	req, err := http.NewRequest(http.MethodGet, f.URL+"/?"+p.query, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !p.noHdr {
		req.Header.Set("x-k8s-aws-id", p.cluster)
	}
	for k, v := range p.extra {
		req.Header.Set(k, v)
	}
	exp := p.expires
	if exp == "" {
		exp = "60"
	}
	req.Header.Set("X-Amz-Expires", exp)
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), p.creds, req,
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sts", "us-east-1", p.at)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func tokenOf(u string) string {
	return "k8s-aws-v1." + base64.RawURLEncoding.EncodeToString([]byte(u))
}
