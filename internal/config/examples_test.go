package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestExampleWorkflowsUseDeclaredInputs: every `with:` key given to this action in
// examples/workflows is one of its inputs, and every required input is given.
func TestExampleWorkflowsUseDeclaredInputs(t *testing.T) {
	files, err := filepath.Glob("../../examples/workflows/*.yml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no example workflows in examples/workflows")
	}
	known := map[string]InputSpec{}
	for _, in := range Inputs {
		known[in.Name] = in
	}
	specs := map[string]InputSpec{}
	for _, in := range Inputs {
		specs[in.Name] = in
	}
	uses := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var wf struct {
			Jobs map[string]struct {
				Steps []struct {
					Uses string         `json:"uses"`
					With map[string]any `json:"with"`
				} `json:"steps"`
			} `json:"jobs"`
		}
		if err := yaml.Unmarshal(b, &wf); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for job, j := range wf.Jobs {
			for _, st := range j.Steps {
				if !strings.HasPrefix(st.Uses, "helmdeploy/helm-deploy-action@") {
					continue
				}
				uses++
				for k := range st.With {
					if _, ok := known[k]; !ok {
						t.Errorf("%s job %s: input %q is not an input of the action", filepath.Base(f), job, k)
					}
				}
				// An input the step's task does not read is an error at run time (unless it is
				// an expression, which may evaluate to empty).
				task, _ := st.With["task"].(string)
				if task == "" {
					task = TaskDeploy
				}
				if !strings.Contains(task, "${{") {
					for k, v := range st.With {
						sv := fmt.Sprint(v)
						spec, known := specs[k]
						isDefault := known && (sv == spec.Default || sv == "" || sv == "false")
						if tasks := TasksReading(k); tasks != nil && !contains(tasks, task) && !isDefault && !strings.Contains(sv, "${{") {
							t.Errorf("%s job %s: input %q is not read by task %s", filepath.Base(f), job, k, task)
						}
					}
					if _, ok := st.With["chart"]; task == TaskDeploy && !ok {
						t.Errorf("%s job %s: task deploy needs chart", filepath.Base(f), job)
					}
				}
				for _, in := range Inputs {
					if _, ok := st.With[in.Name]; in.Required && !ok {
						t.Errorf("%s job %s: required input %q is missing", filepath.Base(f), job, in.Name)
					}
				}
			}
		}
	}
	if uses == 0 {
		t.Fatal("no example uses the action")
	}
}
