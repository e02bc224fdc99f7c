package aks

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

func TestParseCredentials(t *testing.T) {
	ca := "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
	kc := func(server, caData string) string {
		return "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: " + server +
			"\n    certificate-authority-data: " + caData + "\nusers:\n- name: u\n  user:\n    token: ignored\n"
	}
	body := func(kubeconfigs ...string) []byte {
		var res struct {
			Kubeconfigs []map[string][]byte `json:"kubeconfigs"`
		}
		for _, k := range kubeconfigs {
			res.Kubeconfigs = append(res.Kubeconfigs, map[string][]byte{"value": []byte(k)})
		}
		b, _ := json.Marshal(res)
		return b
	}
	b64 := base64.StdEncoding.EncodeToString([]byte(ca))
	cases := []struct {
		name, wantErr, wantServer string
		body                      []byte
	}{
		{name: "ok", body: body(kc("https://x.azmk8s.io:443", b64)), wantServer: "https://x.azmk8s.io:443"},
		{name: "first of several", body: body(kc("https://a:443", b64), kc("https://b:443", b64)), wantServer: "https://a:443"},
		{name: "not json", body: []byte("<html>"), wantErr: "decoding the listClusterUserCredential answer"},
		{name: "no kubeconfigs", body: body(), wantErr: "no kubeconfig"},
		{name: "not yaml", body: body("clusters: [unterminated"), wantErr: "parsing the cluster kubeconfig"},
		{name: "no server", body: body("clusters: []\n"), wantErr: "clusters[0].cluster.server"},
		{name: "http server", body: body(kc("http://x:80", b64)), wantErr: "not an https URL"},
		{name: "no CA", body: body(kc("https://x:443", `""`)), wantErr: "no certificate-authority-data"},
		{name: "CA not base64", body: body(kc("https://x:443", `"not*base64"`)), wantErr: "decoding certificate-authority-data"},
		{name: "CA not PEM", body: body(kc("https://x:443", base64.StdEncoding.EncodeToString([]byte("junk")))), wantErr: "no PEM certificate"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv, gotCA, err := parseCredentials(tc.body)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || srv != tc.wantServer || string(gotCA) != ca {
				t.Fatalf("got %q %q %v; want %q", srv, gotCA, err, tc.wantServer)
			}
		})
	}
}
