package rollout

import (
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// manifest parses one object the way Helm hands it over: unstructured, from YAML.
func manifest(t *testing.T, doc string) *unstructured.Unstructured {
	t.Helper()
	j, err := yaml.YAMLToJSON([]byte(strings.ReplaceAll(doc, "\t", "  ")))
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{}
	if err := u.UnmarshalJSON(j); err != nil {
		t.Fatal(err)
	}
	return u
}

const certificateHead = `
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: web-tls, namespace: apps, generation: 2}
`

func TestClassifyStatus(t *testing.T) {
	tests := map[string]struct {
		doc     string
		state   State
		reason  string
		message string // a part of the message
	}{
		"custom resource Ready=True is ready": {
			doc:   certificateHead + `status: {observedGeneration: 2, conditions: [{type: Ready, status: "True", reason: Ready}]}`,
			state: Ready, reason: "Current", message: "Resource is Ready"},
		"Ready=False with reason Failed fails with its message": {
			doc: certificateHead + `status: {observedGeneration: 2, conditions: [{type: Ready, status: "False", reason: Failed,
				message: "Issuing certificate failed: ACME order rejected"}]}`,
			state: Failed, reason: "Failed", message: "Issuing certificate failed: ACME order rejected"},
		"Ready=False with another reason is in progress": {
			doc: certificateHead + `status: {observedGeneration: 2, conditions: [{type: Ready, status: "False", reason: DoesNotExist,
				message: "Issuing certificate as Secret does not exist"}]}`,
			state: Progressing, reason: "DoesNotExist", message: "Secret does not exist"},
		"a failure of the previous generation is not this one's": {
			doc:   certificateHead + `status: {observedGeneration: 1, conditions: [{type: Ready, status: "False", reason: Failed}]}`,
			state: Progressing, reason: "LatestGenerationNotObserved", message: "generation is 2, but latest observed generation is 1"},
		"a failed Ready while Reconciling is still in progress": {
			doc: certificateHead + `status: {conditions: [{type: Ready, status: "False", reason: Failed},
				{type: Reconciling, status: "True", reason: Retrying, message: "retrying"}]}`,
			state: Progressing, reason: "Retrying", message: "retrying"},
		"Stalled=True fails with the condition's reason and message": {
			doc: `
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: hello, namespace: apps}
status: {conditions: [{type: Stalled, status: "True", reason: RevisionFailed, message: "Revision hello-00002 failed with message: Back-off pulling image"}]}`,
			state: Failed, reason: "RevisionFailed", message: "Back-off pulling image"},
		"observedGeneration behind generation is in progress": {
			doc: `
apiVersion: example.org/v1
kind: Widget
metadata: {name: w, namespace: apps, generation: 5}
status: {observedGeneration: 4}`,
			state: Progressing, reason: "LatestGenerationNotObserved", message: "Widget generation is 5"},
		"Crossplane claim still creating": {
			doc: `
apiVersion: database.example.org/v1alpha1
kind: PostgreSQLInstance
metadata: {name: db, namespace: apps, generation: 1}
status: {conditions: [{type: Synced, status: "True", reason: ReconcileSuccess}, {type: Ready, status: "False", reason: Creating}]}`,
			state: Progressing, reason: "Creating"},
		"Argo Rollout with a numeric string observedGeneration": {
			doc: `
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web, namespace: apps, generation: 3}
status: {observedGeneration: "2", phase: Progressing}`,
			state: Progressing, reason: "LatestGenerationNotObserved"},
		"Argo Rollout with a spec hash as observedGeneration": {
			doc: `
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: web, namespace: apps, generation: 3}
status: {observedGeneration: "7d9f8c6b5", phase: Healthy}`,
			state: Ready, reason: "Current"},
		"custom resource being deleted": {
			doc: `
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: web-tls, namespace: apps, deletionTimestamp: "2026-01-01T00:00:00Z", finalizers: [example.org/keep]}`,
			state: Progressing, reason: "Terminating"},
		"CronJob is ready once created": {
			doc: `
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: apps}
spec: {schedule: "0 3 * * *"}`,
			state: Ready, reason: "Current"},
		"HorizontalPodAutoscaler that observed its spec": {
			doc: `
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: apps, generation: 2}
status: {observedGeneration: 2, currentReplicas: 2, desiredReplicas: 2}`,
			state: Ready, reason: "Current"},
		"HorizontalPodAutoscaler behind its spec": {
			doc: `
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web, namespace: apps, generation: 2}
status: {observedGeneration: 1}`,
			state: Progressing, reason: "LatestGenerationNotObserved"},
		"PodDisruptionBudget": {
			doc: `
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: apps, generation: 1}
status: {observedGeneration: 1, disruptionsAllowed: 1}`,
			state: Ready, reason: "Current", message: "AllowedDisruptions has been computed"},
		"Ingress": {
			doc: `
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: apps, generation: 1}
status: {loadBalancer: {}}`,
			state: Ready, reason: "Current"},
		"CustomResourceDefinition whose names are rejected": {
			doc: `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.org}
status: {conditions: [{type: NamesAccepted, status: "False", reason: MultipleNamesConflict, message: "plural is already in use"}]}`,
			state: Failed, reason: "MultipleNamesConflict", message: "plural is already in use"},
		"custom resource without any status yet (kstatus cannot tell: Current)": {
			doc:   certificateHead,
			state: Ready, reason: "Current"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			u := manifest(t, tc.doc)
			v := ClassifyStatus(u)
			if v.State != tc.state || v.Reason != tc.reason || !strings.Contains(v.Message, tc.message) {
				t.Fatalf("got %s/%s %q, want %s/%s containing %q", v.State, v.Reason, v.Message, tc.state, tc.reason, tc.message)
			}
			if v.Failed() != v.Definitive {
				t.Errorf("a kstatus failure must be definitive, and only a failure: %+v", v)
			}
			if want := resourceName(u.GetKind(), u.GetName()); v.Resource != want {
				t.Errorf("resource %q, want %q", v.Resource, want)
			}
			if got := Classify(u, time.Now(), ClassifyOptions{}); got != v {
				t.Errorf("Classify %+v differs from ClassifyStatus %+v", got, v)
			}
		})
	}
}
