//go:build e2e

package e2e

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// service is a loopback HTTP server standing in for the deployed service: it answers status()
// to every request and counts them.
func service(t *testing.T, status func(n int64) int) (*httptest.Server, *atomic.Int64) {
	var n atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code := status(n.Add(1))
		w.WriteHeader(code)
		if code >= 500 {
			_, _ = w.Write([]byte("upstream unavailable: pool exhausted"))
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(s.Close)
	return s, &n
}

func TestSmokeCheckPassesThenFailsAndRollsBack(t *testing.T) {
	needCluster(t)
	t.Parallel()
	cs := clientset(t)
	ns := newNamespace(t, cs)
	ok, hits := service(t, func(int64) int { return 200 })
	r := deployWeb(t, ns, "web", "replicaCount: 1\nmessage: good\n", map[string]string{"min-ready-seconds": "0",
		"verify-url": ok.URL + "/healthz?token=s3cr3t-tok", "verify-successes": "2", "verify-body": "ok"}).mustSucceed(t)
	if hits.Load() < 2 || !strings.Contains(r.Summary, "smoke check passed") {
		t.Fatalf("%d probes; summary:\n%s", hits.Load(), r.Summary)
	}
	checkNotPrinted(t, r.Stdout+r.Summary, "s3cr3t-tok", "the verify-url token")

	down, _ := service(t, func(int64) int { return 503 })
	r = deployWeb(t, ns, "web", "replicaCount: 1\nmessage: broken\n", map[string]string{"min-ready-seconds": "0",
		"verify-url": down.URL + "/healthz", "verify-timeout": "3s"})
	if r.ExitCode == 0 {
		t.Fatal("a deploy whose service answers 503 succeeded")
	}
	for _, want := range []string{"503 Service Unavailable", "upstream unavailable", down.URL} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("the failure does not say %q", want)
		}
	}
	if got := revisionsString(releaseSecrets(t, cs, ns, "web")); !strings.HasSuffix(got, "v2=failed v3=deployed") {
		t.Errorf("history %s, want the failed revision rolled back", got)
	}
	if v, _ := containerEnv(getDeployment(t, cs, ns, "web"), "web", "MESSAGE"); v != "good" {
		t.Errorf("MESSAGE %q after the rollback, want good", v)
	}
}

func TestRequestsFailingDuringTheRollout(t *testing.T) {
	needCluster(t)
	t.Parallel()
	cs := clientset(t)
	ns := newNamespace(t, cs)
	deployWeb(t, ns, "web", "replicaCount: 1\nmessage: one\n", map[string]string{"min-ready-seconds": "0"}).mustSucceed(t)
	// The first four requests fail (the old pods went away too early), then all succeed.
	flaky, _ := service(t, func(n int64) int {
		if n <= 4 {
			return 502
		}
		return 200
	})
	in := map[string]string{"min-ready-seconds": "0", "verify-url": flaky.URL, "verify-during-rollout": "true",
		"verify-max-failures": "1", "verify-successes": "1"}
	r := deployWeb(t, ns, "web", "replicaCount: 1\nmessage: two\nbehaviour: slow\nreadyDelay: 6s\n", in)
	if r.ExitCode == 0 || !strings.Contains(r.Stdout, "requests to") || !strings.Contains(r.Summary, "failed (1 allowed)") {
		t.Fatalf("exit %d: the failed requests during the rollout did not fail it\n%s", r.ExitCode, r.Summary)
	}
	if got := revisionsString(releaseSecrets(t, cs, ns, "web")); !strings.HasSuffix(got, "v2=failed v3=deployed") {
		t.Errorf("history %s", got)
	}
}

func TestForceRolloutRollsAnUnchangedChart(t *testing.T) {
	needCluster(t)
	t.Parallel()
	cs := clientset(t)
	ns := newNamespace(t, cs)
	in := map[string]string{"min-ready-seconds": "0", "force-rollout": "true"}
	deployWeb(t, ns, "web", "replicaCount: 1\n", in).mustSucceed(t)
	rsCount := func() int {
		l, err := cs.AppsV1().ReplicaSets(ns).List(context.Background(), metav1.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return len(l.Items)
	}
	before := rsCount()
	deployWeb(t, ns, "web", "replicaCount: 1\n", in).mustSucceed(t)
	if after := rsCount(); after != before+1 {
		t.Fatalf("%d ReplicaSets after a forced rollout of the same chart, want %d", after, before+1)
	}
	d := getDeployment(t, cs, ns, "web")
	if d.Spec.Template.Annotations["helm-deploy-action.github.io/rollout"] == "" {
		t.Fatal("the pod template has no rollout annotation")
	}
	// Without force-rollout the same chart does not roll.
	deployWeb(t, ns, "web", "replicaCount: 1\n", map[string]string{"min-ready-seconds": "0"}).mustSucceed(t)
	before = rsCount()
	deployWeb(t, ns, "web", "replicaCount: 1\n", map[string]string{"min-ready-seconds": "0"}).mustSucceed(t)
	if after := rsCount(); after != before {
		t.Fatalf("an unchanged chart rolled without force-rollout: %d → %d ReplicaSets", before, after)
	}
}
