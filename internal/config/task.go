package config

import (
	"sort"
	"strconv"
	"strings"
)

// Tasks the action can run.
const (
	TaskDeploy    = "deploy"
	TaskUninstall = "uninstall"
	TaskRollback  = "rollback"
	TaskStatus    = "status"
	TaskDiff      = "diff"
)

// Tasks lists the task input's values.
var Tasks = []string{TaskDeploy, TaskDiff, TaskUninstall, TaskRollback, TaskStatus}

// UninstallSpec is what the uninstall task removes besides the release.
type UninstallSpec struct {
	KeepHistory       bool
	DeletePVCs        bool
	DeleteNamespace   bool
	DeleteEnvironment bool
}

// Inputs that only some tasks read. An input missing here is read by every task that talks to
// the cluster (release, namespace, kubeconfig and cluster inputs, github-token, environment).
var taskInputs = map[string][]string{
	"chart":                  {TaskDeploy, TaskDiff},
	"version":                {TaskDeploy, TaskDiff},
	"repository":             {TaskDeploy, TaskDiff},
	"repository-username":    {TaskDeploy, TaskDiff},
	"repository-password":    {TaskDeploy, TaskDiff},
	"values-files":           {TaskDeploy, TaskDiff},
	"values":                 {TaskDeploy, TaskDiff},
	"set":                    {TaskDeploy, TaskDiff},
	"secret-values":          {TaskDeploy, TaskDiff},
	"create-namespace":       {TaskDeploy},
	"atomic":                 {TaskDeploy, TaskRollback},
	"wait":                   {TaskDeploy, TaskRollback, TaskUninstall},
	"timeout":                {TaskDeploy, TaskRollback, TaskUninstall},
	"cleanup-on-fail":        {TaskDeploy, TaskRollback},
	"history-max":            {TaskDeploy, TaskRollback},
	"dry-run":                {TaskDeploy, TaskUninstall},
	"lock-timeout":           {TaskDeploy, TaskRollback, TaskUninstall},
	"lock-ttl":               {TaskDeploy, TaskRollback, TaskUninstall},
	"recover-pending":        {TaskDeploy, TaskRollback, TaskUninstall},
	"environment-url":        {TaskDeploy, TaskRollback},
	"create-deployment":      {TaskDeploy, TaskRollback},
	"transient-environment":  {TaskDeploy, TaskRollback},
	"production-environment": {TaskDeploy, TaskRollback},
	"auto-inactive":          {TaskDeploy, TaskRollback},
	"deployment-description": {TaskDeploy, TaskRollback},
	"ref":                    {TaskDeploy, TaskRollback},
	"failures-allowed":       {TaskDeploy, TaskRollback},
	"min-ready-seconds":      {TaskDeploy, TaskRollback},
	"logs":                   {TaskDeploy, TaskRollback},
	"log-containers":         {TaskDeploy, TaskRollback},
	"log-lines-on-failure":   {TaskDeploy, TaskRollback},
	"max-log-streams":        {TaskDeploy, TaskRollback},
	"revision":               {TaskRollback},
	"drift":                  {TaskDeploy},
	"force-rollout":          {TaskDeploy},
	"verify-url":             {TaskDeploy, TaskRollback},
	"verify-timeout":         {TaskDeploy, TaskRollback},
	"verify-successes":       {TaskDeploy, TaskRollback},
	"verify-status":          {TaskDeploy, TaskRollback},
	"verify-body":            {TaskDeploy, TaskRollback},
	"verify-during-rollout":  {TaskDeploy, TaskRollback},
	"verify-max-failures":    {TaskDeploy, TaskRollback},
	"pr-comment":             {TaskDiff},
	"keep-history":           {TaskUninstall},
	"delete-pvcs":            {TaskUninstall},
	"delete-namespace":       {TaskUninstall},
	"delete-environment":     {TaskUninstall},
}

// TasksReading lists the tasks that read an input (nil: every task).
func TasksReading(input string) []string { return taskInputs[input] }

func (r *reader) task() string {
	t := r.enum("task", Tasks...)
	if t == "" {
		return TaskDeploy
	}
	// An input set to something other than its default for a task that does not read it is
	// a mistake (a deploy input in an uninstall job): say so instead of ignoring it.
	var names []string
	for name := range taskInputs {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		tasks := taskInputs[name]
		if contains(tasks, t) {
			continue
		}
		v, spec := r.raw(name)
		if v == "" || v == spec.Default || (spec.Default == "" && isDefaultish(v)) {
			continue
		}
		r.fail(name, redactIf(spec, v), "is not used by task %s (it is read by task %s): remove it from this step", t, strings.Join(tasks, ", "))
	}
	return t
}

// isDefaultish tells values that mean "not set" for inputs without a default.
func isDefaultish(v string) bool { return v == "false" }

func redactIf(spec *InputSpec, v string) string {
	if spec.Secret {
		return Redacted
	}
	return v
}

func (r *reader) revision(task string) int {
	v := r.str("revision")
	if v == "" || task != TaskRollback {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		r.fail("revision", v, "must be a revision number (1, 2, ...) from `helm history`; leave it empty to roll back to the previous deployed revision")
		return 0
	}
	return n
}

func (r *reader) uninstall() UninstallSpec {
	return UninstallSpec{
		KeepHistory:       r.bool("keep-history"),
		DeletePVCs:        r.bool("delete-pvcs"),
		DeleteNamespace:   r.bool("delete-namespace"),
		DeleteEnvironment: r.bool("delete-environment"),
	}
}
