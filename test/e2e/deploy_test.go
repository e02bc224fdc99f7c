//go:build e2e

package e2e

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart/loader"
	"k8s.io/client-go/kubernetes"
)

const webChart = "examples/charts/web"

// deployWeb runs the action on the web chart in ns with the given values YAML; extra inputs
// are added and win.
func deployWeb(t *testing.T, ns, rel, values string, extra map[string]string) result {
	t.Helper()
	in := map[string]string{
		"release":   rel,
		"namespace": ns,
		"chart":     webChart,
		"values":    values,
	}
	for k, v := range extra {
		in[k] = v
	}
	return runAction(t, in)
}

// checkOutputs compares the outputs with what the chart says and the cluster stored.
func checkOutputs(t *testing.T, cs kubernetes.Interface, r result, ns, rel, chartDir string) {
	t.Helper()
	ch, err := loader.Load(filepath.Join(h.repoRoot, chartDir))
	if err != nil {
		t.Fatal(err)
	}
	revs := releaseSecrets(t, cs, ns, rel)
	latest := 0
	for v := range revs {
		latest = max(latest, v)
	}
	want := map[string]string{
		"release":       rel,
		"namespace":     ns,
		"revision":      strconv.Itoa(latest),
		"status":        revs[latest],
		"chart-name":    ch.Metadata.Name,
		"chart-version": ch.Metadata.Version,
		"app-version":   ch.Metadata.AppVersion,
	}
	for k, v := range want {
		if got := r.Outputs[k]; got != v {
			t.Errorf("output %s = %q, want %q (cluster: %s)", k, got, v, revisionsString(revs))
		}
	}
}

func TestFirstInstall(t *testing.T) {
	needCluster(t)
	t.Parallel()
	cs := clientset(t)
	ns := newNamespace(t, cs)

	r := deployWeb(t, ns, "web", "replicaCount: 1\nmessage: first\n", nil).mustSucceed(t)

	checkOutputs(t, cs, r, ns, "web", webChart)
	if r.Outputs["revision"] != "1" || r.Outputs["status"] != "deployed" {
		t.Errorf("revision %q status %q, want 1 deployed", r.Outputs["revision"], r.Outputs["status"])
	}
	if revs := releaseSecrets(t, cs, ns, "web"); len(revs) != 1 || revs[1] != "deployed" {
		t.Errorf("release secrets: %s, want v1=deployed", revisionsString(revs))
	}
	d := getDeployment(t, cs, ns, "web")
	if v, _ := containerEnv(d, "web", "MESSAGE"); v != "first" {
		t.Errorf("deployment MESSAGE = %q, want first", v)
	}
	if d.Status.ReadyReplicas != 1 {
		t.Errorf("deployment ready replicas = %d, want 1 (the action waits)", d.Status.ReadyReplicas)
	}
	for _, s := range []string{"web", ns} {
		if !strings.Contains(r.Summary, s) {
			t.Errorf("job summary does not mention %q:\n%s", s, r.Summary)
		}
	}
}

func TestUpgrade(t *testing.T) {
	needCluster(t)
	t.Parallel()
	cs := clientset(t)
	ns := newNamespace(t, cs)
	deployWeb(t, ns, "web", "replicaCount: 2\nmessage: one\n", nil).mustSucceed(t)

	r := deployWeb(t, ns, "web", "replicaCount: 2\nmessage: two\n", nil).mustSucceed(t)

	checkOutputs(t, cs, r, ns, "web", webChart)
	if r.Outputs["revision"] != "2" {
		t.Errorf("revision = %q, want 2", r.Outputs["revision"])
	}
	revs := releaseSecrets(t, cs, ns, "web")
	if len(revs) != 2 || revs[1] != "superseded" || revs[2] != "deployed" {
		t.Errorf("release secrets: %s, want v1=superseded v2=deployed", revisionsString(revs))
	}
	d := getDeployment(t, cs, ns, "web")
	if v, _ := containerEnv(d, "web", "MESSAGE"); v != "two" {
		t.Errorf("deployment MESSAGE = %q, want two", v)
	}
	if d.Status.UpdatedReplicas != 2 || d.Status.ReadyReplicas != 2 {
		t.Errorf("deployment updated/ready = %d/%d, want 2/2", d.Status.UpdatedReplicas, d.Status.ReadyReplicas)
	}
}

func TestFailingUpgradeRollsBack(t *testing.T) {
	needCluster(t)
	t.Parallel()
	cs := clientset(t)
	ns := newNamespace(t, cs)
	deployWeb(t, ns, "web", "replicaCount: 1\nmessage: stable\n", nil).mustSucceed(t)

	r := deployWeb(t, ns, "web", "replicaCount: 1\nmessage: broken\nbehaviour: crashloop\n",
		map[string]string{"timeout": "40s", "atomic": "true"})

	if r.ExitCode == 0 {
		t.Fatalf("a crash-looping upgrade succeeded\nstdout:\n%s", r.Stdout)
	}
	checkOutputs(t, cs, r, ns, "web", webChart)
	revs := releaseSecrets(t, cs, ns, "web")
	if len(revs) != 3 || revs[1] != "superseded" || revs[2] != "failed" || revs[3] != "deployed" {
		t.Errorf("release secrets: %s, want v1=superseded v2=failed v3=deployed (the rollback)", revisionsString(revs))
	}
	if r.Outputs["revision"] != "3" {
		t.Errorf("revision output = %q, want 3 (the rollback)", r.Outputs["revision"])
	}
	if desc := storedRelease(t, cs, ns, "web", 3).Info.Description; !strings.Contains(desc, "Rollback to 1") {
		t.Errorf("revision 3 description %q, want a rollback to 1", desc)
	}
	if r.Outputs["outcome"] != "failed" || r.Outputs["failure-reason"] == "" {
		t.Errorf("outcome %q failure-reason %q, want failed and a reason", r.Outputs["outcome"], r.Outputs["failure-reason"])
	}
	d := getDeployment(t, cs, ns, "web")
	if v, _ := containerEnv(d, "web", "MESSAGE"); v != "stable" {
		t.Errorf("deployment MESSAGE = %q after the rollback, want stable", v)
	}
	if b, ok := d.Spec.Template.Annotations["hda.test/behaviour"]; ok {
		t.Errorf("pod template still has behaviour %q after the rollback", b)
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	needCluster(t)
	t.Parallel()
	cs := clientset(t)
	ns := newNamespace(t, cs)
	deployWeb(t, ns, "web", "replicaCount: 1\nmessage: one\n", nil).mustSucceed(t)
	before := getDeployment(t, cs, ns, "web")

	r := deployWeb(t, ns, "web", "replicaCount: 3\nmessage: two\n", map[string]string{"dry-run": "true"}).mustSucceed(t)

	if revs := releaseSecrets(t, cs, ns, "web"); len(revs) != 1 || revs[1] != "deployed" {
		t.Errorf("release secrets after dry-run: %s, want only v1=deployed", revisionsString(revs))
	}
	after := getDeployment(t, cs, ns, "web")
	if after.Generation != before.Generation {
		t.Errorf("deployment generation %d → %d after a dry-run", before.Generation, after.Generation)
	}
	if v, _ := containerEnv(after, "web", "MESSAGE"); v != "one" {
		t.Errorf("deployment MESSAGE = %q after a dry-run, want one", v)
	}
	if r.Outputs["outcome"] != "dry-run" {
		t.Errorf("outcome = %q, want dry-run", r.Outputs["outcome"])
	}
}

func TestCreateNamespace(t *testing.T) {
	needCluster(t)
	t.Parallel()
	cases := []struct {
		name   string
		create string
		wantOK bool
	}{
		{name: "created when asked", create: "true", wantOK: true},
		{name: "missing namespace fails", create: "false", wantOK: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cs := clientset(t)
			ns := uniqueName(t, "e2e")
			deleteNamespaceAtCleanup(t, cs, ns)

			r := deployWeb(t, ns, "web", "replicaCount: 1\n", map[string]string{"create-namespace": tc.create})

			if ok := r.ExitCode == 0; ok != tc.wantOK {
				t.Fatalf("exit code %d, want success=%v\nstdout:\n%s", r.ExitCode, tc.wantOK, r.Stdout)
			}
			revs := releaseSecrets(t, cs, ns, "web")
			if tc.wantOK && revs[1] != "deployed" {
				t.Errorf("release secrets: %s, want v1=deployed", revisionsString(revs))
			}
			if !tc.wantOK && len(revs) != 0 {
				t.Errorf("release secrets in a namespace that should not exist: %s", revisionsString(revs))
			}
		})
	}
}
