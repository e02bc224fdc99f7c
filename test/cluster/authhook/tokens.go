package main

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const eksPrefix = "k8s-aws-v1."

// allowedQuery are the only query keys an EKS token's URL may have (aws-iam-authenticator).
var allowedQuery = map[string]bool{
	"action": true, "version": true, "x-amz-algorithm": true, "x-amz-credential": true, "x-amz-date": true,
	"x-amz-expires": true, "x-amz-security-token": true, "x-amz-signature": true, "x-amz-signedheaders": true,
}

// reviewEKS checks a k8s-aws-v1 token as aws-iam-authenticator's Verifier does (minus the
// amazonaws.com host rule: the STS here is a loopback fake) and asks STS who signed it.
func (s *server) reviewEKS(tok string) (*userInfo, error) {
	if len(tok) > 4096 {
		return nil, errors.New("token too long")
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tok, eksPrefix))
	if err != nil {
		return nil, errors.New("token is not base64url")
	}
	u, err := url.Parse(string(raw))
	if err != nil || u.Scheme != "https" || u.Path != "/" || !strings.HasPrefix(u.Hostname(), "127.") {
		return nil, fmt.Errorf("token URL is not https://<loopback STS>/")
	}
	q := u.Query()
	for k, v := range q {
		if !allowedQuery[strings.ToLower(k)] || len(v) != 1 {
			return nil, fmt.Errorf("query key %q not allowed", k)
		}
	}
	if q.Get("Action") != "GetCallerIdentity" {
		return nil, errors.New("action is not GetCallerIdentity")
	}
	if !strings.Contains(";"+q.Get("X-Amz-SignedHeaders")+";", ";x-k8s-aws-id;") {
		return nil, errors.New("x-k8s-aws-id is not signed")
	}
	if e, err := strconv.Atoi(q.Get("X-Amz-Expires")); err != nil || e < 0 || e > 900 {
		return nil, errors.New("X-Amz-Expires not in 0..900")
	}
	signed, err := time.Parse("20060102T150405Z", q.Get("X-Amz-Date"))
	if err != nil || time.Now().After(signed.Add(15*time.Minute)) {
		return nil, errors.New("token expired")
	}
	req, _ := http.NewRequest(http.MethodGet, u.String(), nil)
	req.Header.Set("x-k8s-aws-id", s.clusterID)
	req.Header.Set("Accept", "application/json")
	resp, err := s.sts.Do(req)
	if err != nil {
		return nil, fmt.Errorf("calling STS: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("STS answered %s", resp.Status)
	}
	var out struct {
		R struct {
			Res struct{ Account, Arn, UserId string } `json:"GetCallerIdentityResult"`
		} `json:"GetCallerIdentityResponse"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.R.Res.Arn == "" {
		return nil, errors.New("STS answer has no Arn")
	}
	id := out.R.Res
	return &userInfo{Username: id.Arn, UID: "aws-iam-authenticator:" + id.Account + ":" + id.UserId, Groups: []string{"hda:eks"}}, nil
}

type claims struct {
	Issuer  string `json:"iss"`
	Subject string `json:"sub"`
	Expiry  int64  `json:"exp"`
}

// verifyJWT checks an RS256 JWT's signature and expiry.
func verifyJWT(tok string, key *rsa.PublicKey) (claims, error) {
	var c claims
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return c, errors.New("not a JWT")
	}
	var hdr struct{ Alg string }
	if b, err := base64.RawURLEncoding.DecodeString(parts[0]); err != nil || json.Unmarshal(b, &hdr) != nil || hdr.Alg != "RS256" {
		return c, errors.New("JWT header is not RS256")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return c, errors.New("JWT signature is not base64url")
	}
	h := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(key, crypto.SHA256, h[:], sig); err != nil {
		return c, errors.New("JWT signature does not verify")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || json.Unmarshal(b, &c) != nil {
		return c, errors.New("JWT payload is not JSON")
	}
	if c.Expiry == 0 || time.Now().Unix() >= c.Expiry {
		return c, errors.New("token expired")
	}
	return c, nil
}
