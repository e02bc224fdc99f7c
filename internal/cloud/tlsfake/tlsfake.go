// Package tlsfake is the loopback TLS server under the cloud token-service fakes (eksfake,
// gkefake, aksfake): httptest's certificate, or one a test gives (the end-to-end tests serve
// with a certificate the local cluster's CA signed), and a client that trusts whichever it is.
package tlsfake

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"testing"
)

// Server is a running fake server on 127.0.0.1.
type Server struct {
	srv  *httptest.Server
	cert *x509.Certificate
}

// Start serves h over TLS with cert (nil: httptest's own).
func Start(h http.Handler, cert *tls.Certificate) (*Server, error) {
	s := &Server{srv: httptest.NewUnstartedServer(h)}
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0) // TLS handshake failures are the client's story
	if cert != nil {
		s.srv.TLS = &tls.Config{Certificates: []tls.Certificate{*cert}}
		leaf, err := x509.ParseCertificate(cert.Certificate[0])
		if err != nil {
			return nil, err
		}
		s.cert = leaf
	}
	s.srv.StartTLS()
	if s.cert == nil {
		s.cert = s.srv.Certificate()
	}
	return s, nil
}

// URL is https://127.0.0.1:port.
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Client is an HTTP client that trusts the served certificate.
func (s *Server) Client() *http.Client {
	pool := x509.NewCertPool()
	pool.AddCert(s.cert)
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
}

// CertPEM is the served certificate in PEM.
func (s *Server) CertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.cert.Raw})
}

// ForTest runs newFake(o) for a test: it fails t on error and closes the fake at cleanup.
func ForTest[O any, F interface{ Close() }](t testing.TB, newFake func(O) (F, error), o O) F {
	t.Helper()
	f, err := newFake(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	return f
}
