package aksfake

import (
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
	"sync"
	"testing"
	"time"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func postToken(t *testing.T, f *Fake, tenant string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := f.Client().PostForm(f.URL+"/"+tenant+"/oauth2/v2.0/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, m
}

func federatedForm(scope string) url.Values {
	return url.Values{"grant_type": {"client_credentials"}, "client_id": {"app"}, "scope": {scope + " openid profile offline_access"},
		"client_assertion": {"gh-jwt"}, "client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}}
}

func TestLookupOnlyValidServerTokens(t *testing.T) {
	c := &clock{t: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}
	var minted []string
	f := Start(t, Options{TokenLifetime: 20 * time.Second, Now: c.Now,
		MintToken: func(sub string, exp time.Time) string { minted = append(minted, sub); return "jwt-for-" + sub }})
	cases := []struct {
		name, scope string
		advance     time.Duration
		wantOK      bool
	}{
		{"server scope", DefaultServerID + "/.default", 0, true},
		{"server scope expired", DefaultServerID + "/.default", 21 * time.Second, false},
		{"arm scope", "https://management.azure.com/.default", 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, body := postToken(t, f, "tenant-x", federatedForm(tc.scope))
			tok, _ := body["access_token"].(string)
			if st != 200 || tok == "" || body["expires_in"] != float64(20) || body["token_type"] != "Bearer" {
				t.Fatalf("token answer %d %v", st, body)
			}
			c.Add(tc.advance)
			sub, ok := f.Lookup(tok)
			if ok != tc.wantOK || (ok && sub != "app") {
				t.Errorf("Lookup = %q, %v; want ok=%v", sub, ok, tc.wantOK)
			}
		})
	}
	if len(minted) != 2 {
		t.Errorf("MintToken called %d times, want 2 (server scope only)", len(minted))
	}
	if f.Calls(EndpointToken) != 3 {
		t.Errorf("token calls %d", f.Calls(EndpointToken))
	}
}

func TestDiscoveryIssuerMatchesHostAndUnknownPaths(t *testing.T) {
	f := Start(t, Options{})
	resp, err := f.Client().Get(f.URL + "/my-tenant/v2.0/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]string
	_ = json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	if doc["issuer"] != f.URL+"/my-tenant/v2.0" || doc["token_endpoint"] != f.URL+"/my-tenant/oauth2/v2.0/token" ||
		!strings.HasPrefix(doc["authorization_endpoint"], f.URL) {
		t.Errorf("discovery document %v", doc)
	}
	resp, err = f.Client().Get(f.URL + "/common/discovery/instance")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 || f.Calls(EndpointOther) != 1 || f.Calls(EndpointDiscovery) != 1 {
		t.Errorf("status %d other=%d discovery=%d", resp.StatusCode, f.Calls(EndpointOther), f.Calls(EndpointDiscovery))
	}
}

func TestCustomTLSCert(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(42), Subject: pkix.Name{CommonName: "other-ca-leaf"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	f := Start(t, Options{TLSCert: &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}})
	blk, _ := pem.Decode(f.CertPEM())
	leaf, perr := x509.ParseCertificate(blk.Bytes)
	if perr != nil || leaf.Subject.CommonName != "other-ca-leaf" {
		t.Fatalf("CertPEM is not the given cert")
	}
	resp, err := f.Client().Get(f.URL + "/t/v2.0/.well-known/openid-configuration")
	if err != nil {
		t.Fatalf("client does not trust the given cert: %v", err)
	}
	resp.Body.Close()
	if _, err := http.Get(f.URL + "/t/v2.0/.well-known/openid-configuration"); err == nil {
		t.Error("default client trusted the fake's cert")
	}
}
