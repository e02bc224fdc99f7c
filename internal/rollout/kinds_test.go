package rollout

import (
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// issuerMapper knows cert-manager's namespaced Issuer and cluster-scoped ClusterIssuer.
func issuerMapper() meta.RESTMapper {
	m := meta.NewDefaultRESTMapper(nil)
	m.Add(schema.GroupVersionKind{Group: "cert-manager.io", Version: "v1", Kind: "Issuer"}, meta.RESTScopeNamespace)
	m.Add(schema.GroupVersionKind{Group: "cert-manager.io", Version: "v1", Kind: "ClusterIssuer"}, meta.RESTScopeRoot)
	return m
}

// The table decides, per kind, which classifier applies and how the kind is watched.
func TestNewTargetByTable(t *testing.T) {
	type want struct {
		class    classifier
		watchKey string // "" with tracked false
		ns       string
	}
	tests := map[string]struct {
		obj     runtime.Object
		dynamic bool
		mapper  meta.RESTMapper
		tracked bool
		want    want
		printed string
	}{
		"Deployment: hand-written rule": {obj: manifestObjs(t)[0], dynamic: true, tracked: true,
			want: want{classTyped, "Deployment", ns}},
		"LoadBalancer Service: hand-written rule": {obj: &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "lb"},
			Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer}}, tracked: true, want: want{classTyped, "Service", ns}},
		"ClusterIP Service: not tracked":     {obj: &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web"}}, dynamic: true},
		"ConfigMap: only applied":            {obj: &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg"}}, dynamic: true},
		"NetworkPolicy: only applied":        {obj: manifest(t, "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np}"), dynamic: true},
		"Certificate without dynamic client": {obj: certificate(t, "web-tls")},
		"typed CronJob: kstatus": {obj: &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "nightly", Namespace: "jobs"}}, dynamic: true, tracked: true,
			want: want{classStatus, "dynamic:batch/v1, Resource=cronjobs", "jobs"}},
		"Ingress: the table's plural without a mapper": {obj: manifest(t, "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web}"),
			dynamic: true, tracked: true, want: want{classStatus, "dynamic:networking.k8s.io/v1, Resource=ingresses", ns}},
		"CustomResourceDefinition: cluster-scoped by the table": {obj: manifest(t, "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: widgets.example.org}"),
			dynamic: true, tracked: true, want: want{classStatus, "dynamic:apiextensions.k8s.io/v1, Resource=customresourcedefinitions", ""}},
		"Certificate: guessed plural without a mapper": {obj: certificate(t, "web-tls"), dynamic: true, tracked: true,
			want: want{classStatus, "dynamic:cert-manager.io/v1, Resource=certificates", ns}},
		"NetworkChaos: guessed plural of a kind ending in s": {obj: manifest(t, "apiVersion: chaos-mesh.org/v1alpha1\nkind: NetworkChaos\nmetadata: {name: c}"),
			dynamic: true, tracked: true, want: want{classStatus, "dynamic:chaos-mesh.org/v1alpha1, Resource=networkchaoses", ns}},
		"ClusterIssuer: cluster-scoped by the mapper": {obj: manifest(t, "apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata: {name: letsencrypt}"),
			dynamic: true, mapper: issuerMapper(), tracked: true, want: want{classStatus, "dynamic:cert-manager.io/v1, Resource=clusterissuers", ""}},
		"Issuer: namespaced by the mapper": {obj: manifest(t, "apiVersion: cert-manager.io/v1\nkind: Issuer\nmetadata: {name: ca, namespace: pki}"),
			dynamic: true, mapper: issuerMapper(), tracked: true, want: want{classStatus, "dynamic:cert-manager.io/v1, Resource=issuers", "pki"}},
		"a kind the mapper does not know is reported": {obj: certificate(t, "web-tls"), dynamic: true, mapper: issuerMapper(),
			printed: "certificate/web-tls: not tracked: map cert-manager.io/v1, Kind=Certificate"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := newCluster(t, 1)
			tr := c.tracker(func(o *Options) {
				if tc.dynamic {
					o.Dynamic = fakeDynamic()
				}
				o.RESTMapper = tc.mapper
			})
			tg, err := tr.newTarget(tc.obj)
			if err != nil {
				t.Fatal(err)
			}
			if (tg != nil) != tc.tracked {
				t.Fatalf("tracked %v, want %v (%+v)", tg != nil, tc.tracked, tg)
			}
			if tg != nil {
				if got := (want{tg.class, tg.watchKey, tg.ns}); got != tc.want {
					t.Errorf("got %+v, want %+v", got, tc.want)
				}
			}
			if out := c.out.String(); !strings.Contains(out, tc.printed) || (tc.printed == "" && out != "") {
				t.Errorf("printed %q, want %q", out, tc.printed)
			}
		})
	}
}

// Classify dispatches by the table: hand-written rules, kstatus, or ready once applied.
func TestClassifyByTable(t *testing.T) {
	tests := map[string]struct {
		obj    runtime.Object
		reason string
	}{
		"typed CronJob goes to kstatus":       {&batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "nightly"}}, "Current"},
		"typed Job keeps its own rule":        {&batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "migrate"}}, "Running"},
		"ConfigMap is only applied":           {&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg"}}, "NotTracked"},
		"unstructured Secret is only applied": {manifest(t, "apiVersion: v1\nkind: Secret\nmetadata: {name: s}"), "NotTracked"},
		"a Job of another group is a custom resource": {manifest(t, `
apiVersion: example.org/v1
kind: Job
metadata: {name: j}
status: {conditions: [{type: Ready, status: "False", reason: Failed, message: boom}]}`), "Failed"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			if v := Classify(tc.obj, time.Now(), ClassifyOptions{}); v.Reason != tc.reason {
				t.Fatalf("got %+v, want reason %s", v, tc.reason)
			}
		})
	}
}
