package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/lock"
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

// leaseEvent is a change of the release's Lease as delivered to the benchmark's watch.
type leaseEvent struct {
	At     time.Time
	Holder string
}

// leaseWatch records every change of one release's Lease with the local time it arrived.
type leaseWatch struct {
	w      watch.Interface
	mu     sync.Mutex
	events []leaseEvent
	done   chan struct{}
}

func watchLease(ctx context.Context, cs kubernetes.Interface, ns, release string) (*leaseWatch, error) {
	w, err := cs.CoordinationV1().Leases(ns).Watch(ctx, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("metadata.name", lock.LeaseName(release)).String(),
	})
	if err != nil {
		return nil, fmt.Errorf("watch the Lease: %w", err)
	}
	lw := &leaseWatch{w: w, done: make(chan struct{})}
	go func() {
		defer close(lw.done)
		for ev := range w.ResultChan() {
			l, ok := ev.Object.(*coordinationv1.Lease)
			if !ok {
				continue
			}
			holder := ""
			if l.Spec.HolderIdentity != nil {
				holder = *l.Spec.HolderIdentity
			}
			lw.mu.Lock()
			lw.events = append(lw.events, leaseEvent{At: time.Now(), Holder: holder})
			lw.mu.Unlock()
		}
	}()
	return lw, nil
}

func (lw *leaseWatch) stop() {
	lw.w.Stop()
	<-lw.done
}

// handoff finds, after since, the first event clearing the holder and the next one naming a
// holder, and returns the time between their arrivals. It waits up to 5 s for them.
func (lw *leaseWatch) handoff(since time.Time) (time.Duration, error) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		lw.mu.Lock()
		var released *leaseEvent
		for i := range lw.events {
			ev := lw.events[i]
			switch {
			case ev.At.Before(since):
			case released == nil && ev.Holder == "":
				released = &ev
			case released != nil && ev.Holder != "":
				lw.mu.Unlock()
				return ev.At.Sub(released.At), nil
			}
		}
		lw.mu.Unlock()
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("the Lease watch saw no release followed by a new holder after %s", since.Format(time.RFC3339Nano))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
