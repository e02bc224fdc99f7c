//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

const (
	deleteHookChart = "test/e2e/testdata/charts/deletehook"
	holdFinalizer   = "hda.test/hold" // no controller of the local cluster removes it
)

// setFinalizers replaces the finalizers of ConfigMap ns/name (nil: removes them all); a
// ConfigMap that is gone is fine when removing.
func setFinalizers(t *testing.T, cs kubernetes.Interface, ns, name string, finalizers []string) {
	t.Helper()
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"finalizers": finalizers}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = cs.CoreV1().ConfigMaps(ns).Patch(ctx, name, types.MergePatchType, patch, metav1.PatchOptions{})
	if err != nil && !(finalizers == nil && apierrors.IsNotFound(err)) {
		t.Fatalf("set the finalizers of configmap %s/%s to %v: %v", ns, name, finalizers, err)
	}
}

// TestHookDeletionStuckOnFinalizer: Helm deletes a before-hook-creation hook before creating it
// again and waits for it to be gone; that wait is the tracker's. When the previous hook
// instance carries a finalizer nobody removes, the deploy fails at its timeout with a
// diagnosis naming the object, the finalizer and the kubectl patch that removes it, and the
// release is rolled back. When the finalizer goes while a later deploy waits, the wait sees
// the object go and the deploy succeeds.
func TestHookDeletionStuckOnFinalizer(t *testing.T) {
	needCluster(t)
	t.Parallel()
	cs := clientset(t)
	ns := newNamespace(t, cs)
	const hook = "held-hook"
	in := func(message, timeout string) map[string]string {
		return map[string]string{"release": "held", "namespace": ns, "chart": deleteHookChart,
			"values": "message: " + message + "\n", "min-ready-seconds": "0", "timeout": timeout}
	}
	runAction(t, in("v1", "60s")).mustSucceed(t)
	setFinalizers(t, cs, ns, hook, []string{holdFinalizer})
	t.Cleanup(func() { setFinalizers(t, cs, ns, hook, nil) }) // before the namespace goes

	const timeout = 10 * time.Second
	r := runAction(t, in("v2", timeout.String()))
	if r.ExitCode == 0 {
		t.Fatalf("a deploy whose hook could not be deleted passed:\n%s", r.Stdout)
	}
	// Helm's own wait would have failed silently at the timeout, or after the runLimit
	// with a larger one; ours fails at the timeout (then rolls back, which is quick here).
	if r.Duration < timeout || r.Duration > timeout+30*time.Second {
		t.Errorf("the failed deploy took %.1fs, want just over the %s timeout", r.Duration.Seconds(), timeout)
	}
	for _, want := range []string{"configmap/" + hook, "FinalizerNotRemoved", holdFinalizer} {
		if !strings.Contains(r.Outputs["failure-reason"], want) {
			t.Errorf("failure-reason %q does not say %q", r.Outputs["failure-reason"], want)
		}
	}
	for _, want := range []string{
		"waiting for 1 object(s) to be deleted: configmap/" + hook,
		"configmap/" + hook + " still present: FinalizerNotRemoved: marked for deletion, but finalizer " + holdFinalizer + " is still set",
		"the controller that owns finalizer " + holdFinalizer + " is not removing it",
		fmt.Sprintf(`kubectl patch configmap %s -n %s --type=json -p '[{"op":"remove","path":"/metadata/finalizers"}]'`, hook, ns),
		"::error title=Deletion did not complete%3A configmap/" + hook + " FinalizerNotRemoved::",
	} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("the job log does not say %q:\n%s", want, r.Stdout)
		}
	}
	if revs := releaseSecrets(t, cs, ns, "held"); revs[2] != "failed" || revs[3] != "deployed" {
		t.Errorf("history %s, want v2 failed and the rollback v3 deployed", revisionsString(revs))
	}

	// The finalizer goes while the next deploy waits for the old hook to be deleted.
	p := startAction(t, "v4", in("v4", "90s"))
	if _, err := p.waitLine("configmap/"+hook+" still present: FinalizerNotRemoved", 60*time.Second); err != nil {
		t.Fatalf("%v\n%s", err, p.Stdout)
	}
	setFinalizers(t, cs, ns, hook, nil)
	r = p.result(t, runLimit).mustSucceed(t)
	if !strings.Contains(r.Stdout, "configmap/"+hook+" deleted") {
		t.Errorf("the job log does not say the hook was deleted:\n%s", r.Stdout)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cm, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, hook, metav1.GetOptions{})
	if err != nil || cm.Data["message"] != "v4" || cm.DeletionTimestamp != nil {
		t.Errorf("hook after the deploy: %v, %+v; want a new instance with message v4", err, cm)
	}
}

// TestUninstallStuckOnFinalizer: an uninstall waits for the release's objects to be gone
// through the tracker; one held by a finalizer nobody removes fails the task at its timeout,
// naming the object, the finalizer and the command that removes it.
func TestUninstallStuckOnFinalizer(t *testing.T) {
	needCluster(t)
	t.Parallel()
	cs := clientset(t)
	ns := newNamespace(t, cs)
	const cm = "stuck-config"
	runAction(t, map[string]string{"release": "stuck", "namespace": ns, "chart": deleteHookChart,
		"values": "message: v1\n", "min-ready-seconds": "0"}).mustSucceed(t)
	setFinalizers(t, cs, ns, cm, []string{holdFinalizer})
	t.Cleanup(func() { setFinalizers(t, cs, ns, cm, nil) })

	r := runAction(t, map[string]string{"task": "uninstall", "release": "stuck", "namespace": ns, "chart": "", "timeout": "8s"})
	if r.ExitCode == 0 {
		t.Fatalf("an uninstall whose ConfigMap stays passed:\n%s", r.Stdout)
	}
	for _, want := range []string{
		"configmap/" + cm + " still present: FinalizerNotRemoved",
		"kubectl patch configmap " + cm + " -n " + ns,
		"::error title=Deletion did not complete%3A configmap/" + cm + " FinalizerNotRemoved::",
	} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("the job log does not say %q:\n%s", want, r.Stdout)
		}
	}
	if !strings.Contains(r.Outputs["failure-reason"], holdFinalizer) {
		t.Errorf("failure-reason %q does not name the finalizer", r.Outputs["failure-reason"])
	}
}
