//go:build e2e

package e2e

import (
	"strings"
	"testing"
)

// TestRolloutSafetyWarnings: a Deployment whose rolling update can leave no pod available is
// flagged with a ::warning naming it, before anything is applied, and in the job summary.
func TestRolloutSafetyWarnings(t *testing.T) {
	needCluster(t)
	t.Parallel()
	ns := newNamespace(t, clientset(t))
	r := deployWeb(t, ns, "web",
		"replicaCount: 1\nstrategy:\n  type: RollingUpdate\n  rollingUpdate:\n    maxSurge: 0\n    maxUnavailable: 1\n",
		map[string]string{"min-ready-seconds": "0"}).mustSucceed(t)
	warnings := annotations(r.Stdout, "::warning")
	if !strings.Contains(warnings, "web") || !containsAny(warnings, []string{"maxUnavailable", "no pod", "zero"}) {
		t.Errorf("no ::warning about the 1-replica Deployment with maxUnavailable 1:\n%s", warnings)
	}
	if !strings.Contains(r.Summary, "Warnings") {
		t.Errorf("the job summary lists no warnings:\n%s", r.Summary)
	}
	// The warning is printed before Helm applies anything.
	if w, apply := strings.Index(r.Stdout, "::warning"), strings.Index(r.Stdout, "creating "); w < 0 || apply >= 0 && w > apply {
		t.Errorf("the warning (at %d) is not printed before the apply (at %d)", w, apply)
	}
}

// TestSecretsStayMaskedOnARealCluster makes a secret value reach the output: once rendered into
// the pods of a crash-looping rollout (events, logs, the diagnosis and Helm all print), once as
// an invalid label value that the API server rejects quoting the value in its error. The secret
// appears nowhere but in the ::add-mask:: line that registers it with the runner.
func TestSecretsStayMaskedOnARealCluster(t *testing.T) {
	needCluster(t)
	t.Parallel()
	cases := []struct {
		name, secret, secretValues, values string
	}{
		{"rendered into a failing rollout", "e2e-secret-value-7b3f19",
			"message: e2e-secret-value-7b3f19\npodAnnotations:\n  token: e2e-secret-value-7b3f19", "replicaCount: 1\nbehaviour: crashloop\n"},
		{"quoted by the API server's error", "e2e secret value 51c0!",
			"podLabels:\n  token: \"e2e secret value 51c0!\"", "replicaCount: 1\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ns := newNamespace(t, clientset(t))
			deployWeb(t, ns, "web", "replicaCount: 1\n", map[string]string{"min-ready-seconds": "0"}).mustSucceed(t)
			r := deployWeb(t, ns, "web", tc.values, map[string]string{"secret-values": tc.secretValues, "timeout": "60s"})
			if r.ExitCode == 0 {
				t.Fatalf("the upgrade succeeded; it must fail")
			}
			masks := 0
			for name, text := range map[string]string{"stdout": r.Stdout, "stderr": r.Stderr, "summary": r.Summary} {
				for _, line := range strings.Split(text, "\n") {
					if strings.HasPrefix(line, "::add-mask::") {
						if strings.Contains(line, tc.secret) {
							masks++
						}
						continue
					}
					if strings.Contains(line, tc.secret) {
						t.Errorf("%s prints the secret: %q", name, line)
					}
				}
			}
			for k, v := range r.Outputs {
				if strings.Contains(v, tc.secret) {
					t.Errorf("output %s carries the secret", k)
				}
			}
			if masks == 0 {
				t.Errorf("the secret was never registered with ::add-mask::")
			}
			if tc.name == "quoted by the API server's error" && !strings.Contains(r.Stdout, "***") {
				t.Errorf("the API server's error was expected to quote the (masked) value:\n%s", r.Stdout)
			}
		})
	}
}
