package rollout

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
	k8stesting "k8s.io/client-go/testing"
)

var (
	certificates   = schema.GroupVersionResource{Group: "cert-manager.io", Version: "v1", Resource: "certificates"}
	clusterIssuers = schema.GroupVersionResource{Group: "cert-manager.io", Version: "v1", Resource: "clusterissuers"}
)

// certificate is a cert-manager Certificate in namespace apps with the given status conditions
// (type=status=reason=message, e.g. "Ready=False=DoesNotExist=issuing").
func certificate(t *testing.T, name string, conditions ...string) *unstructured.Unstructured {
	t.Helper()
	var conds []string
	for _, c := range conditions {
		p := strings.SplitN(c, "=", 4)
		conds = append(conds, fmt.Sprintf("{type: %s, status: %q, reason: %s, message: %q}", p[0], p[1], p[2], p[3]))
	}
	return manifest(t, fmt.Sprintf(`
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: %s, namespace: apps, generation: 1}
spec: {secretName: %s}
status: {observedGeneration: 1, conditions: [%s]}`, name, name, strings.Join(conds, ", ")))
}

// fakeDynamic is a fake dynamic client holding objs, which knows Certificates and ClusterIssuers.
func fakeDynamic(objs ...runtime.Object) *dynamicfake.FakeDynamicClient {
	return dynamicfake.NewSimpleDynamicClientWithCustomListKinds(runtime.NewScheme(),
		map[schema.GroupVersionResource]string{certificates: "CertificateList", clusterIssuers: "ClusterIssuerList"}, objs...)
}

func updateCR(t *testing.T, dyn *dynamicfake.FakeDynamicClient, u *unstructured.Unstructured) {
	t.Helper()
	if _, err := dyn.Resource(certificates).Namespace(ns).Update(context.Background(), u, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// applied is what Helm hands to Wait: the manifest's objects without status.
func applied(objs ...*unstructured.Unstructured) []runtime.Object {
	out := make([]runtime.Object, 0, len(objs))
	for _, u := range objs {
		m := u.DeepCopy()
		unstructured.RemoveNestedField(m.Object, "status")
		out = append(out, m)
	}
	return out
}

func TestWaitCustomResourceBecomesReady(t *testing.T) {
	c := newCluster(t, 1)
	web, api := certificate(t, "web-tls", "Ready=False=DoesNotExist=Issuing certificate as Secret does not exist"), certificate(t, "api-tls", "Ready=True=Ready=ok")
	dyn := fakeDynamic(web, api)
	tr := c.tracker(func(o *Options) { o.Dynamic = dyn })
	ch := wait(context.Background(), tr, applied(web, api), time.Minute)
	eventually(t, "progress line", func() bool {
		return strings.Contains(c.out.String(), "certificate/web-tls Issuing certificate as Secret does not exist")
	})
	quiet(t, ch, "certificate not ready")
	updateCR(t, dyn, certificate(t, "web-tls", "Ready=True=Ready=Certificate is up to date and has not expired"))
	if err := result(t, ch, 2*time.Second); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	rep := tr.Report()
	if len(rep.Resources) != 2 || rep.Resources[1].Resource != "certificate/web-tls" || rep.Resources[1].State != Ready {
		t.Errorf("report %+v", rep.Resources)
	}
	lists := 0
	for _, a := range dyn.Actions() {
		if a.GetVerb() == "list" {
			lists++
			if a.GetResource() != certificates || a.GetNamespace() != ns {
				t.Errorf("listed %s in %q", a.GetResource(), a.GetNamespace())
			}
		}
	}
	if lists != 1 {
		t.Errorf("%d lists for two certificates of one namespace, want one watch per resource and namespace", lists)
	}
}

func TestWaitCustomResourceFailsEarly(t *testing.T) {
	tests := map[string]struct {
		condition string
		headline  string
	}{
		"Ready=False with reason Failed": {"Ready=False=Failed=Issuing certificate failed: ACME order rejected",
			"certificate/web-tls: Failed: Issuing certificate failed: ACME order rejected"},
		"Stalled=True": {"Stalled=True=IssuerNotReady=Referenced issuer letsencrypt is not ready",
			"certificate/web-tls: IssuerNotReady: Referenced issuer letsencrypt is not ready"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := newCluster(t, 1)
			web := certificate(t, "web-tls", "Ready=False=DoesNotExist=issuing")
			dyn := fakeDynamic(web)
			tr := c.tracker(func(o *Options) { o.Dynamic = dyn })
			ch := wait(context.Background(), tr, applied(web), time.Minute)
			eventually(t, "progress line", func() bool { return strings.Contains(c.out.String(), "certificate/web-tls issuing") })
			began := time.Now()
			updateCR(t, dyn, certificate(t, "web-tls", tc.condition))
			fe := mustFailure(t, result(t, ch, 2*time.Second))
			if d := time.Since(began); d > time.Second {
				t.Errorf("verdict took %s", d)
			}
			if !errors.Is(fe, ErrFailed) || !fe.Verdict.Definitive || fe.Headline() != tc.headline {
				t.Fatalf("got %q (%+v), want %q", fe.Headline(), fe.Verdict, tc.headline)
			}
			if f := tr.Report().Failure; f != fe {
				t.Errorf("report failure %v", f)
			}
		})
	}
}

// Without a dynamic client the kinds given to kstatus count as ready once applied, as before.
func TestWaitStatusKindsWithoutDynamicClient(t *testing.T) {
	c := newCluster(t, 1)
	tr := c.tracker(nil)
	objs := applied(certificate(t, "web-tls"), manifest(t, "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: nightly}"))
	if err := result(t, wait(context.Background(), tr, objs, time.Minute), 2*time.Second); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if n := len(tr.Report().Resources); n != 0 {
		t.Errorf("%d tracked resources, want none", n)
	}
}

// A resource the server will not let us list is reported once and counted as ready once
// applied: permissions to watch every kind of a chart are not required.
func TestWaitRefusedStatusWatchIsNotFatal(t *testing.T) {
	c := newCluster(t, 1)
	web := certificate(t, "web-tls", "Ready=False=DoesNotExist=issuing")
	dyn := fakeDynamic(web)
	dyn.PrependReactor("list", "certificates", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(certificates.GroupResource(), "", errors.New("RBAC: access denied"))
	})
	tr := c.tracker(func(o *Options) { o.Dynamic = dyn })
	if err := result(t, wait(context.Background(), tr, applied(web), time.Minute), 2*time.Second); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	out := c.out.String()
	if n := strings.Count(out, "status: cannot watch certificates.cert-manager.io in namespace apps"); n != 1 {
		t.Errorf("refusal reported %d times:\n%s", n, out)
	}
	if r := tr.Report().Resources; len(r) != 1 || r[0].Reason != "NotWatched" || r[0].State != Ready {
		t.Errorf("report %+v", r)
	}
}

// A controller that reports its first status after the object looked Current restarts the
// stabilisation window; it is not Flapping.
func TestWaitStatusNotReadyAgainRestartsWindow(t *testing.T) {
	clock := &fakeClock{now: time.Now()}
	c := newCluster(t, 1)
	web := certificate(t, "web-tls")
	dyn := fakeDynamic(web)
	tr := c.tracker(func(o *Options) { o.Dynamic, o.Now, o.MinReady = dyn, clock.Now, 5*time.Second })
	ch := wait(context.Background(), tr, applied(web), time.Minute)
	eventually(t, "stability window", func() bool { return strings.Count(c.out.String(), "watching 5s for stability") == 1 })
	updateCR(t, dyn, certificate(t, "web-tls", "Ready=False=DoesNotExist=issuing"))
	eventually(t, "in progress", func() bool { return strings.Contains(c.out.String(), "certificate/web-tls issuing") })
	clock.Advance(6 * time.Second)
	quiet(t, ch, "certificate not ready")
	updateCR(t, dyn, certificate(t, "web-tls", "Ready=True=Ready=issued"))
	eventually(t, "second window", func() bool { return strings.Count(c.out.String(), "watching 5s for stability") == 2 })
	quiet(t, ch, "window restarted")
	clock.Advance(6 * time.Second)
	if err := result(t, ch, 2*time.Second); err != nil {
		t.Fatalf("Wait: %v", err)
	}
}

// A cluster-scoped custom resource is watched cluster-wide (the RESTMapper says it is
// cluster-scoped), without a cluster-wide watch of events.
func TestWaitClusterScopedCustomResource(t *testing.T) {
	c := newCluster(t, 1)
	issuer := func(ready string) *unstructured.Unstructured {
		return manifest(t, fmt.Sprintf(`
apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata: {name: letsencrypt, generation: 1}
status: {observedGeneration: 1, conditions: [{type: Ready, status: %q, reason: Registered, message: "ACME account %s"}]}`, ready, ready))
	}
	dyn := fakeDynamic(issuer("False"))
	tr := c.tracker(func(o *Options) { o.Dynamic, o.RESTMapper = dyn, issuerMapper() })
	ch := wait(context.Background(), tr, applied(issuer("False")), time.Minute)
	eventually(t, "progress line", func() bool { return strings.Contains(c.out.String(), "clusterissuer/letsencrypt ACME account False") })
	if _, err := dyn.Resource(clusterIssuers).Update(context.Background(), issuer("True"), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := result(t, ch, 2*time.Second); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if r := tr.Report().Resources; len(r) != 1 || r[0].Namespace != "" || r[0].State != Ready {
		t.Errorf("report %+v", r)
	}
	for _, a := range c.cs.Actions() {
		if a.GetResource().Resource == "events" && a.GetNamespace() == "" {
			t.Errorf("events watched cluster-wide: %v", a)
		}
	}
}

// A custom resource without any status is not ready at first sight (kstatus would say
// Current): its controller gets StatusGrace to report; then it counts as ready, and says so.
func TestWaitCustomResourceWithoutStatus(t *testing.T) {
	c := newCluster(t, 1)
	web := certificate(t, "web-tls")
	unstructured.RemoveNestedField(web.Object, "status")
	dyn := fakeDynamic(web)
	clock := &fakeClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	tr := c.tracker(func(o *Options) { o.Dynamic, o.Now = dyn, clock.Now })
	ch := wait(context.Background(), tr, applied(web), time.Hour)
	eventually(t, "waiting for a status", func() bool {
		return strings.Contains(c.out.String(), "certificate/web-tls waiting for its controller to report a status")
	})
	quiet(t, ch, "no status yet")
	clock.Advance(StatusGrace)
	if err := result(t, ch, 2*time.Second); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if !strings.Contains(c.out.String(), "no status after 5s: counted as ready") {
		t.Errorf("the log does not say the resource was counted as ready without a status:\n%s", c.out.String())
	}
}
