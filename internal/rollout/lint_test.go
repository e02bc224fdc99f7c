package rollout

import (
	"strings"
	"testing"
)

const probedContainer = `
      containers:
      - name: app
        image: nginx
        readinessProbe:
          httpGet: {path: /, port: 80}`

func deployDoc(name, spec string) string {
	return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ` + name + `
spec:
` + spec + `
  template:
    spec:` + probedContainer + "\n"
}

func TestLint(t *testing.T) {
	tests := []struct {
		name     string
		manifest string
		want     []string // "resource: message fragment", in order
	}{
		{"safe deployment", deployDoc("web", "  replicas: 3"), nil},
		{"one replica default strategy is safe", deployDoc("web", "  replicas: 1"), nil},
		{"one replica maxUnavailable 1", deployDoc("web", "  replicas: 1\n  strategy:\n    rollingUpdate: {maxUnavailable: 1}"),
			[]string{"deployment/web: zero available pods"}},
		{"maxUnavailable 100 percent", deployDoc("api", "  replicas: 4\n  strategy:\n    rollingUpdate: {maxUnavailable: \"100%\"}"),
			[]string{"deployment/api: resolves to 4"}},
		{"maxUnavailable 3 of 4 keeps one", deployDoc("api", "  replicas: 4\n  strategy:\n    rollingUpdate: {maxUnavailable: 3}"), nil},
		{"both zero resolves unavailable to 1", deployDoc("web", "  replicas: 1\n  strategy:\n    rollingUpdate: {maxUnavailable: 0, maxSurge: 0}"),
			[]string{"deployment/web: resolves to 1"}},
		{"recreate is intentional", deployDoc("web", "  replicas: 1\n  strategy:\n    type: Recreate"), nil},
		{"missing readiness probe", `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  template:
    spec:
      containers:
      - name: postgres
        image: postgres
      initContainers:
      - name: init
        image: busybox
`, []string{`statefulset/db: container "postgres" has no readinessProbe`}},
		{"job needs no readiness probe", `apiVersion: batch/v1
kind: Job
metadata: {name: migrate}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: m, image: busybox}]
`, nil},
		{"preStop exec sleep beyond default grace", `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  template:
    spec:` + probedContainer + `
        lifecycle:
          preStop:
            exec: {command: ["/bin/sh", "-c", "sleep 45"]}
`, []string{`daemonset/agent: preStop hook sleeps 45s but terminationGracePeriodSeconds is 30`}},
		{"preStop sleep action beyond explicit grace", `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: app
    readinessProbe: {exec: {command: ["true"]}}
    lifecycle: {preStop: {sleep: {seconds: 10}}}
`, []string{`pod/p: sleeps 10s but terminationGracePeriodSeconds is 5`}},
		{"preStop sleep shorter than grace", `apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  terminationGracePeriodSeconds: 60
  containers:
  - name: app
    readinessProbe: {exec: {command: ["true"]}}
    lifecycle: {preStop: {exec: {command: [sleep, "15"]}}}
`, nil},
		{"multi document with separators and non-workloads", "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n" +
			deployDoc("a", "  replicas: 1\n  strategy:\n    rollingUpdate: {maxUnavailable: 1}") + "---\n# comment only\n---\n" +
			deployDoc("b", "  replicas: 1\n  strategy:\n    rollingUpdate: {maxUnavailable: \"100%\"}"),
			[]string{"deployment/a: zero available", "deployment/b: zero available"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Lint(tt.manifest)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d warnings %+v, want %d", len(got), got, len(tt.want))
			}
			for i, w := range tt.want {
				res, frag, _ := strings.Cut(w, ": ")
				if got[i].Resource != res || !strings.Contains(got[i].Message, frag) {
					t.Errorf("warning %d = %s: %q, want %s containing %q", i, got[i].Resource, got[i].Message, res, frag)
				}
			}
		})
	}
}
