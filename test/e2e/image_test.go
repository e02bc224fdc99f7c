//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/ghdeploy/ghfake"
	"k8s.io/client-go/kubernetes"
)

// imageWorkspace is a job workspace holding a copy of the web chart under charts/web and a
// values file values/prod.yaml, as a repository checked out by actions/checkout would.
func imageWorkspace(t *testing.T, values string) *runnerDirs {
	t.Helper()
	d := newRunnerDirs(t)
	copyTree(t, webChart, filepath.Join(d.workspace, "charts", "web"))
	if err := os.MkdirAll(filepath.Join(d.workspace, "values"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d.workspace, "values", "prod.yaml"), []byte(values), 0o644); err != nil {
		t.Fatal(err)
	}
	return d
}

// imageBaseline makes a namespace and a workspace and installs a healthy revision 1 with the
// image ("message: stable").
func imageBaseline(t *testing.T) (kubernetes.Interface, string, *runnerDirs) {
	t.Helper()
	cs := clientset(t)
	ns := newNamespace(t, cs)
	d := imageWorkspace(t, "replicaCount: 1\n")
	startImage(t, "baseline", d, imageInputs(ns, "message: stable\n", nil)).result(t, runLimit).mustSucceed(t)
	return cs, ns, d
}

// imageInputs deploy ./charts/web from the workspace with values/prod.yaml.
func imageInputs(ns, values string, extra map[string]string) map[string]string {
	in := map[string]string{
		"release": "web", "namespace": ns, "chart": "./charts/web",
		"values-files": "values/prod.yaml", "values": values, "min-ready-seconds": "0", "timeout": "90s",
	}
	for k, v := range extra {
		in[k] = v
	}
	return in
}

// TestImageInstallAndUpgrade installs and upgrades a chart from the workspace with the image,
// reading outputs and summary back from the mounted file-command files.
func TestImageInstallAndUpgrade(t *testing.T) {
	needImage(t)
	t.Parallel()
	cs := clientset(t)
	ns := newNamespace(t, cs)
	d := imageWorkspace(t, "replicaCount: 1\nmessage: from-values-file\n")

	p := startImage(t, "install", d, imageInputs(ns, "", nil))
	first := p.firstLineAfter(t)
	r := p.result(t, runLimit)
	t.Logf("image: docker run to the action's first line: %.2fs", first.Seconds())
	r.mustSucceed(t)
	if r.Outputs["revision"] != "1" || r.Outputs["status"] != "deployed" || r.Outputs["outcome"] != "succeeded" {
		t.Errorf("outputs after install: %v", r.Outputs)
	}
	if v, _ := containerEnv(getDeployment(t, cs, ns, "web"), "web", "MESSAGE"); v != "from-values-file" {
		t.Errorf("MESSAGE = %q: the values file from the workspace was not applied", v)
	}
	for _, want := range []string{"web", ns, "deployed"} {
		if !strings.Contains(r.Summary, want) {
			t.Errorf("job summary does not mention %q:\n%s", want, r.Summary)
		}
	}

	r = startImage(t, "upgrade", d, imageInputs(ns, "message: inline-wins\n", nil)).result(t, runLimit).mustSucceed(t)
	if r.Outputs["revision"] != "2" || r.Outputs["previous-revision"] != "1" || r.Outputs["status"] != "deployed" {
		t.Errorf("outputs after upgrade: %v", r.Outputs)
	}
	if v, _ := containerEnv(getDeployment(t, cs, ns, "web"), "web", "MESSAGE"); v != "inline-wins" {
		t.Errorf("MESSAGE = %q after the upgrade, want inline-wins", v)
	}
	checkOutputs(t, cs, r, ns, "web", webChart)
}

// TestImageKubeconfigFromWorkspace gives the kubeconfig as a file in the workspace, by the
// kubeconfig-path input and by KUBECONFIG, both as host paths the runner translates.
func TestImageKubeconfigFromWorkspace(t *testing.T) {
	needImage(t)
	t.Parallel()
	cs := clientset(t)
	for _, how := range []string{"kubeconfig-path", "KUBECONFIG"} {
		t.Run(how, func(t *testing.T) {
			ns := newNamespace(t, cs)
			d := imageWorkspace(t, "replicaCount: 1\n")
			host := filepath.Join(d.workspace, ".kube", "config")
			if err := os.MkdirAll(filepath.Dir(host), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(host, h.kubeconfig, 0o600); err != nil {
				t.Fatal(err)
			}
			in := imageInputs(ns, "", map[string]string{"kubeconfig": ""})
			var env []string
			if how == "kubeconfig-path" {
				in["kubeconfig-path"] = host
			} else {
				env = append(env, "KUBECONFIG="+host)
			}
			r := startImage(t, how, d, in, env...).result(t, runLimit).mustSucceed(t)
			if r.Outputs["revision"] != "1" {
				t.Errorf("revision %q, want 1", r.Outputs["revision"])
			}
			if !strings.Contains(r.Stdout, "/github/workspace/.kube/config") {
				t.Errorf("the log does not name the translated path /github/workspace/.kube/config:\n%s", r.Stdout)
			}
		})
	}
}

// TestImageKubeconfigNotMounted: KUBECONFIG naming a runner path that is not mounted into the
// container fails naming the path, why, and the fix, and changes nothing.
func TestImageKubeconfigNotMounted(t *testing.T) {
	needImage(t)
	t.Parallel()
	cs := clientset(t)
	ns := newNamespace(t, cs)
	d := imageWorkspace(t, "replicaCount: 1\n")
	in := imageInputs(ns, "", map[string]string{"kubeconfig": ""})
	r := startImage(t, "not-mounted", d, in, "KUBECONFIG=/home/runner/.kube/config").result(t, runLimit)
	if r.ExitCode == 0 {
		t.Fatalf("a missing kubeconfig file exited 0:\n%s", r.Stdout)
	}
	for _, want := range []string{"/home/runner/.kube/config", "does not exist in the action's container", "workspace", "kubeconfig"} {
		if !strings.Contains(r.Outputs["failure-reason"], want) {
			t.Errorf("failure-reason %q does not say %q", r.Outputs["failure-reason"], want)
		}
	}
	if strings.Contains(r.Stdout, "0 contexts") {
		t.Errorf("the log still says \"0 contexts\":\n%s", r.Stdout)
	}
	if revs := releaseSecrets(t, cs, ns, "web"); len(revs) != 0 {
		t.Errorf("a run without credentials changed the release: %s", revisionsString(revs))
	}
}

// TestImageRolloutFailure: a crash-looping upgrade is diagnosed and rolled back by the image.
func TestImageRolloutFailure(t *testing.T) {
	needImage(t)
	t.Parallel()
	cs, ns, d := imageBaseline(t)

	r := startImage(t, "crashloop", d, imageInputs(ns, "message: broken\nbehaviour: crashloop\n", nil)).result(t, runLimit)
	if r.ExitCode == 0 {
		t.Fatalf("a crash-looping upgrade exited 0:\n%s", r.Stdout)
	}
	if r.Duration > verdictBound {
		t.Errorf("the verdict took %.0fs, want well under the 90s timeout", r.Duration.Seconds())
	}
	if r.Outputs["outcome"] != "failed" || !strings.Contains(r.Outputs["failure-reason"], "CrashLoopBackOff") {
		t.Errorf("outcome %q, failure-reason %q: want failed naming CrashLoopBackOff", r.Outputs["outcome"], r.Outputs["failure-reason"])
	}
	if !strings.Contains(r.Summary, "CrashLoopBackOff") {
		t.Errorf("the summary does not name CrashLoopBackOff:\n%s", r.Summary)
	}
	revs := releaseSecrets(t, cs, ns, "web")
	if revs[1] != "superseded" || revs[2] != "failed" || revs[3] != "deployed" {
		t.Errorf("history %s, want v1 superseded, v2 failed, v3 deployed (the rollback)", revisionsString(revs))
	}
	if v, _ := containerEnv(getDeployment(t, cs, ns, "web"), "web", "MESSAGE"); v != "stable" {
		t.Errorf("MESSAGE = %q after the rollback, want stable", v)
	}
}

// TestImageCancelDuringRollout cancels the step the way the runner does while the new pods are
// not ready: the action must exit before the runner's SIGTERM with outputs written and the lock
// free, and the next run must deploy.
func TestImageCancelDuringRollout(t *testing.T) {
	needImage(t)
	t.Parallel()
	cs, ns, d := imageBaseline(t)

	p := startImage(t, "slow", d, imageInputs(ns, "message: slow\nbehaviour: slow\nreadyDelay: 300s\n",
		map[string]string{"timeout": "5m"}))
	waitRevisionStatus(t, cs, ns, "web", "pending-upgrade", 2*time.Minute, p)
	sent := p.cancelLikeRunner(t)
	r := p.result(t, time.Minute)
	took := p.Ended.Sub(sent)
	t.Logf("image: exited %.2fs after SIGINT", took.Seconds())
	if took >= runnerSigtermAfter {
		t.Errorf("the container exited %.1fs after SIGINT, not before the runner's SIGTERM at 7.5s", took.Seconds())
	}
	if r.ExitCode == 0 {
		t.Errorf("a cancelled run exited 0")
	}
	if r.Outputs["outcome"] != "cancelled" {
		t.Errorf("outcome = %q, want cancelled (outputs: %v)", r.Outputs["outcome"], r.Outputs)
	}
	if r.Summary == "" {
		t.Errorf("no job summary after the cancel")
	}
	if got := leaseHolder(getLease(t, cs, ns, "web")); got != "" {
		t.Errorf("the Lease is still held by %q after the cancel", got)
	}
	next := startImage(t, "next", d, imageInputs(ns, "message: next\n", nil)).result(t, runLimit).mustSucceed(t)
	if v, _ := containerEnv(getDeployment(t, cs, ns, "web"), "web", "MESSAGE"); v != "next" {
		t.Errorf("MESSAGE = %q after the next run, want next (outputs %v)", v, next.Outputs)
	}
}

// TestImageGitHubDeployment posts the GitHub deployment and its statuses from the image to the
// validating fake GitHub on 127.0.0.1.
func TestImageGitHubDeployment(t *testing.T) {
	needImage(t)
	t.Parallel()
	gh := ghfake.Start(t)
	cs := clientset(t)
	ns := newNamespace(t, cs)
	d := imageWorkspace(t, "replicaCount: 1\n")
	in := imageInputs(ns, "", map[string]string{
		"github-token": "e2e-token-image-3c1d", "environment": "img-" + ns,
		"environment-url": "http://127.0.0.1:9/" + ns,
	})
	r := startImage(t, "github", d, in, "GITHUB_API_URL="+gh.URL, "GITHUB_SERVER_URL="+gh.URL).result(t, runLimit).mustSucceed(t)
	deps := gh.Deployments()
	if len(deps) != 1 {
		t.Fatalf("fake GitHub has %d deployments, want 1", len(deps))
	}
	if got := strings.Join(deps[0].States(), ","); got != "in_progress,success" {
		t.Errorf("status sequence %s, want in_progress,success", got)
	}
	if r.Outputs["deployment-id"] == "" {
		t.Errorf("no deployment-id output")
	}
	checkNotPrinted(t, r.Stdout+r.Stderr, "e2e-token-image-3c1d", "the GitHub token")
	if v := gh.ValidationErrors(); len(v) > 0 {
		t.Errorf("traffic off GitHub's OpenAPI description: %v", v)
	}
}

// TestImageOCIChart pulls the chart from an OCI registry with basic auth on 127.0.0.1: Helm's
// registry client logs in and caches under HOME (/github/home), the only writable home there is.
func TestImageOCIChart(t *testing.T) {
	needImage(t)
	t.Parallel()
	host, ch := pushWebChart(t)
	cs := clientset(t)
	ns := newNamespace(t, cs)
	d := newRunnerDirs(t)
	r := startImage(t, "oci", d, map[string]string{
		"release": "web", "namespace": ns, "chart": "oci://" + host + "/charts/" + ch.Metadata.Name,
		"version": ch.Metadata.Version, "repository-username": remoteUser, "repository-password": remotePassword,
		"values": "replicaCount: 1\n", "min-ready-seconds": "0",
	}).result(t, runLimit).mustSucceed(t)
	checkOutputs(t, cs, r, ns, "web", webChart)
	checkNotPrinted(t, r.Stdout+r.Stderr, remotePassword, "the registry password")
}

// checkNotPrinted fails the test for every line of out that holds secret outside the
// ::add-mask:: command registering it (the runner consumes those lines; they are never shown).
func checkNotPrinted(t *testing.T, out, secret, what string) {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, secret) && !strings.HasPrefix(line, "::add-mask::") {
			t.Errorf("%s is printed outside its ::add-mask:: command: %q", what, line)
		}
	}
}
