//go:build e2e

package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const statefulChart = "examples/charts/stateful"

// TestStatefulHookJob installs the StatefulSet chart (PVC, pre-install/pre-upgrade migration
// Job), then upgrades with a migration that fails: the hook Job ends in BackoffLimitExceeded,
// the upgrade fails and atomic rolls back.
func TestStatefulHookJob(t *testing.T) {
	needCluster(t)
	t.Parallel()
	cs := clientset(t)
	ns := newNamespace(t, cs)
	run := func(values string) result {
		return runAction(t, map[string]string{
			"release":   "db",
			"namespace": ns,
			"chart":     statefulChart,
			"values":    values,
			"timeout":   "60s",
		})
	}

	r := run("message: one\n").mustSucceed(t)
	checkOutputs(t, cs, r, ns, "db", statefulChart)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	sts, err := cs.AppsV1().StatefulSets(ns).Get(ctx, "db-stateful", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if sts.Status.ReadyReplicas != 1 {
		t.Errorf("statefulset ready replicas = %d, want 1", sts.Status.ReadyReplicas)
	}
	pvc, err := cs.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "data-db-stateful-0", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if pvc.Status.Phase != "Bound" {
		t.Errorf("PVC phase %s, want Bound", pvc.Status.Phase)
	}

	r = run("message: two\nmigration:\n  fail: true\n")

	if r.ExitCode == 0 {
		t.Fatalf("an upgrade whose migration hook fails succeeded\nstdout:\n%s", r.Stdout)
	}
	if !strings.Contains(r.Stdout+r.Stderr, "BackoffLimitExceeded") {
		t.Errorf("the output does not say the hook Job hit BackoffLimitExceeded\nstdout:\n%s", r.Stdout)
	}
	// The hook Job is tracked like any workload: its pod's log lines stream, and the verdict is
	// an ::error annotation and the summary's diagnosis, not only Helm's message.
	if !strings.Contains(annotations(r.Stdout, "::error"), "job/db-stateful-migrate") {
		t.Errorf("no ::error annotation names the hook Job\nstdout:\n%s", r.Stdout)
	}
	if !strings.Contains(r.Summary, "BackoffLimitExceeded") {
		t.Errorf("the job summary does not name BackoffLimitExceeded:\n%s", r.Summary)
	}
	if !strings.Contains(r.Stdout, "/migrate | hda-test-log") {
		t.Errorf("the hook pod's log lines were not streamed\nstdout:\n%s", r.Stdout)
	}
	revs := releaseSecrets(t, cs, ns, "db")
	if len(revs) != 3 || revs[2] != "failed" || revs[3] != "deployed" {
		t.Errorf("release secrets: %s, want v1=superseded v2=failed v3=deployed", revisionsString(revs))
	}
	checkOutputs(t, cs, r, ns, "db", statefulChart)
}
