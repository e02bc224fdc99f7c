package config

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
)

func TestTaskInputs(t *testing.T) {
	cases := []struct {
		name string
		vars map[string]string
		want func(*Config) bool
	}{
		{"default deploy", nil, func(c *Config) bool { return c.Task == TaskDeploy && c.Chart.Ref != "" }},
		{"uninstall needs no chart", map[string]string{"task": "uninstall", "chart": ""},
			func(c *Config) bool { return c.Task == TaskUninstall && c.Chart.Ref == "" }},
		{"uninstall options", map[string]string{"task": "uninstall", "chart": "", "delete-namespace": "true", "delete-environment": "true", "keep-history": "true"},
			func(c *Config) bool {
				return c.Uninstall == UninstallSpec{KeepHistory: true, DeleteNamespace: true, DeleteEnvironment: true}
			}},
		{"rollback to previous", map[string]string{"task": "rollback", "chart": ""}, func(c *Config) bool { return c.Task == TaskRollback && c.Revision == 0 }},
		{"rollback to 3", map[string]string{"task": "Rollback", "chart": "", "revision": "3"}, func(c *Config) bool { return c.Revision == 3 }},
		{"status", map[string]string{"task": "status", "chart": ""}, func(c *Config) bool { return c.Task == TaskStatus }},
		{"defaults of other tasks' inputs are fine", map[string]string{"task": "status", "chart": "", "atomic": "true", "delete-pvcs": "false", "production-environment": "false"},
			func(c *Config) bool { return c.Task == TaskStatus }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := parseOK(t, c.vars); !c.want(got) {
				t.Fatalf("got %+v", got)
			}
		})
	}
}

func TestTaskInputsBad(t *testing.T) {
	cases := []struct {
		name   string
		vars   map[string]string
		want   []string
		reason string
	}{
		{"unknown task", map[string]string{"task": "destroy"}, []string{"task"}, "deploy, diff, uninstall, rollback, status"},
		{"deploy without chart", map[string]string{"chart": ""}, []string{"chart"}, "required"},
		{"chart with uninstall", map[string]string{"task": "uninstall"}, []string{"chart"}, "not used by task uninstall (it is read by task deploy, diff)"},
		{"values with rollback", map[string]string{"task": "rollback", "chart": "", "values": "a: 1"}, []string{"values"}, "not used by task rollback"},
		{"secret values redacted", map[string]string{"task": "status", "chart": "", "secret-values": "pw: hunter2"}, []string{"secret-values"}, "not used by task status"},
		{"revision with deploy", map[string]string{"revision": "2"}, []string{"revision"}, "read by task rollback"},
		{"revision not a number", map[string]string{"task": "rollback", "chart": "", "revision": "v2"}, []string{"revision"}, "revision number"},
		{"revision zero", map[string]string{"task": "rollback", "chart": "", "revision": "0"}, []string{"revision"}, "revision number"},
		{"delete-namespace with deploy", map[string]string{"delete-namespace": "true"}, []string{"delete-namespace"}, "read by task uninstall"},
		{"wait with status", map[string]string{"task": "status", "chart": "", "wait": "false"}, []string{"wait"}, "not used by task status"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(env(c.vars))
			if err == nil {
				t.Fatal("no error")
			}
			var got []string
			for _, ie := range InputErrors(err) {
				got = append(got, ie.Input)
			}
			sort.Strings(got)
			if !reflect.DeepEqual(got, c.want) || !strings.Contains(err.Error(), c.reason) {
				t.Fatalf("inputs %v (want %v): %v", got, c.want, err)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatal("a secret value is in the error")
			}
		})
	}
}

// Every input a task reads is declared, and the table names only known tasks.
func TestTaskInputsTable(t *testing.T) {
	for name, tasks := range taskInputs {
		_ = specByName(name)
		for _, task := range tasks {
			if !contains(Tasks, task) {
				t.Errorf("input %s: unknown task %s", name, task)
			}
		}
	}
}

func TestVerifyAndChangeInputs(t *testing.T) {
	c := parseOK(t, map[string]string{"verify-url": "https://web.example.com/healthz", "verify-status": "200, 204,300-399",
		"verify-during-rollout": "true", "verify-max-failures": "2", "drift": "fail", "force-rollout": "true"})
	if c.Verify.URL == "" || c.Verify.Statuses != "200,204,300-399" || c.Verify.Successes != 3 || !c.Verify.During ||
		c.Verify.MaxFailures != 2 || c.Change.Drift != "fail" || !c.Change.ForceRollout {
		t.Fatalf("got %+v %+v", c.Verify, c.Change)
	}
	d := parseOK(t, map[string]string{"task": "diff", "pr-comment": "true"})
	if d.Task != TaskDiff || !d.Change.PRComment || d.Chart.Ref == "" {
		t.Fatalf("diff: %+v", d)
	}
	bad := []struct {
		vars  map[string]string
		input string
	}{
		{map[string]string{"verify-url": "ftp://u:pw@x/?token=s3cr3t"}, "verify-url"},
		{map[string]string{"verify-url": "https://x", "verify-timeout": "500ms"}, "verify-timeout"},
		{map[string]string{"verify-url": "https://x", "verify-status": "2xx"}, "verify-status"},
		{map[string]string{"verify-url": "https://x", "verify-status": "399-200"}, "verify-status"},
		{map[string]string{"verify-url": "https://x", "verify-successes": "0"}, "verify-successes"},
		{map[string]string{"verify-url": "https://x", "verify-timeout": "2h"}, "verify-timeout"},
		{map[string]string{"drift": "maybe"}, "drift"},
		{map[string]string{"pr-comment": "true"}, "pr-comment"},
		{map[string]string{"task": "status", "chart": "", "verify-url": "https://x"}, "verify-url"},
	}
	for _, b := range bad {
		_, err := Parse(env(b.vars))
		ies := InputErrors(err)
		if strings.Contains(fmt.Sprint(err), "s3cr3t") || strings.Contains(fmt.Sprint(err), ":pw@") {
			t.Errorf("%v: the error shows a credential: %v", b.vars, err)
		}
		if len(ies) == 0 || ies[0].Input != b.input {
			t.Errorf("%v: err = %v, want input %s", b.vars, err, b.input)
		}
	}
}
