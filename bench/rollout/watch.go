package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// signals records, per run, the first time each observable state was seen through a watch of
// the run's namespace. Keys:
//
//	waiting:<Reason>     a (init) container waiting with that reason
//	terminated:<Reason>  a container terminated (now or as lastState) with that reason
//	crash                a container terminated or restarted (restartCount > 0)
//	unschedulable        PodScheduled=False with reason Unschedulable
//	phase:Failed         a pod in phase Failed
//	job:Failed           a Job with condition Failed=True
//	release:v<N>:<st>    Helm's release Secret of revision N with label status=<st>
//
// Pods that existed when the watch started (the healthy baseline) are ignored.
type signals struct {
	mu    sync.Mutex
	first map[string]time.Time
	old   map[types.UID]bool
}

func (s *signals) mark(key string, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.first[key]; !ok {
		s.first[key] = at
	}
}

// at returns the first time key was seen (zero if never).
func (s *signals) at(key string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.first[key]
}

// releaseAt returns the first time any revision above rev of the release had status st.
func (s *signals) releaseAt(above int, st string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	var best time.Time
	for k, t := range s.first {
		var n int
		var got string
		if _, err := fmt.Sscanf(k, "release:v%d:%s", &n, &got); err != nil || n <= above || got != st {
			continue
		}
		if best.IsZero() || t.Before(best) {
			best = t
		}
	}
	return best
}

func (s *signals) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for k, t := range s.first {
		fmt.Fprintf(&b, "%s=%s ", k, t.Format("15:04:05.000"))
	}
	return b.String()
}

// watchNamespace starts informers on the namespace's pods, Jobs and Helm release Secrets of
// release rel. Pods present at the start are the baseline and ignored. It returns once the
// caches are synced; the informers stop with ctx.
func watchNamespace(ctx context.Context, cs kubernetes.Interface, ns, rel string) (*signals, error) {
	s := &signals{first: map[string]time.Time{}, old: map[types.UID]bool{}}
	pods, err := cs.CoreV1().Pods(ns).List(ctx, listAll)
	if err != nil {
		return nil, fmt.Errorf("list baseline pods: %w", err)
	}
	for _, p := range pods.Items {
		s.old[p.UID] = true
	}
	f := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace(ns))
	onPod := func(obj any) {
		if p, ok := obj.(*corev1.Pod); ok && !s.old[p.UID] {
			podSignals(s, p, time.Now())
		}
	}
	if _, err := f.Core().V1().Pods().Informer().AddEventHandler(handler(onPod)); err != nil {
		return nil, fmt.Errorf("pod handler: %w", err)
	}
	onJob := func(obj any) {
		if j, ok := obj.(*batchv1.Job); ok {
			for _, c := range j.Status.Conditions {
				if c.Type == batchv1.JobFailed && c.Status == corev1.ConditionTrue {
					s.mark("job:Failed", time.Now())
				}
			}
		}
	}
	if _, err := f.Batch().V1().Jobs().Informer().AddEventHandler(handler(onJob)); err != nil {
		return nil, fmt.Errorf("job handler: %w", err)
	}
	onSecret := func(obj any) {
		if sec, ok := obj.(*corev1.Secret); ok && sec.Labels["owner"] == "helm" && sec.Labels["name"] == rel {
			s.mark(fmt.Sprintf("release:v%s:%s", sec.Labels["version"], sec.Labels["status"]), time.Now())
		}
	}
	if _, err := f.Core().V1().Secrets().Informer().AddEventHandler(handler(onSecret)); err != nil {
		return nil, fmt.Errorf("secret handler: %w", err)
	}
	f.Start(ctx.Done())
	for typ, ok := range f.WaitForCacheSync(ctx.Done()) {
		if !ok {
			return nil, fmt.Errorf("cache of %v did not sync", typ)
		}
	}
	return s, nil
}

func handler(fn func(any)) cache.ResourceEventHandlerFuncs {
	return cache.ResourceEventHandlerFuncs{
		AddFunc:    fn,
		UpdateFunc: func(_, obj any) { fn(obj) },
	}
}

// podSignals marks every failing state the pod shows.
func podSignals(s *signals, p *corev1.Pod, now time.Time) {
	if p.DeletionTimestamp != nil {
		return
	}
	if p.Status.Phase == corev1.PodFailed {
		s.mark("phase:Failed", now)
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
			s.mark("unschedulable", now)
		}
	}
	statuses := append(append([]corev1.ContainerStatus{}, p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...)
	for _, cs := range statuses {
		if w := cs.State.Waiting; w != nil && w.Reason != "" {
			s.mark("waiting:"+w.Reason, now)
		}
		for _, t := range []*corev1.ContainerStateTerminated{cs.State.Terminated, cs.LastTerminationState.Terminated} {
			if t != nil && t.Reason != "" {
				s.mark("terminated:"+t.Reason, now)
			}
		}
		crashed := cs.RestartCount > 0 || cs.LastTerminationState.Terminated != nil ||
			(cs.State.Terminated != nil && cs.State.Terminated.ExitCode != 0)
		if crashed && p.Spec.RestartPolicy != corev1.RestartPolicyNever {
			s.mark("crash", now)
		}
	}
}
