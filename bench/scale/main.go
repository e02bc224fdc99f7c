// Command scale is the scale benchmark of issue 15: a chart of N Deployments × R replicas on
// the local KWOK cluster at several pod counts, deployed by helm-deploy-action, by
// `helm upgrade --install --atomic --wait` and by `helm upgrade` + `kubedog multitrack`:
// healthy install and upgrade wall times, the verdict on one failing Deployment among the
// others and the end of the rollback, and each tool's peak RSS, API requests (counted by a
// loopback proxy every tool talks through), watches, log streams and output; the action's own
// HDA_STATS_FILE numbers besides. bench/scale/run.sh builds the tools and calls it; it writes
// the Markdown tables, the targets and the plot (bench/scale/RESULTS.md, scale.png).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

type config struct {
	kubeconfig, sizes, out, png, raw, replay string
	reps                                     int
	timeout, failTimeout                     time.Duration
	wait                                     bool
}

func main() {
	var b bench
	var c config
	flag.StringVar(&b.root, "root", ".", "repository root")
	flag.StringVar(&c.kubeconfig, "kubeconfig", "", "kubeconfig of the local cluster (the bench's own access)")
	flag.StringVar(&b.action, "action", "bin/helm-deploy-action", "helm-deploy-action binary")
	flag.StringVar(&b.helm, "helm", "helm", "helm CLI")
	flag.StringVar(&b.kubedog, "kubedog", "kubedog", "kubedog CLI")
	flag.StringVar(&b.logs, "logs", os.TempDir(), "directory for per-run logs and stats files")
	flag.StringVar(&c.sizes, "sizes", "10,100,1000", "comma-separated pod counts")
	flag.IntVar(&c.reps, "reps", 1, "repetitions of every run")
	flag.DurationVar(&c.timeout, "timeout", 10*time.Minute, "timeout of the healthy deploys")
	flag.DurationVar(&c.failTimeout, "fail-timeout", 2*time.Minute, "timeout of the failing upgrade (Helm only decides at it)")
	flag.BoolVar(&c.wait, "wait", true, "also run the 2 s / 20 s ready-delay upgrades at the smallest size")
	flag.StringVar(&c.out, "out", "", "write the Markdown results here")
	flag.StringVar(&c.png, "png", "", "write the plot here")
	flag.StringVar(&c.raw, "raw", "", "write every run as JSON here")
	flag.StringVar(&c.replay, "replay", "", "read the runs from this JSON file (from -raw) instead of running")
	flag.Parse()
	if err := mainErr(&b, c); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

// sizeOf spreads pods over Deployments: 2 replicas up to 10 pods, 4 up to 100, then 10.
func sizeOf(pods int) size {
	r := 10
	switch {
	case pods <= 10:
		r = 2
	case pods <= 100:
		r = 4
	}
	return size{Pods: pods, Deps: max(pods/r, 1), Replicas: r}
}

func mainErr(b *bench, c config) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var sizes []size
	for _, s := range strings.Split(c.sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 2 {
			return fmt.Errorf("size %q: want a pod count ≥ 2", s)
		}
		sizes = append(sizes, sizeOf(n))
	}
	slices.SortFunc(sizes, func(a, b size) int { return a.Pods - b.Pods })
	var all []result
	began := time.Now()
	if c.replay != "" {
		data, err := os.ReadFile(c.replay)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(data, &all); err != nil {
			return fmt.Errorf("%s: %w", c.replay, err)
		}
	} else {
		var err error
		if all, err = runAll(ctx, b, c, sizes); err != nil {
			return err
		}
	}
	took := time.Since(began)
	if c.raw != "" {
		data, _ := json.MarshalIndent(all, "", " ")
		if err := os.WriteFile(c.raw, data, 0o644); err != nil {
			return err
		}
	}
	rep := report{all: all, bins: binaries(b), timeout: c.timeout, failTimeout: c.failTimeout, took: took}
	md := rep.markdown()
	fmt.Print(md)
	if c.out != "" {
		if err := os.WriteFile(c.out, []byte(md), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", c.out, err)
		}
	}
	if c.png != "" {
		if err := plotScale(all, c.png); err != nil {
			return fmt.Errorf("plot: %w", err)
		}
	}
	return ctx.Err()
}

// runAll runs every tool at every size, REPS times, one after the other.
func runAll(ctx context.Context, b *bench, c config, sizes []size) ([]result, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", c.kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	cfg.QPS, cfg.Burst = 50, 100
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("clientset: %w", err)
	}
	if err := os.MkdirAll(b.logs, 0o755); err != nil {
		return nil, err
	}
	if b.px, err = newProxy(cfg, b.logs); err != nil {
		return nil, err
	}
	defer b.px.close()
	largest := sizes[len(sizes)-1].Pods
	// Room for the largest release, its surge pods and a namespace still being emptied.
	n, err := ensureNodes(ctx, cs, largest+largest/2+100)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "[scale] %d fake nodes of %d pods added; proxy at %s\n", n, podsPerNode, b.px.srv.URL)
	var all []result
	for rep := 1; rep <= c.reps && ctx.Err() == nil; rep++ {
		for i, sz := range sizes {
			for _, tool := range tools {
				if ctx.Err() != nil {
					break
				}
				all = append(all, b.series(ctx, cs, sz, tool, rep, c.timeout, c.failTimeout, c.wait && i == 0)...)
			}
		}
	}
	return all, nil
}
