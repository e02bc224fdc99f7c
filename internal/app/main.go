package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/kube"
)

// Main runs one action invocation and returns the process exit code. getenv and out are the
// only ways it reads the environment or prints, so tests run it in-process.
func Main(ctx context.Context, getenv func(string) string, out io.Writer) int {
	kube.Quiet()
	start := time.Now()
	lines := &lineCounter{w: out}
	s := &State{Getenv: getenv, Log: NewLog(lines, getenv), Start: start, Now: time.Now}
	if path := getenv(StatsFileEnv); path != "" {
		s.apiStats = kube.NewAPIStats(start)
		defer func() {
			if err := writeStats(path, s, s.apiStats, lines); err != nil {
				s.Log.Warningf("%s: %v", StatsFileEnv, err)
			}
		}()
	}
	if path := getenv(CPUProfileEnv); path != "" {
		if stop, err := startCPUProfile(path); err == nil {
			defer stop()
		}
	}
	err := ForTask(getenv("INPUT_TASK")).Run(ctx, s)
	if err == nil {
		return 0
	}
	verb := "deploy"
	if s.Config != nil && s.Config.Task != "" && s.Config.Task != "deploy" {
		verb = s.Config.Task
	}
	title := "Helm " + verb + " failed"
	if errors.Is(err, ErrCancelled) {
		title = "Helm " + verb + " cancelled"
	}
	if s.Deploy.Failure != nil {
		// The rollout's ::error annotation was printed already; the full diagnosis goes to the log.
		s.Log.Infof("%s", s.Log.Redact(err.Error()))
		return 1
	}
	s.Log.Errorf(title, "%s", s.Log.Redact(err.Error()))
	return 1
}

// Default is the pipeline of a normal run.
func Default() Pipeline {
	return Pipeline{
		Steps: []Step{
			readInputs{},
			prepareGitHub{},
			connect{},
			acquireLock{},
			inspect{},
			recoverPending{},
			checkDrift{},
			startProbing{},
			deploy{},
			smokeCheck{},
		},
		Finalizers: []Step{
			rollBack{},
			releaseLock{},
			reportGitHub{},
			writeOutputs{},
			writeSummary{},
		},
	}
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
