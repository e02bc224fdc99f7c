package app

import (
	"strings"

	"github.com/helmdeploy/helm-deploy-action/internal/config"
)

// ForTask is the pipeline of a task. The task input is validated by Read inputs, the first
// step of every pipeline; an unknown value gets the deploy pipeline, whose Read inputs fails.
func ForTask(task string) Pipeline {
	switch strings.ToLower(strings.TrimSpace(task)) {
	case config.TaskUninstall:
		return Uninstall()
	case config.TaskRollback:
		return Rollback()
	case config.TaskStatus:
		return Status()
	case config.TaskDiff:
		return Diff()
	}
	return Default()
}

// Uninstall removes a release under its lock, then retires the GitHub side: every active
// deployment of the environment is marked inactive, and the environment and the namespace are
// deleted when asked (the namespace only when this action created it and it is empty).
func Uninstall() Pipeline {
	return Pipeline{
		Steps: []Step{
			readInputs{},
			connect{},
			findNamespace{},
			acquireLock{},
			inspect{},
			recoverPending{},
			uninstall{},
			deleteNamespace{},
		},
		Finalizers: []Step{releaseLock{}, retireEnvironment{}, writeOutputs{}, writeSummary{}},
	}
}

// Rollback restores an earlier revision, tracked like a deploy; with atomic, a rollback whose
// target fails is itself rolled back to the revision that ran before.
func Rollback() Pipeline {
	return Pipeline{
		Steps: []Step{
			readInputs{},
			connect{},
			acquireLock{},
			inspect{},
			recoverPending{},
			planRollback{},
			prepareGitHub{},
			startProbing{},
			rollbackRelease{},
			smokeCheck{},
		},
		Finalizers: []Step{rollBack{}, releaseLock{}, reportGitHub{}, writeOutputs{}, writeSummary{}},
	}
}

// Status changes nothing: it reads the release's history and its workloads' readiness.
func Status() Pipeline {
	return Pipeline{
		Steps:      []Step{readInputs{}, connect{}, inspect{}, releaseStatus{}},
		Finalizers: []Step{writeOutputs{}, writeSummary{}},
	}
}

// Diff changes nothing: it renders the chart with the deploy's inputs and compares it with
// the release's last manifest and the live objects, and can post the result on the pull request.
func Diff() Pipeline {
	return Pipeline{
		Steps:      []Step{readInputs{}, connect{}, inspect{}, renderDiff{}, commentDiff{}},
		Finalizers: []Step{writeOutputs{}, writeSummary{}},
	}
}
