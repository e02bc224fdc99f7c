package gkefake_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/cloud/gke/gkefake"
)

const sa = "deployer@p.iam.gserviceaccount.com"

func exchange(t *testing.T, f *gkefake.Fake, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := f.Client().PostForm(f.STSURL, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func stsForm(subjectToken string) url.Values {
	return url.Values{
		"grant_type":           {"urn:ietf:params:oauth:grant-type:token-exchange"},
		"audience":             {"//iam.googleapis.com/" + gkefake.DefaultProvider},
		"subject_token":        {subjectToken},
		"subject_token_type":   {"urn:ietf:params:oauth:token-type:jwt"},
		"requested_token_type": {"urn:ietf:params:oauth:token-type:access_token"},
		"scope":                {"https://www.googleapis.com/auth/cloud-platform"},
	}
}

func TestSTS(t *testing.T) {
	var minted []string
	tests := []struct {
		name      string
		mutate    func(url.Values)
		lifetime  time.Duration
		wantCode  int
		wantError string
		wantKnown bool
	}{
		{name: "ok", mutate: func(url.Values) {}, wantCode: 200, wantKnown: true},
		{name: "no scope", mutate: func(v url.Values) { v.Del("scope") }, wantCode: 400, wantError: "invalid_scope"},
		{name: "wrong provider", mutate: func(v url.Values) { v.Set("audience", "//iam.googleapis.com/projects/1/x") }, wantCode: 400, wantError: "invalid_target"},
		{name: "rejected token", mutate: func(v url.Values) { v.Set("subject_token", "bad") }, wantCode: 400, wantError: "invalid_grant"},
		{name: "issued token already expired", mutate: func(url.Values) {}, lifetime: time.Nanosecond, wantCode: 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := gkefake.Start(t, gkefake.Options{
				TokenLifetime: tc.lifetime,
				VerifyIDToken: func(token, audience string) (string, error) {
					if token != "good" || audience != "https://iam.googleapis.com/"+gkefake.DefaultProvider {
						return "", errString("bad token")
					}
					return "repo:o/r:ref:refs/heads/main", nil
				},
				MintToken: func(subject string, _ time.Time) string {
					minted = append(minted, subject)
					return "minted-" + subject
				},
			})
			form := stsForm("good")
			tc.mutate(form)
			code, out := exchange(t, f, form)
			if code != tc.wantCode || (tc.wantError != "" && out["error"] != tc.wantError) {
				t.Fatalf("STS answered %d %v, want %d %s", code, out, tc.wantCode, tc.wantError)
			}
			if f.Calls(gkefake.STS) != 1 {
				t.Errorf("STS calls %d, want 1", f.Calls(gkefake.STS))
			}
			if code != 200 {
				return
			}
			tok, _ := out["access_token"].(string)
			sub, ok := f.Lookup(tok)
			if ok != tc.wantKnown || (ok && !strings.HasSuffix(sub, "/subject/repo:o/r:ref:refs/heads/main")) {
				t.Errorf("Lookup = %q, %v; want known %v", sub, ok, tc.wantKnown)
			}
			if !strings.HasPrefix(tok, "minted-principal://") {
				t.Errorf("token %q was not made by MintToken", tok)
			}
		})
	}
	if len(minted) == 0 {
		t.Error("MintToken never called")
	}
}

// TestIAMNeedsSTSToken: only an STS token may impersonate, and only an allowed subject.
func TestIAMNeedsSTSToken(t *testing.T) {
	f := gkefake.Start(t, gkefake.Options{ServiceAccounts: map[string][]string{sa: {"unknown"}}})
	_, out := exchange(t, f, stsForm("any"))
	stsTok, _ := out["access_token"].(string)
	call := func(bearer, email string) (int, map[string]any) {
		req, _ := http.NewRequest("POST", f.IAMURL+"/v1/projects/-/serviceAccounts/"+email+":generateAccessToken",
			bytes.NewReader([]byte(`{"scope":["https://www.googleapis.com/auth/cloud-platform"],"lifetime":"600s"}`)))
		req.Header.Set("Authorization", "Bearer "+bearer)
		resp, err := f.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	code, out := call(stsTok, sa)
	if code != 200 {
		t.Fatalf("generateAccessToken: %d %v", code, out)
	}
	impTok, _ := out["accessToken"].(string)
	if sub, ok := f.Lookup(impTok); !ok || sub != sa {
		t.Errorf("impersonated token belongs to %q %v", sub, ok)
	}
	exp, err := time.Parse(time.RFC3339, out["expireTime"].(string))
	if err != nil || time.Until(exp) > 600*time.Second || time.Until(exp) < 590*time.Second {
		t.Errorf("expireTime %v (%v), want about now+600s", exp, err)
	}
	for _, c := range []struct {
		bearer, email string
		want          int
	}{{impTok, sa, 401}, {"made-up", sa, 401}, {stsTok, "other@p.iam.gserviceaccount.com", 403}} {
		if code, _ := call(c.bearer, c.email); code != c.want {
			t.Errorf("bearer %.12s… email %s: %d, want %d", c.bearer, c.email, code, c.want)
		}
	}
}

// TestTLSCert: a given certificate is served, and Client/CertPEM trust it.
func TestTLSCert(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "gkefake-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	f := gkefake.Start(t, gkefake.Options{TLSCert: &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}})
	if want := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}); !bytes.Equal(f.CertPEM(), want) {
		t.Error("CertPEM is not the given certificate")
	}
	if code, _ := exchange(t, f, stsForm("x")); code != 200 {
		t.Errorf("STS over the given certificate: %d", code)
	}
}

type errString string

func (e errString) Error() string { return string(e) }
