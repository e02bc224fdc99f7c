// Command authhook stands in for the cloud side of cluster authentication on the local test
// cluster, on 127.0.0.1 only:
//
//   - the OIDC issuer the kube-apiserver's structured JWT authenticator trusts (the fake GitHub
//     issuer): its discovery document and JWKS, for the RSA key in --idp-key;
//   - a token-review webhook (POST /authenticate) that validates EKS tokens the way EKS does
//     (aws-iam-authenticator: the presigned STS GetCallerIdentity URL is checked and then sent,
//     with the cluster's own x-k8s-aws-id, to the STS it names, which must verify the signature),
//     and bearer tokens of the fake Google and Entra token services (RS256 JWTs signed with the
//     same --idp-key, issuers below).
package main

import (
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"log"
	"math/big"
	"net/http"
	"os"
	"strings"
	"time"
)

// Issuers of the fake cloud token services' bearer tokens.
const (
	GoogleIssuer = "https://fake-google.hda.test"
	EntraIssuer  = "https://fake-entra.hda.test"
)

type server struct {
	issuer    string
	key       *rsa.PublicKey
	clusterID string
	sts       *http.Client
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address")
	cert := flag.String("cert", "", "serving certificate")
	keyFile := flag.String("key", "", "serving key")
	ca := flag.String("ca", "", "CA bundle trusted when calling STS")
	idp := flag.String("idp-key", "", "RSA private key (PEM) whose public half signs every token")
	clusterID := flag.String("cluster-id", "hda-e2e", "the EKS cluster id sent as x-k8s-aws-id")
	flag.Parse()
	if !strings.HasPrefix(*listen, "127.") {
		log.Fatalf("--listen %s: loopback only", *listen)
	}
	pub, err := readPublicKey(*idp)
	if err != nil {
		log.Fatal(err)
	}
	pool := x509.NewCertPool()
	if b, err := os.ReadFile(*ca); err != nil || !pool.AppendCertsFromPEM(b) {
		log.Fatalf("--ca %s: %v", *ca, err)
	}
	s := &server{issuer: "https://" + *listen, key: pub, clusterID: *clusterID, sts: &http.Client{
		Timeout:       10 * time.Second,
		Transport:     &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", s.discovery)
	mux.HandleFunc("GET /jwks", s.jwks)
	mux.HandleFunc("POST /authenticate", s.authenticate)
	log.Printf("authhook on %s (issuer %s)", *listen, s.issuer)
	srv := &http.Server{Addr: *listen, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	log.Fatal(srv.ListenAndServeTLS(*cert, *keyFile))
}

func readPublicKey(path string) (*rsa.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("%s: no PEM", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, err
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: not an RSA key", path)
	}
	return &rk.PublicKey, nil
}

func (s *server) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, map[string]any{"issuer": s.issuer, "jwks_uri": s.issuer + "/jwks",
		"id_token_signing_alg_values_supported": []string{"RS256"}, "response_types_supported": []string{"id_token"},
		"subject_types_supported": []string{"public"}})
}

func (s *server) jwks(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "alg": "RS256", "use": "sig", "kid": "hda-test",
		"n": base64.RawURLEncoding.EncodeToString(s.key.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(s.key.E)).Bytes()),
	}}})
}

type tokenReview struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Spec       struct {
		Token     string   `json:"token"`
		Audiences []string `json:"audiences,omitempty"`
	} `json:"spec"`
	Status reviewStatus `json:"status"`
}

type reviewStatus struct {
	Authenticated bool      `json:"authenticated"`
	User          *userInfo `json:"user,omitempty"`
	Error         string    `json:"error,omitempty"`
}

type userInfo struct {
	Username string   `json:"username"`
	UID      string   `json:"uid,omitempty"`
	Groups   []string `json:"groups,omitempty"`
}

func (s *server) authenticate(w http.ResponseWriter, r *http.Request) {
	var tr tokenReview
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&tr); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	user, err := s.review(tr.Spec.Token)
	tr.Status = reviewStatus{Authenticated: err == nil, User: user}
	if err != nil {
		tr.Status.Error = err.Error()
		log.Printf("refused: %v", err)
	} else {
		log.Printf("authenticated %s", user.Username)
	}
	tr.Spec.Token = ""
	writeJSON(w, tr)
}

func (s *server) review(tok string) (*userInfo, error) {
	if strings.HasPrefix(tok, eksPrefix) {
		return s.reviewEKS(tok)
	}
	c, err := verifyJWT(tok, s.key)
	if err != nil {
		return nil, err
	}
	switch c.Issuer {
	case GoogleIssuer:
		return &userInfo{Username: "google:" + c.Subject, Groups: []string{"hda:gke"}}, nil
	case EntraIssuer:
		return &userInfo{Username: "entra:" + c.Subject, Groups: []string{"hda:aks"}}, nil
	}
	return nil, fmt.Errorf("issuer %q is not one the webhook trusts", c.Issuer)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
