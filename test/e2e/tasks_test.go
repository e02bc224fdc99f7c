//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/helmdeploy/helm-deploy-action/internal/ghdeploy/ghfake"
	"github.com/helmdeploy/helm-deploy-action/internal/lock"
)

// The tasks other than deploy, run like a workflow step against the local cluster and the
// validating fake GitHub: uninstall (under the lock, with GitHub's side retired), rollback
// (tracked like a deploy) and status.

func ghEnv(gh *ghfake.Server) []string {
	return []string{"GITHUB_API_URL=" + gh.URL, "GITHUB_SERVER_URL=" + gh.URL}
}

func taskInputs(task, ns string, extra map[string]string) map[string]string {
	in := map[string]string{"task": task, "release": "web", "namespace": ns, "chart": ""}
	for k, v := range extra {
		in[k] = v
	}
	return in
}

func TestUninstallRetiresEverything(t *testing.T) {
	needCluster(t)
	t.Parallel()
	cs := clientset(t)
	gh := ghfake.Start(t)
	ns := uniqueName(t, "e2e") // created by the action: the uninstall may delete it
	deleteNamespaceAtCleanup(t, cs, ns)
	env := "pr-" + ns
	deployWebEnv := func() {
		r := runAction(t, map[string]string{"release": "web", "namespace": ns, "chart": webChart, "create-namespace": "true",
			"values": "replicaCount: 1\n", "min-ready-seconds": "0", "github-token": "e2e-token-5e7a", "environment": env}, ghEnv(gh)...)
		r.mustSucceed(t)
	}
	deployWebEnv()
	deployWebEnv()

	r := runAction(t, taskInputs("uninstall", ns, map[string]string{"delete-namespace": "true", "github-token": "e2e-token-5e7a",
		"environment": env}), ghEnv(gh)...).mustSucceed(t)
	ctx := context.Background()
	if _, err := cs.AppsV1().Deployments(ns).Get(ctx, "web", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("deployment web still there after uninstall: %v", err)
	}
	if _, err := cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		if err == nil {
			t.Errorf("namespace %s (created by the action) was not deleted", ns)
		}
	}
	if _, err := cs.CoordinationV1().Leases(ns).Get(ctx, lock.LeaseName("web"), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the release Lease is still there: %v", err)
	}
	deps := gh.Deployments()
	if len(deps) != 2 {
		t.Fatalf("%d deployments on the fake, want 2", len(deps))
	}
	for _, d := range deps {
		if st := d.States(); st[len(st)-1] != "inactive" {
			t.Errorf("deployment %d states %v: not inactive after the uninstall", d.ID, st)
		}
	}
	if strings.Contains(r.Summary, "lock lost") {
		t.Errorf("the namespace deletion read as a lost lock:\n%s", r.Summary)
	}
	for _, want := range []string{"uninstall succeeded", "deleted namespace " + ns, "GitHub deployment(s) of environment " + env + " inactive"} {
		if !strings.Contains(r.Summary, want) {
			t.Errorf("the summary does not say %q:\n%s", want, r.Summary)
		}
	}
	if r.Outputs["task"] != "uninstall" || r.Outputs["status"] != "uninstalled" {
		t.Errorf("outputs %v", r.Outputs)
	}
}

func TestUninstallOfAMissingRelease(t *testing.T) {
	needCluster(t)
	t.Parallel()
	cs := clientset(t)
	for name, ns := range map[string]string{"empty namespace": newNamespace(t, cs), "no namespace": uniqueName(t, "gone")} {
		r := runAction(t, taskInputs("uninstall", ns, nil)).mustSucceed(t)
		if !strings.Contains(r.Stdout, "nothing to uninstall") {
			t.Errorf("%s: the log does not say there was nothing to uninstall", name)
		}
	}
}

func TestUninstallKeepsANamespaceItDidNotCreate(t *testing.T) {
	needCluster(t)
	t.Parallel()
	cs := clientset(t)
	ns := newNamespace(t, cs)
	deployWeb(t, ns, "web", "replicaCount: 1\n", map[string]string{"min-ready-seconds": "0"}).mustSucceed(t)
	r := runAction(t, taskInputs("uninstall", ns, map[string]string{"delete-namespace": "true"})).mustSucceed(t)
	if !strings.Contains(r.Stdout, "was not created by this action") {
		t.Error("no warning that the namespace is not the action's")
	}
	if _, err := cs.CoreV1().Namespaces().Get(context.Background(), ns, metav1.GetOptions{}); err != nil {
		t.Fatalf("the namespace was deleted: %v", err)
	}
}

func TestUninstallWaitsForARunningDeploy(t *testing.T) {
	needCluster(t)
	t.Parallel()
	cs := clientset(t)
	ns := newNamespace(t, cs)
	deploy := startAction(t, "deploy", map[string]string{"release": "web", "namespace": ns, "chart": webChart,
		"values": "replicaCount: 1\nbehaviour: slow\nreadyDelay: 6s\n", "min-ready-seconds": "0"})
	if _, err := deploy.waitLine("::group::Deploy", time.Minute); err != nil {
		t.Fatalf("the deploy did not start: %v", err)
	}
	un := startAction(t, "uninstall", taskInputs("uninstall", ns, nil))
	if _, err := un.waitLine("is being deployed by", 30*time.Second); err != nil {
		t.Fatalf("the uninstall did not queue behind the deploy: %v\n%s", err, un.Stdout)
	}
	deploy.result(t, 2*time.Minute).mustSucceed(t)
	r := un.result(t, 2*time.Minute).mustSucceed(t)
	if !strings.Contains(r.Stdout, "uninstalled revision 1") {
		t.Errorf("the uninstall did not remove revision 1:\n%s", r.Stdout)
	}
	if _, err := cs.AppsV1().Deployments(ns).Get(context.Background(), "web", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("deployment web still there: %v", err)
	}
}

func TestRollbackToPreviousAndToN(t *testing.T) {
	needCluster(t)
	t.Parallel()
	cs := clientset(t)
	ns := newNamespace(t, cs)
	for _, m := range []string{"first", "second", "third"} {
		deployWeb(t, ns, "web", "replicaCount: 1\nmessage: "+m+"\n", map[string]string{"min-ready-seconds": "0"}).mustSucceed(t)
	}
	message := func() string {
		v, _ := containerEnv(getDeployment(t, cs, ns, "web"), "web", "MESSAGE")
		return v
	}
	gh := ghfake.Start(t)
	r := runAction(t, taskInputs("rollback", ns, map[string]string{"min-ready-seconds": "0", "github-token": "e2e-token-5e7a",
		"environment": "rb-" + ns}), ghEnv(gh)...).mustSucceed(t)
	if message() != "second" || r.Outputs["revision"] != "4" || r.Outputs["rolled-back-to"] != "2" {
		t.Fatalf("rollback to previous: MESSAGE %q, outputs %v", message(), r.Outputs)
	}
	if deps := gh.Deployments(); len(deps) != 1 || deps[0].Description == nil ||
		!strings.Contains(*deps[0].Description, "Roll back web to revision 2: chart web-") ||
		strings.Join(deps[0].States(), ",") != "in_progress,success" {
		t.Errorf("GitHub deployment of the rollback: %+v", deps)
	}
	r = runAction(t, taskInputs("rollback", ns, map[string]string{"revision": "1", "min-ready-seconds": "0"})).mustSucceed(t)
	if message() != "first" || r.Outputs["revision"] != "5" || r.Outputs["rolled-back-to"] != "1" {
		t.Fatalf("rollback to 1: MESSAGE %q, outputs %v", message(), r.Outputs)
	}
	if got := revisionsString(releaseSecrets(t, cs, ns, "web")); got != "v1=superseded v2=superseded v3=superseded v4=superseded v5=deployed" {
		t.Errorf("history %s", got)
	}

	bad := runAction(t, taskInputs("rollback", ns, map[string]string{"revision": "9"}))
	if bad.ExitCode == 0 || !strings.Contains(bad.Stdout, "can roll back to: 4, 3, 2, 1") {
		t.Fatalf("rollback to a missing revision: exit %d\n%s", bad.ExitCode, bad.Stdout)
	}
	if got := revisionsString(releaseSecrets(t, cs, ns, "web")); !strings.HasSuffix(got, "v5=deployed") {
		t.Errorf("a bad revision changed the history: %s", got)
	}
}

func TestRollbackToACrashLoopingRevisionFails(t *testing.T) {
	needCluster(t)
	t.Parallel()
	cs := clientset(t)
	ns := newNamespace(t, cs)
	// Revision 1 crash-loops but was stored as deployed (wait: false); revision 2 is healthy.
	deployWeb(t, ns, "web", "replicaCount: 1\nbehaviour: crashloop\n", map[string]string{"wait": "false"}).mustSucceed(t)
	deployWeb(t, ns, "web", "replicaCount: 1\nmessage: good\n", map[string]string{"min-ready-seconds": "0"}).mustSucceed(t)
	r := runAction(t, taskInputs("rollback", ns, map[string]string{"revision": "1", "timeout": "60s"}))
	if r.ExitCode == 0 || !strings.Contains(r.Stdout, "CrashLoopBackOff") {
		t.Fatalf("exit %d; the crash loop is not diagnosed:\n%s", r.ExitCode, r.Stdout)
	}
	// atomic: the failed rollback (revision 3) is rolled back to revision 2 (revision 4).
	if got := revisionsString(releaseSecrets(t, cs, ns, "web")); !strings.HasSuffix(got, "v3=failed v4=deployed") {
		t.Errorf("history %s, want the failed rollback undone", got)
	}
	if v, _ := containerEnv(getDeployment(t, cs, ns, "web"), "web", "MESSAGE"); v != "good" {
		t.Errorf("MESSAGE %q after the failed rollback, want good", v)
	}
}

func TestStatusReportsHistoryAndReadiness(t *testing.T) {
	needCluster(t)
	t.Parallel()
	cs := clientset(t)
	ns := newNamespace(t, cs)
	deployWeb(t, ns, "web", "replicaCount: 2\nmessage: one\n", map[string]string{"min-ready-seconds": "0"}).mustSucceed(t)
	deployWeb(t, ns, "web", "replicaCount: 2\nmessage: two\n", map[string]string{"min-ready-seconds": "0"}).mustSucceed(t)
	before := revisionsString(releaseSecrets(t, cs, ns, "web"))
	r := runAction(t, taskInputs("status", ns, nil)).mustSucceed(t)
	var hist []struct {
		Revision int    `json:"revision"`
		Status   string `json:"status"`
	}
	if err := json.Unmarshal([]byte(r.Outputs["history"]), &hist); err != nil || len(hist) != 2 || hist[0].Revision != 2 || hist[0].Status != "deployed" {
		t.Fatalf("history output %q (%v)", r.Outputs["history"], err)
	}
	if r.Outputs["workloads-ready"] != "true" || !strings.Contains(r.Summary, "2/2 ready") || !strings.Contains(r.Summary, "#### History") {
		t.Errorf("outputs %v\nsummary:\n%s", r.Outputs, r.Summary)
	}
	if after := revisionsString(releaseSecrets(t, cs, ns, "web")); after != before {
		t.Errorf("status changed the release: %s → %s", before, after)
	}
}
