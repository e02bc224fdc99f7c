package eks

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTLSSettings: AWS_CA_BUNDLE (read through Getenv) is honoured when no
// HTTPClient is given, and a given HTTPClient wins over it.
func TestTLSSettings(t *testing.T) {
	cases := []struct {
		name    string
		bundle  string // "fake" = the fake's certificate, "missing" = no such file
		client  bool
		newErr  string // substring of New's error
		tokenOK bool
	}{
		{name: "AWS_CA_BUNDLE trusts the fake", bundle: "fake", tokenOK: true},
		{name: "no bundle, no client: the fake is not trusted", tokenOK: false},
		{name: "unreadable AWS_CA_BUNDLE", bundle: "missing", newErr: "AWS_CA_BUNDLE"},
		{name: "a given client wins over AWS_CA_BUNDLE", bundle: "missing", client: true, tokenOK: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSetup(t, nil).withEnvCreds()
			switch tc.bundle {
			case "fake":
				path := filepath.Join(t.TempDir(), "ca.pem")
				if err := os.WriteFile(path, s.f.CertPEM(), 0o600); err != nil {
					t.Fatal(err)
				}
				s.env["AWS_CA_BUNDLE"] = path
			case "missing":
				s.env["AWS_CA_BUNDLE"] = filepath.Join(t.TempDir(), "nope.pem")
			}
			o := s.options(func(o *Options) {
				if !tc.client {
					o.HTTPClient = nil
				}
			})
			p, err := New(context.Background(), o)
			if tc.newErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.newErr) {
					t.Fatalf("New: %v, want an error naming %s", err, tc.newErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = p.Token(context.Background())
			if (err == nil) != tc.tokenOK {
				t.Fatalf("Token error = %v, want ok=%v", err, tc.tokenOK)
			}
		})
	}
}
