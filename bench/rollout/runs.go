package main

import (
	"context"
	"fmt"
	"os"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

var listAll = metav1.ListOptions{}

// Tools compared.
const (
	toolOurs        = "ours"
	toolOursDefault = "ours-default" // healthy only: min-ready-seconds left at its default
	toolHelm        = "helm"
	toolKubedog     = "kubedog"
)

// result is one run of one tool on one mode.
type result struct {
	mode, tool string
	rep        int
	start      time.Time
	state      time.Time // definitive failing state first seen (failure modes)
	early      time.Time // the mode's earlier state first seen
	verdict    time.Time // the tool's failure verdict (zero: none)
	rollback   time.Time // rollback revision deployed (zero: none)
	end        time.Time // the tool exited
	exit       int       // -1: killed at the cap
	err        error
	signals    string
}

// seconds returns b-a in seconds and whether both are set.
func seconds(a, b time.Time) (float64, bool) {
	if a.IsZero() || b.IsZero() {
		return 0, false
	}
	return b.Sub(a).Seconds(), true
}

func (r result) String() string {
	v, vok := seconds(r.state, r.verdict)
	rb, rok := seconds(r.verdict, r.rollback)
	s := fmt.Sprintf("%-13s %-12s #%d exit=%d wall=%.2fs", r.mode, r.tool, r.rep, r.exit, r.end.Sub(r.start).Seconds())
	if vok {
		s += fmt.Sprintf(" verdict=%+.2fs", v)
	}
	if rok {
		s += fmt.Sprintf(" rollback=+%.2fs", rb)
	}
	if r.err != nil {
		s += " error: " + r.err.Error()
	}
	return s
}

// prepare creates the namespace, installs the healthy baseline and starts the watch.
func (b *bench) prepare(ctx context.Context, cs kubernetes.Interface, m mode, ns string) (*signals, error) {
	nsObj := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"hda.test/bench": "true"}}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, nsObj, metav1.CreateOptions{}); err != nil {
		return nil, fmt.Errorf("create namespace %s: %w", ns, err)
	}
	if err := b.baseline(ctx, m, ns); err != nil {
		return nil, err
	}
	return watchNamespace(ctx, cs, ns, m.release)
}

// once runs one tool on one mode in a fresh namespace and deletes the namespace afterwards.
func (b *bench) once(ctx context.Context, cs kubernetes.Interface, m mode, tool string, rep int) result {
	r := result{mode: m.name, tool: tool, rep: rep}
	ns := fmt.Sprintf("bench-%s-%s-%d", m.name, tool, rep)
	wctx, cancel := context.WithCancel(ctx)
	defer func() {
		cancel()
		// Deleting in the background keeps the next run from waiting for finalizers.
		_ = cs.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{})
	}()
	sig, err := b.prepare(wctx, cs, m, ns)
	if err != nil {
		r.err = err
		return r
	}
	var p proc
	switch tool {
	case toolOurs:
		p, err = b.ours(ctx, m, ns, minReadyFor(m))
		r.verdict = p.firstMatch(ourVerdict)
	case toolOursDefault:
		p, err = b.ours(ctx, m, ns, "")
	case toolHelm:
		p, err = b.helmWait(ctx, m, ns)
		r.verdict = p.firstMatch(helmVerdict)
	case toolKubedog:
		var hp proc
		hp, err = b.helmNoWait(ctx, m, ns)
		if err == nil && hp.exit != 0 {
			err = fmt.Errorf("helm upgrade without wait exited %d", hp.exit)
		}
		if err == nil {
			p, err = b.kubedogTrack(ctx, m, ns)
			p.start = hp.start
			if p.exit > 0 {
				r.verdict = p.end
			}
		}
	}
	r.start, r.end, r.exit, r.err = p.start, p.end, p.exit, err
	time.Sleep(time.Second) // let the last watch events (release Secrets) arrive
	if r.verdict.IsZero() && r.exit > 0 && tool != toolKubedog {
		r.verdict = sig.at("release:v2:failed")
	}
	if m.state != "" {
		r.state = sig.at(m.state)
	}
	if m.early != "" {
		r.early = sig.at(m.early)
	}
	if tool != toolKubedog {
		r.rollback = sig.releaseAt(2, "deployed")
	}
	r.signals = sig.String()
	fmt.Fprintf(os.Stderr, "[bench] %s\n", r)
	return r
}

// minReadyFor is the min-ready-seconds input of our runs: the default (10 s) for the failure
// modes, 0 for the healthy comparison with Helm.
func minReadyFor(m mode) string {
	if m.state == "" {
		return "0"
	}
	return ""
}
