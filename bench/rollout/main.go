// Command rollout is the benchmark of issue 6: for each failure mode of the local KWOK cluster
// it measures the seconds from the definitive failing state appearing in the API to the verdict
// of helm-deploy-action, of `helm upgrade --install --atomic --wait` and of werf's kubedog, and
// the time our atomic rollback needs after the verdict; for a healthy upgrade, the wall times.
// bench/run.sh builds the tools and calls it; see bench/RESULTS.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

func main() {
	var b bench
	var reps int
	var only, out string
	flag.StringVar(&b.root, "root", ".", "repository root (charts and ./examples paths)")
	flag.StringVar(&b.kubeconfig, "kubeconfig", "", "kubeconfig of the local cluster")
	flag.StringVar(&b.action, "action", "bin/helm-deploy-action", "helm-deploy-action binary")
	flag.StringVar(&b.helm, "helm", "helm", "helm CLI")
	flag.StringVar(&b.kubedog, "kubedog", "kubedog", "kubedog CLI")
	flag.StringVar(&b.logs, "logs", os.TempDir(), "directory for the per-run logs")
	flag.DurationVar(&b.timeout, "timeout", 2*time.Minute, "deploy timeout of every tool (and kubedog's cap)")
	flag.IntVar(&reps, "reps", 3, "repetitions of our and kubedog's runs (helm's failure runs run once)")
	flag.StringVar(&only, "modes", "", "comma-separated failure modes to run (default all), or none")
	flag.StringVar(&out, "out", "", "write the markdown tables to this file too")
	flag.Parse()
	if err := mainErr(&b, reps, only, out); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func mainErr(b *bench, reps int, only, out string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cfg, err := clientcmd.BuildConfigFromFlags("", b.kubeconfig)
	if err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	cfg.QPS, cfg.Burst = 50, 100
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("clientset: %w", err)
	}
	if err := os.MkdirAll(b.logs, 0o755); err != nil {
		return fmt.Errorf("logs dir: %w", err)
	}
	selected := modes()
	if only != "" {
		want := strings.Split(only, ",")
		selected = slices.DeleteFunc(selected, func(m mode) bool { return !slices.Contains(want, m.name) })
	}
	began := time.Now()
	all := b.failures(ctx, cs, selected, reps)
	all = append(all, b.healthy(ctx, cs, reps)...)
	md := markdown(selected, all, b.timeout, time.Since(began))
	fmt.Print(md)
	if out != "" {
		if err := os.WriteFile(out, []byte(md), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", out, err)
		}
	}
	return ctx.Err()
}

// failures runs Helm's timeout-bound runs once per mode, all at once in the background, while
// our runs and kubedog's run in turn, rep by rep. A tool that ran into the timeout on a mode is
// not run again on it (its median would only repeat the timeout). To find out without spending
// the timeout in the foreground, a first kubedog run per mode (rep 0) also runs in the
// background: it is kept only when it ran into the timeout (kubedog never reported), else the
// foreground reps measure kubedog without that background load.
func (b *bench) failures(ctx context.Context, cs kubernetes.Interface, ms []mode, reps int) []result {
	var mu sync.Mutex
	var all []result
	capped := map[string]bool{} // mode/tool
	add := func(r result) {
		mu.Lock()
		defer mu.Unlock()
		all = append(all, r)
		if r.end.Sub(r.start) >= b.timeout {
			capped[r.mode+"/"+r.tool] = true
		}
	}
	isCapped := func(m mode, tool string) bool {
		mu.Lock()
		defer mu.Unlock()
		return capped[m.name+"/"+tool]
	}
	var wg sync.WaitGroup
	probed := map[string]chan struct{}{}
	for _, m := range ms {
		wg.Go(func() { add(b.once(ctx, cs, m, toolHelm, 1)) })
		if m.chart == "stateful" {
			continue // a hook runs inside `helm upgrade`: there is nothing for kubedog to track
		}
		done := make(chan struct{})
		probed[m.name] = done
		wg.Go(func() {
			defer close(done)
			if r := b.once(ctx, cs, m, toolKubedog, 0); r.end.Sub(r.start) >= b.timeout {
				add(r)
			}
		})
	}
	for _, m := range ms {
		for rep := 1; rep <= reps && ctx.Err() == nil; rep++ {
			if !isCapped(m, toolOurs) {
				add(b.once(ctx, cs, m, toolOurs, rep))
			}
			if done, ok := probed[m.name]; ok {
				<-done
				if !isCapped(m, toolKubedog) {
					add(b.once(ctx, cs, m, toolKubedog, rep))
				}
			}
		}
	}
	wg.Wait()
	return all
}

// healthy upgrades a healthy release: ours with min-ready-seconds 0 and with the default,
// Helm with --atomic --wait, and helm without wait followed by kubedog.
func (b *bench) healthy(ctx context.Context, cs kubernetes.Interface, reps int) []result {
	var all []result
	for rep := 1; rep <= reps && ctx.Err() == nil; rep++ {
		for _, tool := range []string{toolOurs, toolHelm, toolOursDefault, toolKubedog} {
			all = append(all, b.once(ctx, cs, healthy(), tool, rep))
		}
	}
	return all
}
