package eks

import (
	"context"
	"encoding/base64"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

const (
	tokenPrefix     = "k8s-aws-v1."
	clusterIDHeader = "x-k8s-aws-id"
	presignExpires  = "60"             // what aws-cli and aws-iam-authenticator send; STS allows 15 min anyway
	tokenLifetime   = 14 * time.Minute // what `aws eks get-token` reports
)

// Token mints a new EKS bearer token: "k8s-aws-v1." + base64url of a SigV4
// presigned STS GetCallerIdentity URL for the regional endpoint, with the
// cluster name in the signed x-k8s-aws-id header. The expiry is the signing
// time + 14 minutes, or earlier if the signing credentials expire sooner.
func (p *Provider) Token(ctx context.Context) (string, time.Time, error) {
	if p.mode == modeEnv {
		if err := p.learnCaller(ctx); err != nil {
			return "", time.Time{}, err
		}
	}
	ps := &presigner{signer: v4.NewSigner(), now: p.now, cluster: p.o.Cluster}
	req, err := sts.NewPresignClient(p.sts).PresignGetCallerIdentity(ctx, &sts.GetCallerIdentityInput{},
		func(po *sts.PresignOptions) { po.Presigner = ps })
	if err != nil {
		return "", time.Time{}, p.explain("minting the EKS token", err)
	}
	expiry := ps.signedAt.Add(tokenLifetime)
	if ps.creds.CanExpire && ps.creds.Expires.Before(expiry) {
		expiry = ps.creds.Expires
	}
	return tokenPrefix + base64.RawURLEncoding.EncodeToString([]byte(req.URL)), expiry, nil
}

// learnCaller asks STS once who the environment's keys belong to; it also
// checks them before a token that would be refused is handed out.
func (p *Provider) learnCaller(ctx context.Context) error {
	p.mu.Lock()
	known := p.callerARN != ""
	p.mu.Unlock()
	if known {
		return nil
	}
	out, err := p.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return p.explain("checking the AWS credentials with sts:GetCallerIdentity", err)
	}
	p.mu.Lock()
	p.callerARN = aws.ToString(out.Arn)
	p.mu.Unlock()
	return nil
}

// presigner adds the EKS headers and signs at the injectable clock's time;
// it records the signing time and credentials for the expiry.
type presigner struct {
	signer  *v4.Signer
	now     func() time.Time
	cluster string

	signedAt time.Time
	creds    aws.Credentials
}

func (s *presigner) PresignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request,
	payloadHash, service, region string, _ time.Time, optFns ...func(*v4.SignerOptions),
) (string, http.Header, error) {
	r = r.Clone(ctx)
	r.Header.Set(clusterIDHeader, s.cluster)
	r.Header.Set("X-Amz-Expires", presignExpires) // hoisted into the query by the signer
	s.signedAt, s.creds = s.now(), creds
	return s.signer.PresignHTTP(ctx, creds, r, payloadHash, service, region, s.signedAt, optFns...)
}
