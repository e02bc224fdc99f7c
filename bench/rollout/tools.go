package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/actionrun"
)

// mode is one benchmark scenario: a chart, the values that break (or, for healthy, change)
// the upgrade, and the signal (see signals) that marks the definitive failing state.
type mode struct {
	name     string
	chart    string // directory under examples/charts
	release  string
	workload string // kind/name tracked by kubedog
	set      map[string]string
	state    string // definitive failing state; "" for healthy
	early    string // an earlier, possibly transient state worth printing ("" if none)
}

func modes() []mode {
	web := func(behaviour, state, early string) mode {
		return mode{name: behaviour, chart: "web", release: "web", workload: "deployment/web",
			set: map[string]string{"behaviour": behaviour, "message": "broken"}, state: state, early: early}
	}
	return []mode{
		web("crashloop", "waiting:CrashLoopBackOff", "terminated:Error"),
		web("imagepull", "waiting:ImagePullBackOff", "waiting:ErrImagePull"),
		web("configerror", "waiting:CreateContainerConfigError", ""),
		web("unschedulable", "unschedulable", ""),
		web("flapping", "crash", ""),
		web("oomkilled", "terminated:OOMKilled", ""),
		{name: "hookjob", chart: "stateful", release: "stateful", workload: "statefulset/stateful",
			set: map[string]string{"migration.fail": "true", "message": "broken"}, state: "job:Failed", early: "phase:Failed"},
	}
}

func healthy() mode {
	return mode{name: "healthy", chart: "web", release: "web", workload: "deployment/web",
		set: map[string]string{"message": "upgraded"}}
}

// setKeys returns the mode's value keys sorted, for stable command lines.
func (m mode) setKeys() []string {
	keys := make([]string, 0, len(m.set))
	for k := range m.set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// bench holds the paths of the tools and the cluster.
type bench struct {
	root       string // repository root (charts, action binary)
	kubeconfig string
	action     string
	helm       string
	kubedog    string
	logs       string // directory of per-run logs
	timeout    time.Duration
}

func (b *bench) chartPath(m mode) string { return filepath.Join(b.root, "examples", "charts", m.chart) }

func (b *bench) logFile(ns string) string { return filepath.Join(b.logs, ns+".log") }

// helmArgs builds `helm upgrade --install` for the mode with extra flags; set=false deploys
// the mode's healthy baseline (message=stable).
func (b *bench) helmArgs(m mode, ns string, set bool, extra ...string) []string {
	args := []string{b.helm, "upgrade", "--install", m.release, b.chartPath(m), "-n", ns, "--kubeconfig", b.kubeconfig}
	if set {
		for _, k := range m.setKeys() {
			args = append(args, "--set", k+"="+m.set[k])
		}
	} else {
		args = append(args, "--set", "message=stable")
	}
	return append(args, extra...)
}

// baseline installs revision 1, healthy, and waits for it.
func (b *bench) baseline(ctx context.Context, m mode, ns string) error {
	p, err := run(ctx, b.logFile(ns), nil, 2*time.Minute, b.helmArgs(m, ns, false, "--wait", "--timeout", "90s")...)
	if err != nil {
		return err
	}
	if p.exit != 0 {
		return fmt.Errorf("baseline install in %s exited %d (log %s)", ns, p.exit, b.logFile(ns))
	}
	return nil
}

// helmWait runs `helm upgrade --install --atomic --wait --timeout T --debug`.
func (b *bench) helmWait(ctx context.Context, m mode, ns string) (proc, error) {
	args := b.helmArgs(m, ns, true, "--atomic", "--wait", "--timeout", b.timeout.String(), "--debug")
	return run(ctx, b.logFile(ns), nil, b.timeout+time.Minute, args...)
}

// helmNoWait runs `helm upgrade --install` without waiting (the kubedog flow's first step).
func (b *bench) helmNoWait(ctx context.Context, m mode, ns string) (proc, error) {
	return run(ctx, b.logFile(ns), nil, time.Minute, b.helmArgs(m, ns, true)...)
}

// kubedogTrack runs `kubedog rollout track KIND NAME -n NS`, killed after the bench timeout.
func (b *bench) kubedogTrack(ctx context.Context, m mode, ns string) (proc, error) {
	kind, name, _ := strings.Cut(m.workload, "/")
	return run(ctx, b.logFile(ns), nil, b.timeout,
		b.kubedog, "--kube-config", b.kubeconfig, "rollout", "track", kind, name, "-n", ns)
}

// ours runs the action binary the way the Actions runner runs a container action (the shared
// harness internal/actionrun: every input of action.yml, the runner's variables and files).
// minReady "" keeps the input's default.
func (b *bench) ours(ctx context.Context, m mode, ns, minReady string) (proc, error) {
	kc, err := os.ReadFile(b.kubeconfig)
	if err != nil {
		return proc{}, fmt.Errorf("read kubeconfig: %w", err)
	}
	dir, err := os.MkdirTemp("", "hda-bench-")
	if err != nil {
		return proc{}, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	var set strings.Builder
	for _, k := range m.setKeys() {
		fmt.Fprintf(&set, "%s: %q\n", k, m.set[k])
	}
	inputs := map[string]string{
		"release": m.release, "namespace": ns, "chart": "./examples/charts/" + m.chart,
		"set": set.String(), "timeout": b.timeout.String(), "kubeconfig": string(kc),
	}
	if minReady != "" {
		inputs["min-ready-seconds"] = minReady
	}
	env, err := actionrun.Env(actionrun.Job{Root: b.root, Dir: dir, RunID: "1", Name: "bench", Workflow: "bench"}, inputs)
	if err != nil {
		return proc{}, err
	}
	return run(ctx, b.logFile(ns), env, b.timeout+time.Minute, b.action)
}

var (
	// ourVerdict: the tracker's diagnosis line ("deployment/web: CrashLoopBackOff (pod ...") or
	// Helm's own failure line, whichever the action prints first.
	ourVerdict = regexp.MustCompile(`^(deployment|statefulset|daemonset|job|pod|replicaset)/[^ :]+: |warning: (Upgrade|Install) "[^"]+" failed`)
	// helmVerdict: Helm's --debug line at the moment the upgrade is declared failed.
	helmVerdict = regexp.MustCompile(`warning: (Upgrade|Install) "[^"]+" failed`)
)
