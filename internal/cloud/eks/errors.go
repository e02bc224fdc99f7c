package eks

import (
	"errors"
	"fmt"

	"github.com/aws/smithy-go"
)

// userError is an error with advice for the user. It wraps a sentinel (for
// errors.Is) and the SDK's error (which names the operation, HTTP status,
// request ID and AWS error code, never a credential or a token).
type userError struct {
	kind  error
	msg   string
	cause error
}

func (e *userError) Error() string {
	if e.cause == nil {
		return e.msg
	}
	return e.msg + ": " + e.cause.Error()
}

func (e *userError) Unwrap() []error { return []error{e.kind, e.cause} }

func newUserError(kind error, cause error, format string, a ...any) error {
	return &userError{kind: kind, msg: fmt.Sprintf(format, a...), cause: cause}
}

// awsCode is the AWS error code in err, or "".
func awsCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// envCredentialError explains a rejection of the environment's keys, or
// returns nil when err is something else.
func envCredentialError(err error) error {
	switch awsCode(err) {
	case "ExpiredToken", "ExpiredTokenException", "RequestExpired":
		return newUserError(ErrExpired, err, "the AWS credentials in the environment have expired "+
			"(AWS_SESSION_TOKEN from aws-actions/configure-aws-credentials): run it closer to this step or raise its role-duration-seconds")
	case "InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException", "InvalidSignatureException":
		return newUserError(ErrAccessDenied, err, "AWS does not accept the credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN: "+
			"check the values aws-actions/configure-aws-credentials exported, or use the role-to-assume input instead")
	}
	return nil
}

func webIdentityError(o Options, err error) error {
	switch awsCode(err) {
	case "AccessDenied":
		return newUserError(ErrAccessDenied, err, "AWS STS refused AssumeRoleWithWebIdentity for role %s: check the role's trust policy "+
			"(principal Federated: the IAM OIDC provider token.actions.githubusercontent.com, action sts:AssumeRoleWithWebIdentity, "+
			"condition token.actions.githubusercontent.com:aud = %q and a token.actions.githubusercontent.com:sub that matches this "+
			"workflow, e.g. repo:OWNER/REPO:ref:refs/heads/BRANCH or repo:OWNER/REPO:environment:NAME)", o.RoleARN, o.Audience)
	case "InvalidIdentityToken", "IDPRejectedClaim":
		return newUserError(ErrIdentityToken, err, "AWS STS rejected the GitHub OIDC token for role %s: the role's account needs an IAM OIDC "+
			"identity provider for https://token.actions.githubusercontent.com whose audiences include %q", o.RoleARN, o.Audience)
	case "ExpiredTokenException", "ExpiredToken":
		return newUserError(ErrExpired, err, "AWS STS says the GitHub OIDC token has expired (they live 5 minutes): check the runner's clock")
	}
	return newUserError(ErrAccessDenied, err, "assuming role %s with the GitHub OIDC token failed", o.RoleARN)
}

func assumeRoleError(o Options, err error) error {
	if awsCode(err) == "AccessDenied" {
		return newUserError(ErrAccessDenied, err, "the AWS credentials in the environment may not assume role %s: its trust policy must "+
			"allow their principal and their permissions must allow sts:AssumeRole on it (or use role-to-assume without "+
			"aws-actions/configure-aws-credentials, keyless)", o.RoleARN)
	}
	if e := envCredentialError(err); e != nil {
		return e
	}
	return newUserError(ErrAccessDenied, err, "assuming role %s with the AWS credentials in the environment failed", o.RoleARN)
}

// explain returns err's user error if it carries one (from the credential
// providers), else wraps err with what.
func (p *Provider) explain(what string, err error) error {
	var ue *userError
	if errors.As(err, &ue) {
		return ue
	}
	if p.mode == modeEnv {
		if e := envCredentialError(err); e != nil {
			return e
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}
