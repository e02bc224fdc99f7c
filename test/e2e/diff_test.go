//go:build e2e

package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/helmdeploy/helm-deploy-action/internal/ghdeploy/ghfake"
)

func diffInputs(ns, values string, extra map[string]string) map[string]string {
	in := map[string]string{"task": "diff", "release": "web", "namespace": ns, "chart": webChart, "values": values}
	for k, v := range extra {
		in[k] = v
	}
	return in
}

func TestDiffShowsExactlyTheChange(t *testing.T) {
	needCluster(t)
	t.Parallel()
	cs := clientset(t)
	ns := newNamespace(t, cs)
	deployWeb(t, ns, "web", "replicaCount: 1\nmessage: one\n", map[string]string{"min-ready-seconds": "0"}).mustSucceed(t)

	r := runAction(t, diffInputs(ns, "replicaCount: 1\nmessage: two\n", nil)).mustSucceed(t)
	d := r.Outputs["diff"]
	if r.Outputs["changes"] != "1" || !strings.Contains(d, "-") || !strings.Contains(d, "value: one") || !strings.Contains(d, "value: two") {
		t.Fatalf("changes %q, diff:\n%s", r.Outputs["changes"], d)
	}
	for _, line := range strings.Split(d, "\n") {
		if (strings.HasPrefix(line, "+") || strings.HasPrefix(line, "-")) && !strings.HasPrefix(line, "+++") && !strings.HasPrefix(line, "---") &&
			!strings.Contains(line, "value:") {
			t.Errorf("a line other than the message changed: %q", line)
		}
	}
	if !strings.Contains(r.Summary, "1 change(s): 0 added, 0 removed, 1 changed") || !strings.Contains(r.Summary, "<details>") {
		t.Errorf("summary:\n%s", r.Summary)
	}
	if got := revisionsString(releaseSecrets(t, cs, ns, "web")); got != "v1=deployed" {
		t.Errorf("the diff changed the release: %s", got)
	}

	// The same inputs: no change. A secret value never appears, in any output.
	same := runAction(t, diffInputs(ns, "replicaCount: 1\nmessage: one\n", nil)).mustSucceed(t)
	if same.Outputs["changes"] != "0" {
		t.Errorf("identical inputs: changes %q\n%s", same.Outputs["changes"], same.Outputs["diff"])
	}
	sec := runAction(t, diffInputs(ns, "replicaCount: 1\n", map[string]string{"secret-values": "message: s3cr3t-diff-value\n"})).mustSucceed(t)
	if sec.Outputs["changes"] != "1" {
		t.Errorf("secret change: changes %q", sec.Outputs["changes"])
	}
	checkNotPrinted(t, sec.Stdout+sec.Summary+sec.Outputs["diff"], "s3cr3t-diff-value", "a secret value in the diff")
}

func TestDriftIsReportedBeforeTheDeploy(t *testing.T) {
	needCluster(t)
	t.Parallel()
	cs := clientset(t)
	ns := newNamespace(t, cs)
	ctx := context.Background()
	in := map[string]string{"min-ready-seconds": "0"}
	deployWeb(t, ns, "web", "replicaCount: 1\n", in).mustSucceed(t)
	scale := func(n int32) {
		s, err := cs.AppsV1().Deployments(ns).GetScale(ctx, "web", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		s.Spec.Replicas = n
		if _, err := cs.AppsV1().Deployments(ns).UpdateScale(ctx, "web", s, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	scale(3)
	fail := map[string]string{"min-ready-seconds": "0", "drift": "fail"}
	r := deployWeb(t, ns, "web", "replicaCount: 1\n", fail)
	if r.ExitCode == 0 || !strings.Contains(r.Stdout, "spec.replicas is 3, revision 1 set 1") || !strings.Contains(r.Stdout, "changed by hand") {
		t.Fatalf("drift: fail did not stop the deploy (exit %d):\n%s", r.ExitCode, r.Stdout)
	}
	if got := revisionsString(releaseSecrets(t, cs, ns, "web")); got != "v1=deployed" {
		t.Fatalf("drift: fail changed the release: %s", got)
	}
	r = deployWeb(t, ns, "web", "replicaCount: 1\n", in).mustSucceed(t) // drift: warn
	if !strings.Contains(r.Summary, "changed by hand") {
		t.Errorf("drift: warn did not warn:\n%s", r.Summary)
	}
	if d := getDeployment(t, cs, ns, "web"); *d.Spec.Replicas != 1 {
		t.Errorf("replicas %d after the deploy, want the chart's 1", *d.Spec.Replicas)
	}

	// An object deleted by hand is reported, with what Helm will do, before Helm runs.
	if err := cs.CoreV1().Services(ns).Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	r = deployWeb(t, ns, "web", "replicaCount: 1\n", in).mustSucceed(t)
	if !strings.Contains(r.Stdout, "Service/web") || !strings.Contains(r.Stdout, "deleted by hand") {
		t.Errorf("the deleted Service was not reported:\n%s", r.Stdout)
	}
	if _, err := cs.CoreV1().Services(ns).Get(ctx, "web", metav1.GetOptions{}); err != nil {
		t.Errorf("the deploy did not recreate the Service: %v", err)
	}
}

func TestDiffCommentIsStickyOnThePullRequest(t *testing.T) {
	needCluster(t)
	t.Parallel()
	cs := clientset(t)
	ns := newNamespace(t, cs)
	gh := ghfake.Start(t)
	deployWeb(t, ns, "web", "replicaCount: 1\nmessage: one\n", map[string]string{"min-ready-seconds": "0"}).mustSucceed(t)
	event := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(event, []byte(`{"number":7,"pull_request":{"number":7,"head":{"sha":"0123456789abcdef0123456789abcdef01234567"}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	env := append(ghEnv(gh), "GITHUB_EVENT_PATH="+event, "GITHUB_EVENT_NAME=pull_request")
	extra := map[string]string{"pr-comment": "true", "github-token": "ghs_e2eToken5e7a"}
	runAction(t, diffInputs(ns, "replicaCount: 1\nmessage: two\n", extra), env...).mustSucceed(t)
	first := gh.Comments(7)
	if len(first) != 1 || !strings.Contains(first[0].Body, "1 change(s)") {
		t.Fatalf("comments after the first diff: %+v", first)
	}
	runAction(t, diffInputs(ns, "replicaCount: 2\nmessage: three\n", extra), env...).mustSucceed(t)
	second := gh.Comments(7)
	if len(second) != 1 || second[0].ID != first[0].ID || !strings.Contains(second[0].Body, "value: three") {
		t.Fatalf("comments after the second diff: %+v", second)
	}
}
