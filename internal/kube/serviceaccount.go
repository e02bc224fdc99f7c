package kube

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
)

// ErrNoDefaultServiceAccount: a new namespace got no default ServiceAccount in time (the
// controller-manager's serviceaccount controller creates it); every pod that uses it fails
// to be created ("serviceaccount default not found") until it exists.
var ErrNoDefaultServiceAccount = errors.New("the namespace has no default ServiceAccount yet")

// WaitDefaultServiceAccount waits, by watch, until namespace ns has its default
// ServiceAccount, at most timeout; it returns how long it waited.
func (c *Clients) WaitDefaultServiceAccount(ctx context.Context, ns string, timeout time.Duration) (time.Duration, error) {
	start := time.Now()
	sas := c.Clientset.CoreV1().ServiceAccounts(ns)
	if _, err := sas.Get(ctx, "default", metav1.GetOptions{}); err == nil {
		return 0, nil
	} else if !apierrors.IsNotFound(err) {
		return 0, fmt.Errorf("reading ServiceAccount %s/default: %w", ns, err)
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	err := untilDefault(wctx, sas)
	waited := time.Since(start)
	switch {
	case err == nil:
		return waited, nil
	case ctx.Err() != nil:
		return waited, context.Cause(ctx)
	case wctx.Err() != nil:
		return waited, fmt.Errorf("%w after %s (namespace %s)", ErrNoDefaultServiceAccount, timeout, ns)
	}
	return waited, fmt.Errorf("watching ServiceAccount %s/default: %w", ns, err)
}

// untilDefault lists, then watches from the list's resourceVersion until the default
// ServiceAccount exists; a watch that closes (a timeout on the server) is listed and watched again.
func untilDefault(ctx context.Context, sas typedcorev1.ServiceAccountInterface) error {
	sel := fields.OneTermEqualSelector("metadata.name", "default").String()
	for {
		l, err := sas.List(ctx, metav1.ListOptions{FieldSelector: sel})
		if err != nil {
			return err
		}
		for _, sa := range l.Items {
			if sa.Name == "default" {
				return nil
			}
		}
		w, err := sas.Watch(ctx, metav1.ListOptions{FieldSelector: sel, ResourceVersion: l.ResourceVersion})
		if err != nil {
			return err
		}
		found, err := watchDefault(ctx, w)
		if found || err != nil {
			return err
		}
	}
}

func watchDefault(ctx context.Context, w watch.Interface) (bool, error) {
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return false, ctx.Err()
		case e, ok := <-w.ResultChan():
			if !ok {
				return false, nil
			}
			if sa, isSA := e.Object.(*corev1.ServiceAccount); isSA && sa.Name == "default" && (e.Type == watch.Added || e.Type == watch.Modified) {
				return true, nil
			}
		}
	}
}
