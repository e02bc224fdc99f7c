package gke

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"regexp"
	"strings"
)

// Credential file types this provider loads.
const (
	typeExternalAccount = "external_account"
	typeServiceAccount  = "service_account"
	typeAuthorizedUser  = "authorized_user"
	acceptedTypes       = "external_account (google-github-actions/auth with workload_identity_provider), " +
		"service_account (a key file, or google-github-actions/auth with credentials_json), " +
		"authorized_user (gcloud auth application-default login)"
)

// credFile holds the fields checked before the typed loader sees the file.
type credFile struct {
	Type                           string `json:"type"`
	ClientEmail                    string `json:"client_email"`
	ClientID                       string `json:"client_id"`
	Audience                       string `json:"audience"`
	TokenURL                       string `json:"token_url"`
	ServiceAccountImpersonationURL string `json:"service_account_impersonation_url"`
	CredentialSource               *struct {
		URL           string          `json:"url"`
		File          string          `json:"file"`
		Executable    json.RawMessage `json:"executable"`
		EnvironmentID string          `json:"environment_id"`
	} `json:"credential_source"`
}

var impEmailRE = regexp.MustCompile(`/serviceAccounts/([^/:]+):generateAccessToken$`)

func (p *Provider) initFile() error {
	path, from := p.o.CredentialsFile, "the credentials-file input"
	if path == "" {
		path, from = p.getenv("GOOGLE_APPLICATION_CREDENTIALS"), "GOOGLE_APPLICATION_CREDENTIALS"
	}
	if path == "" {
		return fmt.Errorf("%w: set workload-identity-provider (keyless; the job needs permissions: id-token: write), "+
			"or run google-github-actions/auth before this step (it writes a credentials file and sets GOOGLE_APPLICATION_CREDENTIALS)", ErrNoCredentials)
	}
	if p.o.ServiceAccount != "" {
		return fmt.Errorf("%w: service-account is used only with workload-identity-provider; with a credentials file "+
			"let google-github-actions/auth impersonate (its service_account input)", ErrInvalidOptions)
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w: %s names %q, which does not exist. Usually actions/checkout ran after google-github-actions/auth "+
			"(checkout cleans the workspace and deletes the gha-creds-*.json file: run checkout first), or the file is outside "+
			"the workspace, which is the only host directory this container action sees (as /github/workspace)", ErrCredentialsFileMissing, from, path)
	}
	if err != nil {
		return fmt.Errorf("reading the Google credentials file %q (from %s): %w", path, from, err)
	}
	var f credFile
	if err := json.Unmarshal(data, &f); err != nil {
		// The JSON error carries no file content beyond an offset.
		return fmt.Errorf("%w: %q (from %s) is not a JSON credentials file: %w", ErrUnsupportedCredentialType, path, from, err)
	}
	if err := p.checkFile(&f, path); err != nil {
		return err
	}
	p.file, p.fileType = data, f.Type
	return nil
}

// checkFile validates the type and, for external_account, the fields the
// oauth2 library would otherwise trust blindly; it also sets the identity.
func (p *Provider) checkFile(f *credFile, path string) error {
	switch f.Type {
	case typeServiceAccount:
		if f.ClientEmail == "" {
			return fmt.Errorf("%w: service_account file %q has no client_email", ErrUnsupportedCredentialType, path)
		}
		p.identity = f.ClientEmail
	case typeAuthorizedUser:
		p.identity = "authorized user of OAuth client " + f.ClientID
	case typeExternalAccount:
		return p.checkExternalAccount(f, path)
	case "":
		return fmt.Errorf("%w: %q has no type field; accepted types: %s", ErrUnsupportedCredentialType, path, acceptedTypes)
	default:
		return fmt.Errorf("%w: %q has type %q; accepted types: %s", ErrUnsupportedCredentialType, path, f.Type, acceptedTypes)
	}
	return nil
}

func (p *Provider) checkExternalAccount(f *credFile, path string) error {
	bad := func(why string) error {
		return fmt.Errorf("%w: external_account file %q %s", ErrUnsupportedCredentialType, path, why)
	}
	cs := f.CredentialSource
	switch {
	case !strings.HasPrefix(f.Audience, iamPrefix):
		return bad("has no workload identity provider audience (//iam.googleapis.com/projects/...)")
	case cs == nil:
		return bad("has no credential_source")
	case len(cs.Executable) > 0 || cs.EnvironmentID != "":
		return bad("uses an executable or AWS credential source; only url (what google-github-actions/auth writes) and file sources are accepted")
	case cs.URL == "" && cs.File == "":
		return bad("has a credential_source with neither url nor file")
	}
	for name, u := range map[string]string{"token_url": f.TokenURL, "service_account_impersonation_url": f.ServiceAccountImpersonationURL, "credential_source.url": cs.URL} {
		if u == "" {
			continue
		}
		if pu, err := url.Parse(u); err != nil || pu.Scheme != "https" || pu.Host == "" {
			return bad("has a " + name + " that is not an https URL")
		}
	}
	p.wip = strings.TrimPrefix(f.Audience, iamPrefix)
	p.identity = "principal of " + p.wip
	if f.ServiceAccountImpersonationURL != "" {
		m := impEmailRE.FindStringSubmatch(f.ServiceAccountImpersonationURL)
		if m == nil {
			return bad("has a service_account_impersonation_url without .../serviceAccounts/<email>:generateAccessToken")
		}
		p.identity, p.imp = m[1], true
	}
	return nil
}
