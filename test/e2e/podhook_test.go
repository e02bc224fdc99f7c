//go:build e2e

package e2e

import (
	"strings"
	"testing"
)

const podHookChart = "test/e2e/testdata/charts/podhook"

// TestBarePodHook: a pre-upgrade hook that is a bare Pod goes through the tracker: a Pod that
// completes lets the upgrade go on; one that fails is diagnosed (pod, container, exit code,
// its log lines) and the release is rolled back.
func TestBarePodHook(t *testing.T) {
	needCluster(t)
	t.Parallel()
	cs := clientset(t)
	ns := newNamespace(t, cs)
	in := func(hook, message string) map[string]string {
		return map[string]string{"release": "hooked", "namespace": ns, "chart": podHookChart,
			"values": "hook: " + hook + "\nmessage: " + message + "\n", "min-ready-seconds": "0", "timeout": "90s"}
	}
	runAction(t, in("complete", "v1")).mustSucceed(t)
	r := runAction(t, in("complete", "v2")).mustSucceed(t)
	if !strings.Contains(r.Stdout, "pod/hooked-migrate") {
		t.Errorf("the log does not follow the hook Pod:\n%s", r.Stdout)
	}

	r = runAction(t, in("failed", "v3"))
	if r.ExitCode == 0 {
		t.Fatalf("a failing hook Pod passed:\n%s", r.Stdout)
	}
	for _, want := range []string{"pod/hooked-migrate", "exit code 1"} {
		if !strings.Contains(r.Outputs["failure-reason"], want) {
			t.Errorf("failure-reason %q does not say %q", r.Outputs["failure-reason"], want)
		}
	}
	if !strings.Contains(r.Stdout, "hda-test-log container=migrate") {
		t.Errorf("the hook Pod's log lines are not in the job log:\n%s", r.Stdout)
	}
	if revs := releaseSecrets(t, cs, ns, "hooked"); revs[3] != "failed" || revs[4] != "deployed" {
		t.Errorf("history %s, want v3 failed and the rollback v4 deployed", revisionsString(revs))
	}
}
