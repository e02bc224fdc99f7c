//go:build e2e

package e2e

import (
	"strings"
	"testing"
	"time"
)

const widgetsChart = "test/e2e/testdata/charts/widgets"

// TestCustomResourceReadyCondition deploys a chart with a CRD and custom resources whose Ready
// condition the local cluster sets like an operator (test/cluster/kwok/widget.yaml): the deploy
// waits for Ready=True, and a Ready=False reason Failed fails it early, naming the resource and
// the condition's message, and the release is rolled back.
func TestCustomResourceReadyCondition(t *testing.T) {
	needCluster(t)
	t.Parallel()
	cs := clientset(t)
	ns := newNamespace(t, cs)
	in := func(widgets string) map[string]string {
		return map[string]string{"release": "widgets", "namespace": ns, "chart": widgetsChart,
			"values": "widgets:\n" + widgets, "min-ready-seconds": "0", "timeout": "90s"}
	}

	r := runAction(t, in("  main: ready\n")).mustSucceed(t)
	if r.Duration < 3*time.Second {
		t.Errorf("the deploy ended after %.1fs, before the Widget turned Ready (3 s): it did not wait for it", r.Duration.Seconds())
	}
	if !strings.Contains(r.Stdout, "widget/main") {
		t.Errorf("the log does not follow widget/main:\n%s", r.Stdout)
	}

	began := time.Now()
	r = runAction(t, in("  main: ready\n  extra: failed\n"))
	if r.ExitCode == 0 {
		t.Fatalf("a Widget with Ready=False reason Failed passed:\n%s", r.Stdout)
	}
	if d := time.Since(began); d > 30*time.Second {
		t.Errorf("the verdict took %.0fs, want it early (the failure shows after 1 s; the timeout is 90 s)", d.Seconds())
	}
	for _, want := range []string{"widget/extra", "quota of 3 widgets exceeded"} {
		if !strings.Contains(r.Outputs["failure-reason"], want) {
			t.Errorf("failure-reason %q does not say %q", r.Outputs["failure-reason"], want)
		}
	}
	if revs := releaseSecrets(t, cs, ns, "widgets"); revs[2] != "failed" || revs[3] != "deployed" {
		t.Errorf("history %s, want v2 failed and the rollback v3 deployed", revisionsString(revs))
	}
}
