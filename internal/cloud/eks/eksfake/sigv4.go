package eksfake

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	sigAlgorithm = "AWS4-HMAC-SHA256"
	amzDateFmt   = "20060102T150405Z"
	maxClockSkew = 5 * time.Minute
)

var emptySHA256 = hex.EncodeToString(sha256.New().Sum(nil))

// scope is the parsed X-Amz-Credential / Credential= value.
type scope struct{ akid, region, service string }

func parseScope(s string) (scope, bool) {
	p := strings.Split(s, "/")
	if len(p) != 5 || p[4] != "aws4_request" || p[0] == "" {
		return scope{}, false
	}
	return scope{akid: p[0], region: p[2], service: p[3]}, true
}

// principal finds the credential a request was signed with and checks its
// session token and expiry against the fake's clock.
func (f *Fake) principal(sc scope, sessionToken string) (credential, *APIError) {
	c, ok := f.lookup(sc.akid)
	if !ok || c.sessionToken != sessionToken {
		e := InvalidClientTokenID
		return credential{}, &e
	}
	if !c.expires.IsZero() && !f.o.Now().Before(c.expires) {
		e := ExpiredToken
		return credential{}, &e
	}
	return c, nil
}

func signatureMismatch() *APIError { e := SignatureDoesNotMatch; return &e }

// verifyHeaderSigned checks an Authorization-header SigV4 request (STS POST,
// EKS GET) by signing a copy with the SDK's signer at the request's X-Amz-Date.
func (f *Fake) verifyHeaderSigned(r *http.Request, body []byte, service string) (credential, *APIError) {
	auth, ok := strings.CutPrefix(r.Header.Get("Authorization"), sigAlgorithm+" ")
	if !ok {
		e := APIError{http.StatusForbidden, "MissingAuthenticationToken", "Request is missing Authentication Token"}
		return credential{}, &e
	}
	fields := map[string]string{}
	for part := range strings.SplitSeq(auth, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		fields[k] = v
	}
	sc, ok := parseScope(fields["Credential"])
	if !ok || sc.service != service {
		return credential{}, signatureMismatch()
	}
	c, apiErr := f.principal(sc, r.Header.Get("X-Amz-Security-Token"))
	if apiErr != nil {
		return credential{}, apiErr
	}
	when, err := time.Parse(amzDateFmt, r.Header.Get("X-Amz-Date"))
	if err != nil {
		return credential{}, signatureMismatch()
	}
	signed := strings.Split(fields["SignedHeaders"], ";")
	cp, err := http.NewRequest(r.Method, "https://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return credential{}, signatureMismatch()
	}
	cp.Host = r.Host
	cp.ContentLength = 0
	if slices.Contains(signed, "content-length") {
		cp.ContentLength = int64(len(body))
	}
	copySigned(cp.Header, r.Header, signed)
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	if h := r.Header.Get("X-Amz-Content-Sha256"); h != "" && h != hash {
		return credential{}, signatureMismatch()
	}
	err = v4.NewSigner().SignHTTP(context.Background(), awsCreds(sc.akid, c), cp, hash, sc.service, sc.region, when)
	if err != nil || !hmac.Equal([]byte(cp.Header.Get("Authorization")), []byte(r.Header.Get("Authorization"))) {
		return credential{}, signatureMismatch()
	}
	return c, nil
}

// verifyPresigned checks a presigned GetCallerIdentity URL the way STS does:
// the signature is recomputed over the query and the headers named in
// X-Amz-SignedHeaders with the values of THIS request (so a token signed for
// another x-k8s-aws-id fails), then the validity window is checked.
func (f *Fake) verifyPresigned(r *http.Request) (credential, *APIError) {
	q := r.URL.Query()
	sc, ok := parseScope(q.Get("X-Amz-Credential"))
	if !ok || q.Get("X-Amz-Algorithm") != sigAlgorithm || sc.service != "sts" {
		return credential{}, signatureMismatch()
	}
	c, apiErr := f.principal(sc, q.Get("X-Amz-Security-Token"))
	if apiErr != nil {
		return credential{}, apiErr
	}
	signed := strings.Split(q.Get("X-Amz-SignedHeaders"), ";")
	if !slices.Contains(signed, "x-k8s-aws-id") {
		e := APIError{http.StatusForbidden, "AccessDenied", "x-k8s-aws-id is not a signed header"}
		return credential{}, &e
	}
	when, err := time.Parse(amzDateFmt, q.Get("X-Amz-Date"))
	if err != nil {
		return credential{}, signatureMismatch()
	}
	now := f.o.Now()
	if now.After(when.Add(f.o.PresignValidity)) {
		e := APIError{http.StatusForbidden, "AccessDenied", "Request has expired"}
		return credential{}, &e
	}
	if when.After(now.Add(maxClockSkew)) {
		e := APIError{http.StatusForbidden, "SignatureDoesNotMatch", "Signature not yet current"}
		return credential{}, &e
	}
	got := q.Get("X-Amz-Signature")
	q.Del("X-Amz-Signature")
	cp, err := http.NewRequest(http.MethodGet, "https://"+r.Host+r.URL.Path+"?"+q.Encode(), nil)
	if err != nil {
		return credential{}, signatureMismatch()
	}
	cp.Host = r.Host
	copySigned(cp.Header, r.Header, signed)
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), awsCreds(sc.akid, c), cp, emptySHA256, sc.service, sc.region, when)
	if err != nil {
		return credential{}, signatureMismatch()
	}
	pu, err := url.Parse(u)
	if err != nil || got == "" || !hmac.Equal([]byte(pu.Query().Get("X-Amz-Signature")), []byte(got)) {
		return credential{}, signatureMismatch()
	}
	return c, nil
}

func copySigned(dst, src http.Header, signed []string) {
	for _, h := range signed {
		if h == "host" || h == "content-length" {
			continue
		}
		if v, ok := src[http.CanonicalHeaderKey(h)]; ok {
			dst[http.CanonicalHeaderKey(h)] = slices.Clone(v)
		}
	}
}

func awsCreds(akid string, c credential) aws.Credentials {
	return aws.Credentials{AccessKeyID: akid, SecretAccessKey: c.secret, SessionToken: c.sessionToken}
}
