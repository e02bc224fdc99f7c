package config

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestParseDefaults(t *testing.T) {
	c := parseOK(t, nil)
	want := &Config{
		Task:            TaskDeploy,
		Change:          ChangeSpec{Drift: "warn"},
		Release:         "web",
		Namespace:       "default",
		Chart:           ChartSpec{Ref: testWorkspace + "/chart", Kind: ChartLocal},
		Atomic:          true,
		Wait:            true,
		CleanupOnFail:   true,
		Timeout:         5 * time.Minute,
		HistoryMax:      10,
		Workspace:       testWorkspace,
		LockTimeout:     15 * time.Minute,
		LockTTL:         60 * time.Second,
		RecoverPending:  true,
		GitHub:          GitHubSpec{Environment: "web", CreateDeployment: "auto", AutoInactive: true},
		Rollout:         RolloutSpec{FailuresAllowed: 1, MinReady: 10 * time.Second, Logs: "all", LogLinesOnFailure: 50, MaxLogStreams: 20},
		CreateNamespace: false,
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", c, want)
	}
	if got := c.ValueLayers(); len(got) != 0 {
		t.Errorf("ValueLayers = %v, want none", got)
	}
}

func TestEnvName(t *testing.T) {
	tests := map[string]string{
		"create-namespace": "INPUT_CREATE-NAMESPACE",
		"release":          "INPUT_RELEASE",
		"my input":         "INPUT_MY_INPUT",
	}
	for in, want := range tests {
		if got := EnvName(in); got != want {
			t.Errorf("EnvName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseWorkspaceUnset(t *testing.T) {
	getenv := func(k string) string {
		return map[string]string{"INPUT_RELEASE": "web", "INPUT_CHART": "chart"}[k]
	}
	c, err := Parse(getenv)
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(".")
	if c.Workspace != abs || c.Chart.Ref != filepath.Join(abs, "chart") {
		t.Errorf("Workspace = %q, chart = %q; want both under %q", c.Workspace, c.Chart.Ref, abs)
	}
}

func TestParseTrimsAndIgnoresUnknownInputs(t *testing.T) {
	c := parseOK(t, map[string]string{"release": "  api \n", "namespace": "\tprod ", "unknown-input": "whatever", "entrypoint": "x"})
	if c.Release != "api" || c.Namespace != "prod" || c.GitHub.Environment != "api" {
		t.Errorf("release=%q namespace=%q environment=%q", c.Release, c.Namespace, c.GitHub.Environment)
	}
}

func TestParseValuesFiles(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{name: "one", in: "values.yaml", want: []string{testWorkspace + "/values.yaml"}},
		{name: "blank lines and CRLF", in: "a.yaml\r\n\r\n  b/c.yaml  \r\n\n   \n/abs/d.yaml\r\n", want: []string{testWorkspace + "/a.yaml", testWorkspace + "/b/c.yaml", "/abs/d.yaml"}},
		{name: "cleaned", in: "./x/../y.yaml\n/abs//e/./f.yaml", want: []string{testWorkspace + "/y.yaml", "/abs/e/f.yaml"}},
		{name: "empty", in: "\n \r\n", want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := parseOK(t, map[string]string{"values-files": tc.in})
			if !reflect.DeepEqual(c.ValuesFiles, tc.want) {
				t.Errorf("ValuesFiles = %q, want %q", c.ValuesFiles, tc.want)
			}
		})
	}
}

func TestParseChart(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		want ChartSpec
	}{
		{name: "local folder", vars: map[string]string{"chart": "deploy/chart/"}, want: ChartSpec{Kind: ChartLocal, Ref: testWorkspace + "/deploy/chart"}},
		{name: "local tgz absolute", vars: map[string]string{"chart": "/tmp/web-1.0.0.tgz"}, want: ChartSpec{Kind: ChartLocal, Ref: "/tmp/web-1.0.0.tgz"}},
		{name: "oci with exact version", vars: map[string]string{"chart": "oci://ghcr.io/acme/charts/web", "version": "1.2.3"},
			want: ChartSpec{Kind: ChartOCI, Ref: "oci://ghcr.io/acme/charts/web", Version: "1.2.3"}},
		{name: "oci with credentials", vars: map[string]string{"chart": "OCI://127.0.0.1:5000/web", "repository-username": "bot", "repository-password": "pw"},
			want: ChartSpec{Kind: ChartOCI, Ref: "oci://127.0.0.1:5000/web", Username: "bot", Password: "pw"}},
		{name: "repository with range", vars: map[string]string{"chart": "nginx", "repository": "https://charts.example.com/stable", "version": ">=1.0 <2.0"},
			want: ChartSpec{Kind: ChartRepo, Ref: "nginx", Repository: "https://charts.example.com/stable", Version: ">=1.0 <2.0"}},
		{name: "repository with caret", vars: map[string]string{"chart": "nginx", "repository": "http://127.0.0.1:8879", "version": "^15"},
			want: ChartSpec{Kind: ChartRepo, Ref: "nginx", Repository: "http://127.0.0.1:8879", Version: "^15"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := parseOK(t, tc.vars).Chart; got != tc.want {
				t.Errorf("Chart = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestParseBooleanSpellings(t *testing.T) {
	inputs := map[string]func(*Config) bool{
		"create-namespace":      func(c *Config) bool { return c.CreateNamespace },
		"atomic":                func(c *Config) bool { return c.Atomic },
		"wait":                  func(c *Config) bool { return c.Wait },
		"cleanup-on-fail":       func(c *Config) bool { return c.CleanupOnFail },
		"dry-run":               func(c *Config) bool { return c.DryRun },
		"recover-pending":       func(c *Config) bool { return c.RecoverPending },
		"transient-environment": func(c *Config) bool { return c.GitHub.Transient },
		"auto-inactive":         func(c *Config) bool { return c.GitHub.AutoInactive },
		"production-environment": func(c *Config) bool {
			if c.GitHub.Production == nil {
				t.Fatal("production-environment is nil although set")
			}
			return *c.GitHub.Production
		},
	}
	spellings := map[string]bool{"true": true, "True": true, "TRUE": true, "false": false, "False": false, "FALSE": false}
	for name, get := range inputs {
		for s, want := range spellings {
			t.Run(name+"="+s, func(t *testing.T) {
				if got := get(parseOK(t, map[string]string{name: s})); got != want {
					t.Errorf("%s: %q gave %v, want %v", name, s, got, want)
				}
			})
		}
	}
}

func TestParseDurationsAndNumbers(t *testing.T) {
	c := parseOK(t, map[string]string{
		"timeout": "90s", "history-max": "0", "lock-timeout": "0", "lock-ttl": "5s",
		"failures-allowed": "0", "min-ready-seconds": "1m30s", "log-lines-on-failure": "200", "logs": "FAILED",
	})
	if c.Timeout != 90*time.Second || c.HistoryMax != 0 || c.LockTimeout != 0 || c.LockTTL != 5*time.Second {
		t.Errorf("timeout=%v history-max=%d lock-timeout=%v lock-ttl=%v", c.Timeout, c.HistoryMax, c.LockTimeout, c.LockTTL)
	}
	if c.Rollout.FailuresAllowed != 0 || c.Rollout.MinReady != 90*time.Second || c.Rollout.LogLinesOnFailure != 200 || c.Rollout.Logs != "failed" {
		t.Errorf("rollout = %+v", c.Rollout)
	}
	if got := parseOK(t, map[string]string{"min-ready-seconds": "30"}).Rollout.MinReady; got != 30*time.Second {
		t.Errorf("min-ready-seconds 30 = %v, want 30s", got)
	}
}

func TestParseUpperLimits(t *testing.T) {
	c := parseOK(t, map[string]string{
		"timeout": "6h", "lock-timeout": "360m", "lock-ttl": "10m", "min-ready-seconds": "3600", "log-lines-on-failure": "10000",
	})
	if c.Timeout != MaxTimeout || c.LockTimeout != MaxTimeout || c.LockTTL != MaxLockTTL || c.Rollout.MinReady != MaxMinReady || c.Rollout.LogLinesOnFailure != MaxLogLinesOnFailure {
		t.Errorf("at the limits: timeout=%v lock-timeout=%v lock-ttl=%v rollout=%+v", c.Timeout, c.LockTimeout, c.LockTTL, c.Rollout)
	}
	for _, v := range []string{"1h", "+3600", "-0"} {
		want := MaxMinReady
		if v == "-0" {
			want = 0
		}
		if got := parseOK(t, map[string]string{"min-ready-seconds": v}).Rollout.MinReady; got != want {
			t.Errorf("min-ready-seconds %q = %v, want %v", v, got, want)
		}
	}
}

func TestParseLogContainers(t *testing.T) {
	c := parseOK(t, map[string]string{"log-containers": "web, sidecar\n\r\ninit-db,\n"})
	if want := []string{"web", "sidecar", "init-db"}; !reflect.DeepEqual(c.Rollout.LogContainers, want) {
		t.Errorf("LogContainers = %q, want %q", c.Rollout.LogContainers, want)
	}
}

func TestParseGitHub(t *testing.T) {
	yes := true
	tests := []struct {
		name string
		vars map[string]string
		want GitHubSpec
	}{
		{name: "everything set", vars: map[string]string{
			"github-token": "ghs_token", "environment": "staging", "environment-url": "https://staging.example.com/app",
			"create-deployment": "TRUE", "transient-environment": "true", "production-environment": "True",
			"auto-inactive": "false", "deployment-description": "Deploy web", "GITHUB_SHA": "abc"},
			want: GitHubSpec{Token: "ghs_token", Environment: "staging", EnvironmentURL: "https://staging.example.com/app",
				CreateDeployment: "true", Transient: true, Production: &yes, Description: "Deploy web", Ref: "abc", RefFrom: "GITHUB_SHA"}},
		{name: "deployment off", vars: map[string]string{"create-deployment": "false"},
			want: GitHubSpec{Environment: "web", CreateDeployment: "false", AutoInactive: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := parseOK(t, tc.vars).GitHub; !reflect.DeepEqual(got, tc.want) {
				t.Errorf("GitHub = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestParseSecrets(t *testing.T) {
	c := parseOK(t, map[string]string{
		"github-token":        "ghs_tokenvalue",
		"chart":               "nginx",
		"repository":          "https://c.example.com",
		"repository-username": "bot",
		"repository-password": "repo-password",
		"secret-values":       "db:\n  password: db-pass\n  port: 5432\ntls: {enabled: true, ratio: 0.25, keys: [key-one, key-two]}\nempty: ''\nnothing: null",
	})
	for _, s := range []string{"ghs_tokenvalue", "repo-password", "db-pass", "5432", "true", "0.25", "key-one", "key-two"} {
		if !hasString(c.Secrets, s) {
			t.Errorf("Secrets lack %q: %q", s, c.Secrets)
		}
	}
	for _, s := range []string{"", "bot", "nginx"} {
		if hasString(c.Secrets, s) {
			t.Errorf("Secrets hold %q, which is not a secret", s)
		}
	}
	wantLayer := map[string]any{
		"db":      map[string]any{"password": "db-pass", "port": int64(5432)},
		"tls":     map[string]any{"enabled": true, "ratio": 0.25, "keys": []any{"key-one", "key-two"}},
		"empty":   "",
		"nothing": nil,
	}
	if !reflect.DeepEqual(c.SecretValues, wantLayer) {
		t.Errorf("SecretValues = %#v", c.SecretValues)
	}
}

func TestValueLayersOrder(t *testing.T) {
	c := parseOK(t, map[string]string{
		"values":        "replicas: 2\nbig: 12345678901234\nname: web",
		"secret-values": "token: x1",
	})
	layers := c.ValueLayers()
	want := []map[string]any{
		{"replicas": int64(2), "big": int64(12345678901234), "name": "web"},
		{"token": "x1"},
	}
	if !reflect.DeepEqual(layers, want) {
		t.Errorf("ValueLayers = %#v, want %#v", layers, want)
	}
	c = parseOK(t, map[string]string{"values": "a: 1", "set": "b: 2", "secret-values": "c: 3"})
	if got := c.ValueLayers(); len(got) != 3 || got[0]["a"] != int64(1) || got[1]["b"] != int64(2) || got[2]["c"] != int64(3) {
		t.Errorf("ValueLayers = %#v, want values, set, secret-values", got)
	}
}
