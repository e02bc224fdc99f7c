package lock

import (
	"context"
	"strings"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func (a *acquirer) get(ctx context.Context) (*coordinationv1.Lease, error) {
	cctx, cancel := context.WithTimeout(ctx, apiCallTimeout)
	defer cancel()
	return a.leases.Get(cctx, a.name, metav1.GetOptions{})
}

func (a *acquirer) create(ctx context.Context) (*Held, error) {
	now := metav1.NewMicroTime(a.opts.Clock.Now())
	l := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: a.name, Namespace: a.opts.Namespace}}
	a.stamp(l, now, nil)
	cctx, cancel := context.WithTimeout(ctx, apiCallTimeout)
	defer cancel()
	created, err := a.leases.Create(cctx, l, metav1.CreateOptions{})
	if err != nil {
		return nil, err
	}
	return a.held(created, now.Time, nil), nil
}

// update writes our holder over a free or stale Lease; the resourceVersion
// read is kept, so the API server rejects it if anyone wrote in between.
func (a *acquirer) update(ctx context.Context, lease *coordinationv1.Lease, previous *Info) (*Held, error) {
	now := metav1.NewMicroTime(a.opts.Clock.Now())
	l := lease.DeepCopy()
	a.stamp(l, now, lease.Spec.HolderIdentity)
	cctx, cancel := context.WithTimeout(ctx, apiCallTimeout)
	defer cancel()
	updated, err := a.leases.Update(cctx, l, metav1.UpdateOptions{})
	if err != nil {
		return nil, err
	}
	return a.held(updated, now.Time, previous), nil
}

// stamp sets our holder, duration, times, labels and annotations on l.
func (a *acquirer) stamp(l *coordinationv1.Lease, now metav1.MicroTime, oldHolder *string) {
	if l.Labels == nil {
		l.Labels = map[string]string{}
	}
	l.Labels[managedByLabel] = managedByValue
	l.Annotations = withoutHolderAnnotations(l.Annotations)
	for k, v := range a.opts.Holder.annotations() {
		l.Annotations[k] = v
	}
	l.Annotations[AnnotationRelease] = a.opts.Release
	id, ttl := a.identity, a.opts.ttlSeconds()
	var transitions int32
	if l.Spec.LeaseTransitions != nil {
		transitions = *l.Spec.LeaseTransitions
	}
	if oldHolder != nil && *oldHolder != id {
		transitions++
	}
	l.Spec.HolderIdentity = &id
	l.Spec.LeaseDurationSeconds = &ttl
	l.Spec.AcquireTime = &now
	l.Spec.RenewTime = &now
	l.Spec.LeaseTransitions = &transitions
}

// withoutHolderAnnotations copies m without our holder annotations.
func withoutHolderAnnotations(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if !strings.HasPrefix(k, annotationPrefix) || k == AnnotationRelease {
			out[k] = v
		}
	}
	return out
}

func (a *acquirer) held(l *coordinationv1.Lease, wroteAt time.Time, previous *Info) *Held {
	return newHeld(a.opts, a.leases, a.name, a.identity, l, wroteAt, a.opts.Clock.Since(a.start), previous)
}
