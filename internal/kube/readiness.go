package kube

import (
	"context"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Readiness is how ready one workload is right now.
type Readiness struct {
	Kind, Name     string
	Ready, Desired int32
	Found          bool
}

// String is "3/3 ready", "1/3 ready" or "missing".
func (r Readiness) String() string {
	if !r.Found {
		return "missing"
	}
	return fmt.Sprintf("%d/%d ready", r.Ready, r.Desired)
}

// WorkloadReadiness reads the readiness of a Deployment, StatefulSet or DaemonSet; ok is false
// for other kinds.
func (c *Clients) WorkloadReadiness(ctx context.Context, ns, kind, name string) (r Readiness, ok bool, err error) {
	r = Readiness{Kind: kind, Name: name, Found: true}
	apps := c.Clientset.AppsV1()
	switch strings.ToLower(kind) {
	case "deployment":
		d, e := apps.Deployments(ns).Get(ctx, name, metav1.GetOptions{})
		if e == nil {
			r.Ready, r.Desired = d.Status.ReadyReplicas, replicas(d.Spec.Replicas)
		}
		err = e
	case "statefulset":
		d, e := apps.StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
		if e == nil {
			r.Ready, r.Desired = d.Status.ReadyReplicas, replicas(d.Spec.Replicas)
		}
		err = e
	case "daemonset":
		d, e := apps.DaemonSets(ns).Get(ctx, name, metav1.GetOptions{})
		if e == nil {
			r.Ready, r.Desired = d.Status.NumberReady, d.Status.DesiredNumberScheduled
		}
		err = e
	default:
		return r, false, nil
	}
	if apierrors.IsNotFound(err) {
		r.Found = false
		return r, true, nil
	}
	return r, true, err
}

func replicas(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}
