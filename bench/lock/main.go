// Command lock measures the release lock of the compiled action on a real cluster:
//
//   - hand-off latency: a holder A deploys slow pods while a waiter B queues behind it; the time
//     from A starting its "Release lock" step to B holding the Lease and to B starting its
//     Deploy step (stdout lines stamped as they are read), and the same hand-off seen by a
//     Lease watch (holder cleared → next holder written);
//   - the overhead of the lock on an uncontended deploy: the "Acquire release lock" and
//     "Release lock" step durations the action prints ("done in 8ms"), next to the whole run.
//
// Run it from the repository root with the local cluster up (see README.md):
//
//	go run ./bench/lock -kubeconfig "$(make -s cluster-kubeconfig CLUSTER_NAME=hda-lock)"
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

func main() {
	var (
		kubeconfig = flag.String("kubeconfig", os.Getenv("E2E_KUBECONFIG"), "kubeconfig file of the cluster")
		binary     = flag.String("binary", "", "compiled action (default: go build into a temporary folder)")
		rounds     = flag.Int("rounds", 10, "hand-offs and uncontended deploys to measure")
		readyDelay = flag.String("ready-delay", "3s", "how long the holder's pods stay unready (the waiter queues meanwhile)")
		queue      = flag.Int("queue", 10, "processes started together for the contended queue measurement (0: skip)")
		out        = flag.String("out", "", "also write the results as Markdown to this file (bench/lock/RESULTS.md)")
	)
	flag.Parse()
	if err := run(*kubeconfig, *binary, *rounds, *readyDelay, *queue, *out); err != nil {
		fmt.Fprintln(os.Stderr, "bench/lock:", err)
		os.Exit(1)
	}
}

func run(kubeconfig, binary string, rounds int, readyDelay string, queue int, out string) error {
	if kubeconfig == "" {
		return fmt.Errorf("no cluster: pass -kubeconfig or set E2E_KUBECONFIG")
	}
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(root, "action.yml")); err != nil {
		return fmt.Errorf("run from the repository root: %w", err)
	}
	tmp, err := os.MkdirTemp("", "hda-bench-lock-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if binary == "" {
		binary = filepath.Join(tmp, "helm-deploy-action")
		cmd := exec.Command("go", "build", "-trimpath", "-o", binary, ".")
		cmd.Dir, cmd.Env = root, append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build: %w\n%s", err, out)
		}
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	ns := fmt.Sprintf("bench-lock-%d", time.Now().Unix())
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		return err
	}
	defer func() {
		_ = cs.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{})
	}()
	watch, err := watchLease(ctx, cs, ns, "bench")
	if err != nil {
		return err
	}
	defer watch.stop()

	r := &runner{binary: binary, root: root, kubeconfig: kubeconfig, tmp: tmp}
	inputs := func(msg, extra string) map[string]string {
		return map[string]string{
			"release": "bench", "namespace": ns, "chart": "examples/charts/web",
			"values":            "replicaCount: 1\nmessage: " + msg + "\n" + extra,
			"min-ready-seconds": "0", "lock-timeout": "5m", "history-max": "5",
			"timeout": "5m", "logs": "none", "kubeconfig-path": kubeconfig,
		}
	}
	once := func(name string, in map[string]string) (*proc, error) {
		p, err := r.start(name, in)
		if err != nil {
			return nil, err
		}
		return p, p.wait(ctx)
	}
	if _, err := once("install", inputs("install", "")); err != nil {
		return err
	}

	acquire := &stats{name: "uncontended: Acquire release lock step"}
	release := &stats{name: "uncontended: Release lock step"}
	deploy := &stats{name: "uncontended: Deploy step (for scale)"}
	wall := &stats{name: "uncontended: whole run, process wall time (for scale)"}
	for i := range rounds {
		p, err := once(fmt.Sprintf("uncontended-%d", i), inputs(fmt.Sprintf("u-%d", i), ""))
		if err != nil {
			return err
		}
		for st, step := range map[*stats]string{acquire: "Acquire release lock", release: "Release lock", deploy: "Deploy"} {
			d, err := p.stepDuration(step)
			if err != nil {
				return err
			}
			st.add(d)
		}
		wall.add(p.Ended.Sub(p.Started))
	}

	toHold := &stats{name: "hand-off (log): holder's Release lock step starts → waiter holds the Lease"}
	toDeploy := &stats{name: "hand-off (log): holder's Release lock step starts → waiter starts Deploy"}
	viaWatch := &stats{name: "hand-off (Lease watch): holder cleared → next holder written"}
	for i := range rounds {
		a, err := r.start(fmt.Sprintf("holder-%d", i), inputs(fmt.Sprintf("a-%d", i), "behaviour: slow\nreadyDelay: "+readyDelay+"\n"))
		if err != nil {
			return err
		}
		if _, err := a.waitLine(ctx, "holding Lease"); err != nil {
			return err
		}
		b, err := r.start(fmt.Sprintf("waiter-%d", i), inputs(fmt.Sprintf("b-%d", i), ""))
		if err != nil {
			return err
		}
		if _, err := b.waitLine(ctx, "is being deployed by"); err != nil {
			return fmt.Errorf("the waiter did not queue behind the holder (raise -ready-delay?): %w", err)
		}
		rel, err := a.waitLine(ctx, "::group::Release lock")
		if err != nil {
			return err
		}
		hold, err := b.waitLine(ctx, "holding Lease")
		if err != nil {
			return err
		}
		dep, err := b.waitLine(ctx, "::group::Deploy")
		if err != nil {
			return err
		}
		if err := a.wait(ctx); err != nil {
			return err
		}
		if err := b.wait(ctx); err != nil {
			return err
		}
		toHold.add(hold.At.Sub(rel.At))
		toDeploy.add(dep.At.Sub(rel.At))
		d, err := watch.handoff(rel.At)
		if err != nil {
			return err
		}
		viaWatch.add(d)
	}

	queued := &stats{name: fmt.Sprintf("queue of %d started together (log): one's Release lock step starts → next holds the Lease", queue)}
	if queue > 1 {
		if err := measureQueue(ctx, r, queue, inputs, queued); err != nil {
			return err
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "machine: %d CPUs (%s), %s/%s, %s, load average %s\n", runtime.NumCPU(), cpuModel(), runtime.GOOS, runtime.GOARCH, runtime.Version(), loadAvg())
	fmt.Fprintf(&b, "rounds: %d hand-offs (holder's pods unready for %s), %d uncontended upgrades, queue of %d; namespace %s\n\n", rounds, readyDelay, rounds, queue, ns)
	fmt.Fprintln(&b, tableHead)
	for _, s := range []*stats{toHold, toDeploy, viaWatch, queued, acquire, release, deploy, wall} {
		fmt.Fprintln(&b, s.row())
	}
	fmt.Print(b.String())
	if out == "" {
		return nil
	}
	return writeResults(root, out, b.String())
}

// writeResults writes the results file: when, at which commit, the measurements as printed,
// then the hand-written reading from bench/lock/notes.md.
func writeResults(root, out, measured string) error {
	rev := "unknown"
	if b, err := exec.Command("git", "-C", root, "rev-parse", "--short", "HEAD").Output(); err == nil {
		rev = strings.TrimSpace(string(b))
	}
	notes, err := os.ReadFile(filepath.Join(root, "bench", "lock", "notes.md"))
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# Release lock benchmark — results\n\n")
	fmt.Fprintf(&b, "Generated by `go run ./bench/lock -out bench/lock/RESULTS.md` (`make bench-lock`) on %s at commit %s,\n", time.Now().UTC().Format("2006-01-02 15:04 MST"), rev)
	fmt.Fprintf(&b, "against the local cluster of test/cluster. Every process shares the machine's cores.\n\n")
	b.WriteString(measured)
	b.WriteString("\n")
	b.Write(notes)
	return os.WriteFile(out, []byte(b.String()), 0o644)
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
