package eksfake

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

const stsNS = "https://sts.amazonaws.com/doc/2011-06-15/"

var roleARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:iam::(\d{12}):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]+)$`)

type xmlCredentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

type xmlAssumedRoleUser struct {
	Arn           string `xml:"Arn"`
	AssumedRoleID string `xml:"AssumedRoleId"`
}

type xmlAssumeResult struct {
	XMLName                     xml.Name
	Credentials                 xmlCredentials     `xml:"Credentials"`
	AssumedRoleUser             xmlAssumedRoleUser `xml:"AssumedRoleUser"`
	SubjectFromWebIdentityToken string             `xml:"SubjectFromWebIdentityToken,omitempty"`
	Audience                    string             `xml:"Audience,omitempty"`
}

type xmlMetadata struct {
	RequestID string `xml:"RequestId"`
}

// callerIdentity is the GetCallerIdentityResult shape (XML and JSON).
type callerIdentity struct {
	Account string `xml:"Account" json:"Account"`
	Arn     string `xml:"Arn" json:"Arn"`
	UserID  string `xml:"UserId" json:"UserId"`
}

// serveSTS handles the awsquery form POSTs.
func (f *Fake) serveSTS(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		writeQueryError(w, APIError{http.StatusBadRequest, "MalformedQueryString", "cannot parse the form"})
		return
	}
	action := form.Get("Action")
	switch action {
	case OpAssumeRoleWithWebIdentity, OpAssumeRole, OpGetCallerIdentity:
	default:
		writeQueryError(w, APIError{http.StatusBadRequest, "InvalidAction", "unknown action " + action})
		return
	}
	if e, ok := f.begin(action); ok {
		writeQueryError(w, e)
		return
	}
	switch action {
	case OpAssumeRoleWithWebIdentity:
		f.assumeRoleWithWebIdentity(w, form)
	case OpAssumeRole:
		caller, apiErr := f.verifyHeaderSigned(r, body, "sts")
		if apiErr != nil {
			writeQueryError(w, *apiErr)
			return
		}
		f.assume(w, form, OpAssumeRole, caller.arn, "")
	case OpGetCallerIdentity:
		caller, apiErr := f.verifyHeaderSigned(r, body, "sts")
		if apiErr != nil {
			writeQueryError(w, *apiErr)
			return
		}
		writeXML(w, http.StatusOK, struct {
			XMLName  xml.Name       `xml:"GetCallerIdentityResponse"`
			Xmlns    string         `xml:"xmlns,attr"`
			Result   callerIdentity `xml:"GetCallerIdentityResult"`
			Metadata xmlMetadata    `xml:"ResponseMetadata"`
		}{Xmlns: stsNS, Result: f.identityOf(caller), Metadata: xmlMetadata{randomHex(8)}})
	}
}

func (f *Fake) assumeRoleWithWebIdentity(w http.ResponseWriter, form url.Values) {
	tok := form.Get("WebIdentityToken")
	if tok == "" {
		writeQueryError(w, APIError{http.StatusBadRequest, "ValidationError", "WebIdentityToken is required"})
		return
	}
	subject := "unknown"
	if f.o.VerifyIDToken != nil {
		s, err := f.o.VerifyIDToken(tok, f.o.Audience)
		switch {
		case errors.Is(err, ErrIDTokenExpired):
			writeQueryError(w, ExpiredWebIdentityToken)
			return
		case err != nil:
			writeQueryError(w, APIError{http.StatusBadRequest, "InvalidIdentityToken", "Couldn't verify the web identity token: " + err.Error()})
			return
		}
		subject = s
	}
	f.assume(w, form, OpAssumeRoleWithWebIdentity, subject, subject)
}

// assume issues credentials for form's RoleArn to principal.
func (f *Fake) assume(w http.ResponseWriter, form url.Values, op, principal, subject string) {
	roleARN, session := form.Get("RoleArn"), form.Get("RoleSessionName")
	m := roleARNPattern.FindStringSubmatch(roleARN)
	if m == nil || session == "" {
		writeQueryError(w, APIError{http.StatusBadRequest, "ValidationError", "RoleArn must be an IAM role ARN and RoleSessionName is required"})
		return
	}
	if f.o.AllowRole != nil && !f.o.AllowRole(roleARN, principal) {
		writeQueryError(w, APIError{http.StatusForbidden, "AccessDenied", fmt.Sprintf("Not authorized to perform sts:%s", op)})
		return
	}
	lifetime := f.o.CredentialLifetime
	if lifetime == 0 {
		lifetime = time.Hour
		if s, err := strconv.Atoi(form.Get("DurationSeconds")); err == nil && s > 0 {
			lifetime = time.Duration(s) * time.Second
		}
	}
	expires := f.o.Now().Add(lifetime).UTC().Truncate(time.Second)
	akid := "ASIA" + strings.ToUpper(randomHex(8))
	roleID := "AROA" + strings.ToUpper(randomHex(8))
	c := &credential{
		secret: randomHex(20), sessionToken: randomHex(32),
		arn:     fmt.Sprintf("arn:aws:sts::%s:assumed-role/%s/%s", m[1], m[2], session),
		userID:  roleID + ":" + session,
		expires: expires,
	}
	if f.o.MintToken != nil {
		c.sessionToken = f.o.MintToken(principal, expires)
	}
	f.mu.Lock()
	f.creds[akid] = c
	f.mu.Unlock()

	res := xmlAssumeResult{
		XMLName:         xml.Name{Local: op + "Result"},
		Credentials:     xmlCredentials{akid, c.secret, c.sessionToken, expires.Format(time.RFC3339)},
		AssumedRoleUser: xmlAssumedRoleUser{Arn: c.arn, AssumedRoleID: c.userID},
	}
	if op == OpAssumeRoleWithWebIdentity {
		res.SubjectFromWebIdentityToken, res.Audience = subject, f.o.Audience
	}
	writeXML(w, http.StatusOK, struct {
		XMLName  xml.Name
		Xmlns    string `xml:"xmlns,attr"`
		Result   xmlAssumeResult
		Metadata xmlMetadata `xml:"ResponseMetadata"`
	}{XMLName: xml.Name{Local: op + "Response"}, Xmlns: stsNS, Result: res, Metadata: xmlMetadata{randomHex(8)}})
}

func (f *Fake) identityOf(c credential) callerIdentity {
	account := f.o.Account
	if p := strings.Split(c.arn, ":"); len(p) > 4 && p[4] != "" {
		account = p[4]
	}
	return callerIdentity{Account: account, Arn: c.arn, UserID: c.userID}
}
