package gkefake

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
)

// ExternalAccount describes an external_account credentials file like the
// one google-github-actions/auth writes for workload identity federation.
type ExternalAccount struct {
	// CredentialSourceURL is where the subject token is fetched (the GitHub
	// ACTIONS_ID_TOKEN_REQUEST_URL + "&audience=...").
	CredentialSourceURL string
	// Headers for that request (auth writes Authorization: Bearer <request token>).
	Headers map[string]string
	// ServiceAccount, when set, adds service_account_impersonation_url.
	ServiceAccount string
	// WorkloadIdentityProvider; default the fake's.
	WorkloadIdentityProvider string
}

// WriteExternalAccountFile writes dir/gha-creds-<16 hex>.json pointing at the
// fake's STS and IAM endpoints and returns its path.
func (f *Fake) WriteExternalAccountFile(dir string, ea ExternalAccount) (string, error) {
	wip := ea.WorkloadIdentityProvider
	if wip == "" {
		wip = f.o.WorkloadIdentityProvider
	}
	doc := map[string]any{
		"type":               "external_account",
		"audience":           "//iam.googleapis.com/" + wip,
		"subject_token_type": "urn:ietf:params:oauth:token-type:jwt",
		"token_url":          f.STSURL,
		"credential_source": map[string]any{
			"url":     ea.CredentialSourceURL,
			"headers": ea.Headers,
			"format":  map[string]string{"type": "json", "subject_token_field_name": "value"},
		},
	}
	if ea.ServiceAccount != "" {
		doc["service_account_impersonation_url"] = f.IAMURL + "/v1/projects/-/serviceAccounts/" + ea.ServiceAccount + ":generateAccessToken"
	}
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return writeDoc(filepath.Join(dir, "gha-creds-"+hex.EncodeToString(b)+".json"), doc)
}

// WriteServiceAccountFile writes a service_account key file for email whose
// token_uri is the fake's OAuth endpoint, and registers its public key.
func (f *Fake) WriteServiceAccountFile(dir, email string) (string, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", err
	}
	f.mu.Lock()
	f.keys[email] = &key.PublicKey
	f.mu.Unlock()
	return writeDoc(filepath.Join(dir, "sa-key.json"), map[string]any{
		"type":           "service_account",
		"project_id":     "fake-project",
		"private_key_id": "fake-key-1",
		"private_key":    string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email":   email,
		"client_id":      "100000000000000000001",
		"token_uri":      f.TokenURL,
	})
}

// WriteAuthorizedUserFile writes an authorized_user file (what gcloud auth
// application-default login writes) whose refresh token the fake's OAuth
// endpoint exchanges for tokens with subject user.
func (f *Fake) WriteAuthorizedUserFile(dir, user string) (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	rt := "1//fake-refresh-" + hex.EncodeToString(b)
	f.mu.Lock()
	f.refresh[rt] = user
	f.mu.Unlock()
	return writeDoc(filepath.Join(dir, "application_default_credentials.json"), map[string]any{
		"type":          "authorized_user",
		"client_id":     "fake-client.apps.googleusercontent.com",
		"client_secret": "fake-secret",
		"refresh_token": rt,
		"token_uri":     f.TokenURL,
	})
}

func writeDoc(path string, doc map[string]any) (string, error) {
	data, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return "", fmt.Errorf("gkefake: writing %s: %w", path, err)
	}
	return path, nil
}
