package eksfake

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrInvalidToken is wrapped by every VerifyToken rejection.
var ErrInvalidToken = errors.New("invalid EKS bearer token")

const (
	tokenPrefix    = "k8s-aws-v1."
	maxTokenLength = 4096
	presignedValid = 15 * time.Minute
)

var allowedQueryKeys = []string{
	"action", "version", "x-amz-algorithm", "x-amz-credential", "x-amz-date",
	"x-amz-expires", "x-amz-security-token", "x-amz-signature", "x-amz-signedheaders",
}

// VerifyToken does what the EKS token webhook (aws-iam-authenticator's
// Verifier) does, minus its amazonaws.com host rule: it checks the token's
// shape, then sends the presigned GetCallerIdentity with the server's own
// `x-k8s-aws-id: clusterID` through client (no redirects, 10 s timeout) and
// returns the caller ARN STS answers.
func VerifyToken(ctx context.Context, client *http.Client, token, clusterID string) (arn string, err error) {
	return verifyToken(ctx, client, token, clusterID, time.Now())
}

// VerifyToken is the package VerifyToken with the fake's client and clock.
func (f *Fake) VerifyToken(ctx context.Context, token, clusterID string) (string, error) {
	return verifyToken(ctx, f.Client(), token, clusterID, f.o.Now())
}

func invalid(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidToken, fmt.Sprintf(format, a...))
}

func verifyToken(ctx context.Context, client *http.Client, token, clusterID string, now time.Time) (string, error) {
	if len(token) > maxTokenLength {
		return "", invalid("token is too large")
	}
	enc, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok {
		return "", invalid("token is missing the %s prefix", tokenPrefix)
	}
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return "", invalid("token is not base64url")
	}
	u, err := url.Parse(string(raw))
	if err != nil || u.Scheme != "https" || u.Path != "/" {
		return "", invalid("token is not an https URL with path /")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return "", invalid("malformed query")
	}
	seen := map[string]bool{}
	for k, v := range q {
		lk := strings.ToLower(k)
		if !slices.Contains(allowedQueryKeys, lk) || seen[lk] || len(v) != 1 {
			return "", invalid("unexpected query parameter %q", k)
		}
		seen[lk] = true
	}
	if q.Get("Action") != "GetCallerIdentity" {
		return "", invalid("action is not GetCallerIdentity")
	}
	if !slices.Contains(strings.Split(q.Get("X-Amz-SignedHeaders"), ";"), "x-k8s-aws-id") {
		return "", invalid("x-k8s-aws-id is not a signed header")
	}
	if exp, err := strconv.Atoi(q.Get("X-Amz-Expires")); err != nil || exp < 0 || exp > 900 {
		return "", invalid("X-Amz-Expires must be 0..900")
	}
	date, err := time.Parse(amzDateFmt, q.Get("X-Amz-Date"))
	if err != nil {
		return "", invalid("malformed X-Amz-Date")
	}
	if now.After(date.Add(presignedValid)) {
		return "", invalid("token has expired")
	}
	return callSTS(ctx, client, u.String(), clusterID)
}

func callSTS(ctx context.Context, client *http.Client, rawURL, clusterID string) (string, error) {
	if client == nil {
		client = http.DefaultClient
	}
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.Timeout = 10 * time.Second
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return "", invalid("cannot build the STS request")
	}
	req.Header.Set("x-k8s-aws-id", clusterID)
	req.Header.Set("Accept", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		// A *url.Error names the presigned URL: pass on only its cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", fmt.Errorf("calling STS: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return "", invalid("STS answered %d", resp.StatusCode)
	}
	var out struct {
		GetCallerIdentityResponse struct {
			GetCallerIdentityResult callerIdentity
		}
	}
	if err := json.Unmarshal(body, &out); err != nil || out.GetCallerIdentityResponse.GetCallerIdentityResult.Arn == "" {
		return "", invalid("unexpected STS answer")
	}
	return out.GetCallerIdentityResponse.GetCallerIdentityResult.Arn, nil
}
