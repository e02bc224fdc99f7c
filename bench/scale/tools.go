package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/actionrun"
)

// Tools compared.
const (
	toolOurs    = "ours"    // bin/helm-deploy-action, run like the Actions runner runs it
	toolHelm    = "helm"    // helm upgrade --install --atomic --wait
	toolKubedog = "kubedog" // helm upgrade --install, then kubedog multitrack (helm rollback on failure)
)

var tools = []string{toolOurs, toolHelm, toolKubedog}

const release = "scale"

// values are chart values as YAML scalars (typed the same by helm --set and our `set` input).
type values map[string]string

func (v values) keys() []string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// bench holds the paths of the tools and the cluster.
type bench struct {
	root, action, helm, kubedog string
	logs                        string // per-run logs
	px                          *proxy
}

func (b *bench) chart() string { return filepath.Join(b.root, "bench", "scale", "chart") }

func (b *bench) logFile(ns string) string { return filepath.Join(b.logs, ns+".log") }

// helmArgs is `helm <verb> … -n ns` through the proxy with the values and extra flags.
func (b *bench) helmArgs(ns string, v values, extra ...string) []string {
	args := []string{b.helm, "upgrade", "--install", release, b.chart(), "-n", ns, "--kubeconfig", b.px.kubeconfig}
	for _, k := range v.keys() {
		args = append(args, "--set", k+"="+v[k])
	}
	return append(args, extra...)
}

// helmWait runs `helm upgrade --install --atomic --wait --timeout T --debug`.
func (b *bench) helmWait(ctx context.Context, ns string, v values, timeout time.Duration) (proc, error) {
	args := b.helmArgs(ns, v, "--atomic", "--wait", "--timeout", timeout.String(), "--debug")
	return run(ctx, b.logFile(ns), nil, "", timeout+2*time.Minute, args...)
}

// kubedogFlow runs `helm upgrade --install` without waiting, then `kubedog multitrack` over
// every Deployment; when kubedog fails and rollback is set, `helm rollback --wait` follows.
// It returns the procs that ran, in order.
func (b *bench) kubedogFlow(ctx context.Context, ns string, v values, deps int, timeout time.Duration, rollback bool) ([]proc, error) {
	up, err := run(ctx, b.logFile(ns), nil, "", 2*time.Minute, b.helmArgs(ns, v)...)
	if err != nil || up.exit != 0 {
		return []proc{up}, orExit(err, "helm upgrade without wait", up.exit)
	}
	type spec struct{ ResourceName, Namespace string }
	var specs struct{ Deployments []spec }
	for i := range deps {
		specs.Deployments = append(specs.Deployments, spec{fmt.Sprintf("app-%d", i), ns})
	}
	in, _ := json.Marshal(specs)
	tr, err := run(ctx, b.logFile(ns), nil, string(in), timeout+time.Minute, b.kubedog,
		"--kube-config", b.px.kubeconfig, "-t", strconv.Itoa(int(timeout.Seconds())), "multitrack")
	procs := []proc{up, tr}
	if err != nil || tr.exit == 0 || !rollback {
		return procs, err
	}
	rb, err := run(ctx, b.logFile(ns), nil, "", timeout+2*time.Minute, b.helm, "rollback", release, "-n", ns,
		"--kubeconfig", b.px.kubeconfig, "--wait", "--timeout", timeout.String())
	return append(procs, rb), err
}

func orExit(err error, what string, exit int) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%s exited %d", what, exit)
}

// ours runs the action binary the way the Actions runner runs a container action (the shared
// harness internal/actionrun: every input of action.yml, the runner's variables and files),
// with the HDA_STATS_FILE switch; minReady "" keeps the input's default.
func (b *bench) ours(ctx context.Context, ns string, v values, minReady string, timeout time.Duration, statsPath string) (proc, error) {
	kc, err := os.ReadFile(b.px.kubeconfig)
	if err != nil {
		return proc{}, fmt.Errorf("read kubeconfig: %w", err)
	}
	dir, err := os.MkdirTemp("", "hda-scale-")
	if err != nil {
		return proc{}, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(dir)
	var set strings.Builder
	for _, k := range v.keys() {
		fmt.Fprintf(&set, "%s: %s\n", k, v[k])
	}
	inputs := map[string]string{
		"release": release, "namespace": ns, "chart": "./bench/scale/chart",
		"set": set.String(), "timeout": timeout.String(), "kubeconfig": string(kc),
	}
	if minReady != "" {
		inputs["min-ready-seconds"] = minReady
	}
	env, err := actionrun.Env(actionrun.Job{Root: b.root, Dir: dir, RunID: "1", Name: "bench", Workflow: "bench"}, inputs)
	if err != nil {
		return proc{}, err
	}
	env = append(env, "HDA_STATS_FILE="+statsPath)
	return run(ctx, b.logFile(ns), env, "", timeout+2*time.Minute, b.action)
}

var (
	// ourVerdict: the tracker's diagnosis headline ("deployment/app-3: CrashLoopBackOff (pod
	// …"), its ::error annotation, or Helm's own failure line, whichever comes first.
	ourVerdict = regexp.MustCompile(`^(deployment|statefulset|daemonset|job|pod|replicaset)/[^ :]+: |^::error |warning: (Upgrade|Install) "[^"]+" failed`)
	// helmVerdict: Helm's --debug line at the moment the upgrade is declared failed.
	helmVerdict = regexp.MustCompile(`warning: (Upgrade|Install) "[^"]+" failed`)
)

// firstMatch returns the time of the first line of p matching re (zero if none).
func firstMatch(p proc, re *regexp.Regexp) time.Time {
	for _, l := range p.lines {
		if re.MatchString(l.text) {
			return l.at
		}
	}
	return time.Time{}
}
