package eks

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

type credMode int

const (
	modeEnv         credMode = iota // the environment's keys as they are
	modeWebIdentity                 // GitHub OIDC -> AssumeRoleWithWebIdentity
	modeAssumeRole                  // the environment's keys -> AssumeRole
)

const (
	// refreshWindow: role credentials are renewed when less than this is
	// left, so a token signed with them stays usable for most of its life.
	refreshWindow      = 5 * time.Minute
	assumeRoleDuration = time.Hour // the longest a chained role session may last
)

// chooseCredentials picks the path and the base credentials the STS client
// signs with: the environment's keys, or none for the web identity call.
func chooseCredentials(o Options) (credMode, aws.CredentialsProvider, error) {
	akid, secret := o.Getenv("AWS_ACCESS_KEY_ID"), o.Getenv("AWS_SECRET_ACCESS_KEY")
	if akid != "" && secret == "" {
		return 0, nil, fmt.Errorf("%w: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is empty", ErrNoCredentials)
	}
	var env aws.CredentialsProvider
	if akid != "" {
		env = credentials.NewStaticCredentialsProvider(akid, secret, o.Getenv("AWS_SESSION_TOKEN"))
	}
	switch {
	case o.RoleARN != "" && env != nil:
		return modeAssumeRole, env, nil
	case o.RoleARN != "" && o.IDToken != nil:
		return modeWebIdentity, aws.AnonymousCredentials{}, nil
	case o.RoleARN != "":
		return 0, nil, fmt.Errorf("%w: assuming %s with GitHub OIDC needs `permissions: id-token: write` in the workflow job "+
			"(ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN are missing), or AWS credentials in the environment from aws-actions/configure-aws-credentials",
			ErrNoIDToken, o.RoleARN)
	case env != nil:
		return modeEnv, env, nil
	}
	return 0, nil, fmt.Errorf("%w: set the role-to-assume input (keyless, with `permissions: id-token: write`), "+
		"or run aws-actions/configure-aws-credentials before this action (AWS_ACCESS_KEY_ID is not set)", ErrNoCredentials)
}

// roleCredentials returns the credentials tokens are signed with.
func (p *Provider) roleCredentials(base *sts.Client, envCreds aws.CredentialsProvider) aws.CredentialsProvider {
	o := p.o
	var inner aws.CredentialsProvider
	switch p.mode {
	case modeEnv:
		return envCreds
	case modeAssumeRole:
		ar := stscreds.NewAssumeRoleProvider(base, o.RoleARN, func(ao *stscreds.AssumeRoleOptions) {
			ao.RoleSessionName = o.SessionName
			ao.Duration = assumeRoleDuration
		})
		inner = aws.CredentialsProviderFunc(func(ctx context.Context) (aws.Credentials, error) {
			c, err := ar.Retrieve(ctx)
			if err != nil {
				return c, assumeRoleError(o, err)
			}
			return c, nil
		})
	case modeWebIdentity:
		inner = aws.CredentialsProviderFunc(func(ctx context.Context) (aws.Credentials, error) {
			// A fresh GitHub token for every exchange: they live 5 minutes.
			tok, err := o.IDToken(ctx, o.Audience)
			if err != nil {
				return aws.Credentials{}, newUserError(ErrNoIDToken, err, "requesting a GitHub OIDC token for audience %q", o.Audience)
			}
			wi := stscreds.NewWebIdentityRoleProvider(base, o.RoleARN, staticToken(tok), func(wo *stscreds.WebIdentityRoleOptions) {
				wo.RoleSessionName = o.SessionName
			})
			c, err := wi.Retrieve(ctx)
			if err != nil {
				return c, webIdentityError(o, err)
			}
			return c, nil
		})
	}
	cc := &clockCache{now: p.now}
	cc.cache = aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(ctx context.Context) (aws.Credentials, error) {
		at := p.now()
		c, err := inner.Retrieve(ctx)
		if err == nil {
			cc.fetched(at)
		}
		return c, err
	}))
	return cc
}

type staticToken string

func (t staticToken) GetIdentityToken() ([]byte, error) { return []byte(t), nil }

// clockCache is an aws.CredentialsCache that also renews credentials by the
// injectable clock (the SDK's own check uses the real one): once less than
// refreshWindow, or half their lifetime if that is shorter, is left.
type clockCache struct {
	cache *aws.CredentialsCache
	now   func() time.Time
	mu    sync.Mutex // serialises Retrieve

	fmu       sync.Mutex
	fetchedAt time.Time // clock time of the last successful fetch
}

func (c *clockCache) fetched(at time.Time) {
	c.fmu.Lock()
	defer c.fmu.Unlock()
	c.fetchedAt = at
}

func (c *clockCache) Retrieve(ctx context.Context) (aws.Credentials, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	creds, err := c.cache.Retrieve(ctx)
	if err != nil || !creds.CanExpire || !c.renewDue(creds) {
		return creds, err
	}
	c.cache.Invalidate()
	return c.cache.Retrieve(ctx)
}

func (c *clockCache) renewDue(creds aws.Credentials) bool {
	c.fmu.Lock()
	life := creds.Expires.Sub(c.fetchedAt)
	c.fmu.Unlock()
	left := creds.Expires.Sub(c.now())
	return left <= 0 || left < min(refreshWindow, life/2)
}
