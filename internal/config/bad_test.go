package config

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
)

func TestParseBadInputs(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name   string
		vars   map[string]string
		want   []string // inputs named by the errors, in any order
		secret string   // must appear nowhere in the error
		reason string   // optional fragment of the reason
	}{
		{name: "release missing", vars: map[string]string{"release": ""}, want: []string{"release"}, reason: "required"},
		{name: "release uppercase", vars: map[string]string{"release": "Web"}, want: []string{"release"}},
		{name: "release too long", vars: map[string]string{"release": long(54)}, want: []string{"release"}, reason: "at most 53"},
		{name: "release underscore", vars: map[string]string{"release": "my_app"}, want: []string{"release"}},
		{name: "namespace uppercase", vars: map[string]string{"namespace": "Prod"}, want: []string{"namespace"}},
		{name: "namespace too long", vars: map[string]string{"namespace": long(64)}, want: []string{"namespace"}},
		{name: "namespace with dot", vars: map[string]string{"namespace": "a.b"}, want: []string{"namespace"}},
		{name: "create-namespace yes", vars: map[string]string{"create-namespace": "yes"}, want: []string{"create-namespace"}, reason: "true, True, TRUE, false, False, FALSE"},
		{name: "chart missing", vars: map[string]string{"chart": " "}, want: []string{"chart"}, reason: "required"},
		{name: "chart https url", vars: map[string]string{"chart": "https://example.com/c.tgz"}, want: []string{"chart"}, reason: "https://"},
		{name: "chart oci without host", vars: map[string]string{"chart": "oci:///path"}, want: []string{"chart"}},
		{name: "chart oci without path", vars: map[string]string{"chart": "oci://registry.example.com"}, want: []string{"chart"}},
		{name: "oci chart with credentials", vars: map[string]string{"chart": "oci://bot:ghp_ociT0kenValue@ghcr.io/org/charts/web"}, want: []string{"chart"}, secret: "ghp_ociT0kenValue", reason: "must not contain credentials"},
		{name: "oci chart with a user only", vars: map[string]string{"chart": "oci://ghp_userT0ken@ghcr.io/org/charts/web"}, want: []string{"chart"}, secret: "ghp_userT0ken", reason: "must not contain credentials"},
		{name: "oci chart with repository", vars: map[string]string{"chart": "oci://r.example.com/c/web", "repository": "https://charts.example.com"}, want: []string{"repository"}},
		{name: "chart escapes workspace", vars: map[string]string{"chart": "../outside"}, want: []string{"chart"}, reason: "leaves the workspace"},
		{name: "chart path with repository", vars: map[string]string{"chart": "bitnami/nginx", "repository": "https://charts.example.com"}, want: []string{"chart"}},
		{name: "repository ftp", vars: map[string]string{"chart": "nginx", "repository": "ftp://charts.example.com"}, want: []string{"repository"}},
		{name: "repository oci", vars: map[string]string{"chart": "nginx", "repository": "oci://r.example.com/charts"}, want: []string{"repository"}},
		{name: "repository with credentials", vars: map[string]string{"chart": "nginx", "repository": "https://bot:repo-url-s3cr3t@c.example.com"}, want: []string{"repository"}, secret: "repo-url-s3cr3t"},
		{name: "repository without host", vars: map[string]string{"chart": "nginx", "repository": "https://"}, want: []string{"repository"}},
		{name: "version with local chart", vars: map[string]string{"version": "1.2.3"}, want: []string{"version"}},
		{name: "version not semver", vars: map[string]string{"chart": "nginx", "repository": "https://c.example.com", "version": "latest!!"}, want: []string{"version"}},
		{name: "username without password", vars: map[string]string{"chart": "nginx", "repository": "https://c.example.com", "repository-username": "bot"}, want: []string{"repository-password"}},
		{name: "password without username", vars: map[string]string{"chart": "nginx", "repository": "https://c.example.com", "repository-password": "repo-pass-s3cr3t"}, want: []string{"repository-username"}, secret: "repo-pass-s3cr3t"},
		{name: "credentials with local chart", vars: map[string]string{"repository-username": "bot", "repository-password": "repo-pass-s3cr3t"}, want: []string{"repository-username"}, secret: "repo-pass-s3cr3t"},
		{name: "values-files escapes workspace", vars: map[string]string{"values-files": "ok.yaml\n../../etc/passwd"}, want: []string{"values-files"}},
		{name: "values is a list", vars: map[string]string{"values": "- a\n- b"}, want: []string{"values"}, reason: "a list"},
		{name: "values is a string", vars: map[string]string{"values": "just words"}, want: []string{"values"}, reason: "a string"},
		{name: "values broken yaml", vars: map[string]string{"values": "a: 1\nb: [1,\n"}, want: []string{"values"}, reason: "line "},
		{name: "values duplicate key", vars: map[string]string{"values": "a: 1\na: 2"}, want: []string{"values"}, reason: "line 2"},
		{name: "set conflicting keys", vars: map[string]string{"set": "a: 1\na.b: 2"}, want: []string{"set"}, reason: `key "a.b" conflicts with key "a"`},
		{name: "set conflicting list and map", vars: map[string]string{"set": "a[0]: 1\na.b: 2"}, want: []string{"set"}, reason: "conflicts"},
		{name: "set conflicting with mapping value", vars: map[string]string{"set": "image: {tag: v1}\nimage.tag: v2"}, want: []string{"set"}, reason: "conflicts"},
		{name: "set conflicting index and name", vars: map[string]string{"set": "c.d: 3\nc[0]: 1"}, want: []string{"set"}, reason: `key "c[0]" conflicts with key "c.d"`},
		{name: "set empty key part", vars: map[string]string{"set": "a..b: 1"}, want: []string{"set"}, reason: "empty part"},
		{name: "set trailing dot", vars: map[string]string{"set": "a.: 1"}, want: []string{"set"}, reason: "empty part"},
		{name: "set index not a number", vars: map[string]string{"set": "a[x]: 1"}, want: []string{"set"}, reason: "not a whole number"},
		{name: "set index unclosed", vars: map[string]string{"set": "a[0: 1"}, want: []string{"set"}, reason: "unclosed"},
		{name: "set index too large", vars: map[string]string{"set": "hosts[99999999]: x"}, want: []string{"set"},
			reason: `key "hosts[99999999]": list index [99999999] is over the limit of 1000; write long lists out as a YAML list in values or a values file`},
		{name: "set index just over", vars: map[string]string{"set": "a.b[1001]: 1"}, want: []string{"set"}, reason: "[1001] is over the limit of 1000"},
		{name: "set index overflows int", vars: map[string]string{"set": "a[99999999999999999999999]: 1"}, want: []string{"set"}, reason: "over the limit of 1000"},
		{name: "set lists too long in all", vars: map[string]string{"set": "a" + strings.Repeat("[1000]", 10) + ": 1"}, want: []string{"set"},
			reason: "more than 10000 entries in all; write long lists out"},
		{name: "set index first", vars: map[string]string{"set": "'[0]': 1"}, want: []string{"set"}},
		{name: "set is a list", vars: map[string]string{"set": "- a=b"}, want: []string{"set"}, reason: "mapping"},
		{name: "secret-values broken yaml", vars: map[string]string{"secret-values": "password: sv-s3cr3t-broken\n  x: [\n"}, want: []string{"secret-values"}, secret: "sv-s3cr3t-broken"},
		{name: "secret-values scalar", vars: map[string]string{"secret-values": "sv-s3cr3t-scalar"}, want: []string{"secret-values"}, secret: "sv-s3cr3t-scalar"},
		{name: "secret-values complex key", vars: map[string]string{"secret-values": "? [a, b]\n: sv-s3cr3t-complexkey"}, want: []string{"secret-values"}, secret: "sv-s3cr3t-complexkey"},
		{name: "secret-values duplicate key", vars: map[string]string{"secret-values": "pw: sv-s3cr3t-dup1\npw: sv-s3cr3t-dup2"}, want: []string{"secret-values"}, secret: "sv-s3cr3t-dup"},
		{name: "atomic yes", vars: map[string]string{"atomic": "yes"}, want: []string{"atomic"}},
		{name: "wait 1", vars: map[string]string{"wait": "1"}, want: []string{"wait"}},
		{name: "timeout words", vars: map[string]string{"timeout": "5 minutes"}, want: []string{"timeout"}, reason: `"5 minutes" is not a Go duration (examples: 90s, 5m, 1h)`},
		{name: "timeout zero", vars: map[string]string{"timeout": "0s"}, want: []string{"timeout"}, reason: "greater than zero"},
		{name: "timeout negative", vars: map[string]string{"timeout": "-1m"}, want: []string{"timeout"}},
		{name: "timeout without unit", vars: map[string]string{"timeout": "300"}, want: []string{"timeout"}},
		{name: "timeout over 6h", vars: map[string]string{"timeout": "6h0m1s"}, want: []string{"timeout"},
			reason: `"6h0m1s" is over the limit of 6h (a GitHub-hosted job is stopped after 6h anyway); use at most 6h`},
		{name: "cleanup-on-fail typo", vars: map[string]string{"cleanup-on-fail": "tru"}, want: []string{"cleanup-on-fail"}},
		{name: "history-max negative", vars: map[string]string{"history-max": "-1"}, want: []string{"history-max"}},
		{name: "history-max words", vars: map[string]string{"history-max": "ten"}, want: []string{"history-max"}},
		{name: "dry-run on", vars: map[string]string{"dry-run": "on"}, want: []string{"dry-run"}},
		{name: "kubeconfig without clusters", vars: map[string]string{"kubeconfig": "users:\n- name: u\n  user: {token: kc-s3cr3t-noclusters}"}, want: []string{"kubeconfig"}, secret: "kc-s3cr3t-noclusters", reason: "no clusters"},
		{name: "kubeconfig clusters not a list", vars: map[string]string{"kubeconfig": "clusters: kc-s3cr3t-notalist"}, want: []string{"kubeconfig"}, secret: "kc-s3cr3t-notalist"},
		{name: "kubeconfig broken yaml", vars: map[string]string{"kubeconfig": "clusters: []\nusers:\n- user: {token: kc-s3cr3t-broken\n"}, want: []string{"kubeconfig"}, secret: "kc-s3cr3t-broken"},
		{name: "kubeconfig base64 of junk", vars: map[string]string{"kubeconfig": "a2Mtc2VjcmV0LWp1bms="}, want: []string{"kubeconfig"}, secret: "a2Mtc2VjcmV0LWp1bms="},
		{name: "kubeconfig and kubeconfig-path", vars: map[string]string{"kubeconfig": testKubeconfig, "kubeconfig-path": "kube/config"}, want: []string{"kubeconfig-path"}, secret: "kube-token-s3cr3t-0001"},
		{name: "kubeconfig-path escapes", vars: map[string]string{"kubeconfig-path": "../../etc/kubeconfig"}, want: []string{"kubeconfig-path"}},
		{name: "kube-context unknown", vars: map[string]string{"kubeconfig": testKubeconfig, "kube-context": "prod"}, want: []string{"kube-context"}, secret: "kube-password-s3cr3t-0003", reason: "kind-ctx, other"},
		{name: "lock-timeout negative", vars: map[string]string{"lock-timeout": "-1s"}, want: []string{"lock-timeout"}},
		{name: "lock-timeout words", vars: map[string]string{"lock-timeout": "forever"}, want: []string{"lock-timeout"}},
		{name: "lock-timeout over 6h", vars: map[string]string{"lock-timeout": "24h"}, want: []string{"lock-timeout"}, reason: `"24h" is over the limit of 6h (`},
		{name: "lock-ttl too short", vars: map[string]string{"lock-ttl": "4s"}, want: []string{"lock-ttl"}, reason: "at least 5s"},
		{name: "lock-ttl over 10m", vars: map[string]string{"lock-ttl": "601s"}, want: []string{"lock-ttl"}, reason: `"601s" is over the limit of 10m (a lock left by a killed run`},
		{name: "recover-pending maybe", vars: map[string]string{"recover-pending": "maybe"}, want: []string{"recover-pending"}},
		{name: "environment too long", vars: map[string]string{"environment": long(256)}, want: []string{"environment"}},
		{name: "environment-url without scheme", vars: map[string]string{"environment-url": "example.com"}, want: []string{"environment-url"}},
		{name: "environment-url ftp", vars: map[string]string{"environment-url": "ftp://example.com"}, want: []string{"environment-url"}},
		{name: "create-deployment sometimes", vars: map[string]string{"create-deployment": "sometimes"}, want: []string{"create-deployment"}, reason: "auto, true, false"},
		{name: "create-deployment true without token", vars: map[string]string{"create-deployment": "true"}, want: []string{"github-token"}},
		{name: "transient-environment y", vars: map[string]string{"transient-environment": "y"}, want: []string{"transient-environment"}},
		{name: "production-environment prod", vars: map[string]string{"production-environment": "prod"}, want: []string{"production-environment"}},
		{name: "auto-inactive nope", vars: map[string]string{"auto-inactive": "nope"}, want: []string{"auto-inactive"}},
		{name: "failures-allowed negative", vars: map[string]string{"failures-allowed": "-2"}, want: []string{"failures-allowed"}},
		{name: "min-ready-seconds negative", vars: map[string]string{"min-ready-seconds": "-5"}, want: []string{"min-ready-seconds"}},
		{name: "min-ready-seconds words", vars: map[string]string{"min-ready-seconds": "ten seconds"}, want: []string{"min-ready-seconds"}},
		{name: "min-ready-seconds over 3600", vars: map[string]string{"min-ready-seconds": "3601"}, want: []string{"min-ready-seconds"},
			reason: `"3601" is over the limit of 3600 seconds (`},
		{name: "min-ready-seconds duration over 1h", vars: map[string]string{"min-ready-seconds": "61m"}, want: []string{"min-ready-seconds"}, reason: "use at most 3600, or a Go duration up to 1h"},
		{name: "min-ready-seconds overflows", vars: map[string]string{"min-ready-seconds": "99999999999999999999"}, want: []string{"min-ready-seconds"}, reason: "over the limit"},
		{name: "min-ready-seconds very negative", vars: map[string]string{"min-ready-seconds": "-99999999999999999999"}, want: []string{"min-ready-seconds"}, reason: "negative"},
		{name: "logs some", vars: map[string]string{"logs": "some"}, want: []string{"logs"}},
		{name: "log-containers bad name", vars: map[string]string{"log-containers": "web, Web_Server"}, want: []string{"log-containers"}, reason: "Web_Server"},
		{name: "log-lines-on-failure fraction", vars: map[string]string{"log-lines-on-failure": "1.5"}, want: []string{"log-lines-on-failure"}},
		{name: "log-lines-on-failure negative", vars: map[string]string{"log-lines-on-failure": "-1"}, want: []string{"log-lines-on-failure"}, reason: "negative"},
		{name: "log-lines-on-failure over 10000", vars: map[string]string{"log-lines-on-failure": "10001"}, want: []string{"log-lines-on-failure"},
			reason: `"10001" is over the limit of 10000 (read longer logs with kubectl logs or the cluster's logging); use at most 10000`},
		{name: "log-lines-on-failure overflows", vars: map[string]string{"log-lines-on-failure": "99999999999999999999"}, want: []string{"log-lines-on-failure"}, reason: "over the limit of 10000"},
		{name: "several at once", vars: map[string]string{"release": "", "timeout": "soon", "github-token": "ghp_s3cr3tTokenValue", "environment-url": "nope"},
			want: []string{"release", "timeout", "environment-url"}, secret: "ghp_s3cr3tTokenValue"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse(env(tc.vars))
			if err == nil {
				t.Fatalf("Parse succeeded, want an error naming %v", tc.want)
			}
			if c != nil {
				t.Errorf("Parse returned a Config together with an error")
			}
			var first *InputError
			if !errors.As(err, &first) {
				t.Fatalf("error %v holds no *InputError", err)
			}
			var got []string
			for _, ie := range InputErrors(err) {
				got = append(got, ie.Input)
				if tc.secret != "" && strings.Contains(ie.Value, tc.secret) {
					t.Errorf("InputError.Value of %q holds the secret", ie.Input)
				}
			}
			sort.Strings(got)
			want := append([]string(nil), tc.want...)
			sort.Strings(want)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("failed inputs = %v, want %v (error: %v)", got, want, err)
			}
			msg := err.Error()
			for _, in := range tc.want {
				if !strings.Contains(msg, fmt.Sprintf("input %q", in)) {
					t.Errorf("message does not name input %q: %s", in, msg)
				}
			}
			if tc.secret != "" && strings.Contains(msg, tc.secret) {
				t.Errorf("message leaks the secret: %s", msg)
			}
			if tc.reason != "" && !strings.Contains(msg, tc.reason) {
				t.Errorf("message %q does not contain %q", msg, tc.reason)
			}
		})
	}
}

func TestSecretInputValueRedacted(t *testing.T) {
	_, err := Parse(env(map[string]string{"secret-values": "- sv-s3cr3t-list"}))
	errs := InputErrors(err)
	if len(errs) != 1 || errs[0].Input != "secret-values" {
		t.Fatalf("errors = %v, want one for secret-values", err)
	}
	if errs[0].Value != Redacted {
		t.Errorf("Value = %q, want %q", errs[0].Value, Redacted)
	}
}

func TestScrub(t *testing.T) {
	tests := []struct {
		name, msg, raw, want string
	}{
		{name: "backticks", msg: "cannot unmarshal !!str `abc` into int", raw: "x", want: "cannot unmarshal !!str *** into int"},
		{name: "double quotes", msg: `value: "topsecret"`, raw: "", want: "value: ***"},
		{name: "tokens of raw", msg: "line 2: found hunter22 here", raw: "pw: hunter22", want: "line 2: found *** here"},
		{name: "whole short raw", msg: "line 1: ab", raw: "ab", want: "line 1: ***"},
		{name: "quoted punctuation kept", msg: "did not find expected ',' or '}'", raw: "k: {a: 1", want: "did not find expected ',' or '}'"},
		{name: "nothing to scrub", msg: "line 3: mapping values are not allowed", raw: "k: v", want: "line 3: mapping values are not allowed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := scrub(tc.msg, tc.raw); got != tc.want {
				t.Errorf("scrub = %q, want %q", got, tc.want)
			}
		})
	}
}
