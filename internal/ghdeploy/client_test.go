package ghdeploy

import (
	"errors"
	"strings"
	"testing"
)

func TestNewURLs(t *testing.T) {
	tests := []struct {
		name     string
		opts     Options
		wantBase string
		wantWeb  string
		wantErr  error
	}{
		{name: "default is github.com", opts: Options{Owner: "o", Repo: "r"},
			wantBase: "https://api.github.com/", wantWeb: "https://github.com/o/r/deployments"},
		{name: "explicit api.github.com", opts: Options{Owner: "o", Repo: "r", APIURL: "https://api.github.com"},
			wantBase: "https://api.github.com/", wantWeb: "https://github.com/o/r/deployments"},
		{name: "GHES", opts: Options{Owner: "o", Repo: "r", APIURL: "https://ghes.example.com/api/v3"},
			wantBase: "https://ghes.example.com/api/v3/", wantWeb: "https://ghes.example.com/o/r/deployments"},
		{name: "GHES host only gets /api/v3", opts: Options{Owner: "o", Repo: "r", APIURL: "https://ghes.example.com"},
			wantBase: "https://ghes.example.com/api/v3/", wantWeb: "https://ghes.example.com/o/r/deployments"},
		{name: "GHE.com", opts: Options{Owner: "o", Repo: "r", APIURL: "https://api.acme.ghe.com"},
			wantBase: "https://api.acme.ghe.com/", wantWeb: "https://acme.ghe.com/o/r/deployments"},
		{name: "loopback test server used as is", opts: Options{Owner: "o", Repo: "r", APIURL: "http://127.0.0.1:8080"},
			wantBase: "http://127.0.0.1:8080/", wantWeb: "http://127.0.0.1:8080/o/r/deployments"},
		{name: "server URL wins for links", opts: Options{Owner: "o", Repo: "r", APIURL: "https://ghes.example.com/api/v3", ServerURL: "https://code.example.com/"},
			wantBase: "https://ghes.example.com/api/v3/", wantWeb: "https://code.example.com/o/r/deployments"},
		{name: "missing repository", opts: Options{Owner: "o"}, wantErr: ErrOptions},
		{name: "relative API URL", opts: Options{Owner: "o", Repo: "r", APIURL: "/api/v3"}, wantErr: ErrOptions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.opts)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if got := c.BaseURL(); got != tt.wantBase {
				t.Errorf("BaseURL = %q, want %q", got, tt.wantBase)
			}
			if got := c.EnvironmentURL(""); got != tt.wantWeb {
				t.Errorf("EnvironmentURL = %q, want %q", got, tt.wantWeb)
			}
		})
	}
}

func TestGHESPrefixAgainstFake(t *testing.T) {
	s, c, _ := newFake(t, func(o *Options) { o.APIURL += "/api/v3" })
	id, err := c.Create(t.Context(), DeploymentRequest{Ref: "main", Environment: "staging"})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SetStatus(t.Context(), id, Status{State: "success"}); err != nil {
		t.Fatal(err)
	}
	for _, call := range s.Calls() {
		if !strings.HasPrefix(call.URLPath, "/api/v3/repos/octo/app/deployments") {
			t.Errorf("request went to %s, want the /api/v3 prefix", call.URLPath)
		}
	}
	if got := c.EnvironmentURL("my env"); got != s.URL+"/octo/app/deployments/my%20env" {
		t.Errorf("EnvironmentURL = %q", got)
	}
}

func TestTruncate(t *testing.T) {
	long := strings.Repeat("a", 200)
	tests := []struct {
		name string
		in   string
		n    int
		want string
	}{
		{name: "short", in: "done", n: 140, want: "done"},
		{name: "exactly the limit", in: long[:140], n: 140, want: long[:140]},
		{name: "one over", in: long[:141], n: 140, want: long[:139] + "…"},
		{name: "multibyte is cut on runes", in: strings.Repeat("é", 150), n: 140, want: strings.Repeat("é", 139) + "…"},
		{name: "trailing space before the cut is dropped", in: "abc def", n: 5, want: "abc…"},
		{name: "zero", in: "abc", n: 0, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Truncate(tt.in, tt.n); got != tt.want {
				t.Errorf("Truncate = %q, want %q", got, tt.want)
			}
		})
	}
}
