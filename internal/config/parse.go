// Package config reads the action's inputs from the environment the runner
// gives a container action (INPUT_<NAME> with hyphens kept, GITHUB_*),
// validates all of them and reports every bad input at once.
//
// It is pure: ParseWith touches nothing but the getenv and readFile
// functions it is given (readFile only for the event payload at
// GITHUB_EVENT_PATH), and the working directory when GITHUB_WORKSPACE is
// relative. Parse is ParseWith with os.ReadFile.
package config

import (
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Config is the validated configuration of one run.
type Config struct {
	// Task is deploy, uninstall, rollback or status.
	Task            string
	Release         string
	Namespace       string
	CreateNamespace bool

	Chart ChartSpec
	// ValuesFiles are absolute, clean paths in the order given.
	ValuesFiles []string
	// Values, Set and SecretValues are the inline value layers; Set is
	// already expanded from dotted keys. Nil when the input is empty.
	Values       map[string]any
	Set          map[string]any
	SecretValues map[string]any

	Atomic        bool
	Wait          bool
	CleanupOnFail bool
	DryRun        bool
	Timeout       time.Duration
	HistoryMax    int

	// Kubeconfig is the kubeconfig content from the kubeconfig input (already
	// base64-decoded); nil when the input is empty.
	Kubeconfig     []byte
	KubeconfigPath string // absolute; empty when not given
	KubeContext    string
	// Revision is the rollback target (0: the previous deployed revision).
	Revision int
	// Uninstall says what the uninstall task removes besides the release.
	Uninstall UninstallSpec
	// Verify is the smoke check after the rollout; Change the drift check, forced rollout
	// and pull-request comment.
	Verify VerifySpec
	Change ChangeSpec

	// Cluster is the managed-cluster login (inputs cluster, cluster-server, ... audience).
	Cluster ClusterSpec

	// Workspace is the absolute GITHUB_WORKSPACE ("." when unset).
	Workspace string

	LockTimeout    time.Duration
	LockTTL        time.Duration
	RecoverPending bool

	GitHub  GitHubSpec
	Rollout RolloutSpec

	// Secrets are the strings to register with ::add-mask:: before anything
	// is printed: secret inputs, every scalar of secret-values, and the raw
	// and decoded kubeconfig with the credentials in it. Deduplicated.
	Secrets []string
}

// MinLockTTL is the shortest lock-ttl accepted.
const MinLockTTL = 5 * time.Second

// Upper limits of the inputs, far above what a real deploy needs, so that a
// typo (an extra zero, a unit of h for m) fails at once with a clear error.
const (
	// MaxTimeout bounds timeout and lock-timeout: a GitHub-hosted job is
	// stopped after 6h.
	MaxTimeout = 6 * time.Hour
	// MaxLockTTL bounds lock-ttl: a lock left by a killed run blocks the
	// release for this long.
	MaxLockTTL = 10 * time.Minute
	// MaxMinReady bounds min-ready-seconds.
	MaxMinReady = time.Hour
	// MaxLogLinesOnFailure bounds log-lines-on-failure.
	MaxLogLinesOnFailure = 10000
)

var (
	timeoutLimit  = limit{MaxTimeout, "a GitHub-hosted job is stopped after 6h anyway"}
	lockTTLLimit  = limit{MaxLockTTL, "a lock left by a killed run blocks the release this long; a live run renews its lock however long it deploys"}
	minReadyLimit = limit{MaxMinReady, "the stability window runs inside the deploy; watch longer with monitoring"}
)

// Parse reads and validates every input. On any problem it returns a nil
// Config and all problems joined with errors.Join, each an *InputError.
func Parse(getenv func(string) string) (*Config, error) {
	return ParseWith(getenv, os.ReadFile)
}

// ParseWith is Parse reading the event payload with readFile.
func ParseWith(getenv func(string) string, readFile func(string) ([]byte, error)) (*Config, error) {
	r := &reader{getenv: getenv, readFile: readFile}
	ws := workspace(getenv)
	task := r.task()
	c := &Config{
		Task:            task,
		Workspace:       ws,
		Release:         r.release(),
		Namespace:       r.namespace(),
		CreateNamespace: r.bool("create-namespace"),
		Revision:        r.revision(task),
		Uninstall:       r.uninstall(),
		Verify:          r.verify(),
		Change:          r.change(),
		ValuesFiles:     r.valuesFiles(ws),
		Values:          r.mapping("values"),
		Set:             r.set(),
		SecretValues:    r.mapping("secret-values"),
		Atomic:          r.bool("atomic"),
		Wait:            r.bool("wait"),
		Timeout:         r.positiveDuration("timeout", timeoutLimit),
		CleanupOnFail:   r.bool("cleanup-on-fail"),
		HistoryMax:      r.nonNegativeInt("history-max"),
		DryRun:          r.bool("dry-run"),
		LockTimeout:     r.duration("lock-timeout", 0, timeoutLimit),
		LockTTL:         r.duration("lock-ttl", MinLockTTL, lockTTLLimit),
		RecoverPending:  r.bool("recover-pending"),
	}
	if task == TaskDeploy || task == TaskDiff {
		c.Chart = r.chart(ws)
	}
	kc := r.kubeconfig(ws)
	c.Kubeconfig, c.KubeconfigPath, c.KubeContext = kc.content, kc.path, kc.context
	c.Cluster = r.cluster()
	c.GitHub = r.github(c.Release)
	c.Rollout = r.rollout()

	var secrets []string
	for _, in := range Inputs {
		if in.Secret && in.Name != "secret-values" && in.Name != "kubeconfig" {
			secrets = append(secrets, r.str(in.Name))
		}
	}
	secrets = append(secrets, kc.secrets...)
	secrets = scalars(c.SecretValues, secrets)
	c.Secrets = dedupe(secrets)

	if err := r.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// ValueLayers returns the non-empty inline value layers in merge order:
// values, set, secret-values. They are merged after the values files.
func (c *Config) ValueLayers() []map[string]any {
	var out []map[string]any
	for _, m := range []map[string]any{c.Values, c.Set, c.SecretValues} {
		if len(m) > 0 {
			out = append(out, m)
		}
	}
	return out
}

func workspace(getenv func(string) string) string {
	ws := strings.TrimSpace(getenv("GITHUB_WORKSPACE"))
	if ws == "" {
		ws = "."
	}
	if abs, err := filepath.Abs(ws); err == nil {
		return abs
	}
	return filepath.Clean(ws)
}

func (r *reader) valuesFiles(ws string) []string {
	var out []string
	for _, p := range splitLines(r.str("values-files")) {
		abs, ok := resolvePath(ws, p)
		if !ok {
			r.fail("values-files", p, "%q leaves the workspace %s; use a path inside it or an absolute path", p, ws)
			continue
		}
		out = append(out, abs)
	}
	return out
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if strings.TrimSpace(s) == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}
