package kube

import (
	"context"
	"fmt"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// CreatedByAnnotation marks a namespace this action created, with the release it was created
// for: only such a namespace may be deleted by the uninstall task.
const CreatedByAnnotation = "helm-deploy-action.github.io/created-for-release"

// EnsureNamespace creates the namespace, marked as created by this action for release, when
// it does not exist. It reports whether it created it.
func (c *Clients) EnsureNamespace(ctx context.Context, name, release string) (bool, error) {
	_, err := c.Clientset.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	if err == nil {
		return false, nil
	}
	if !apierrors.IsNotFound(err) {
		return false, fmt.Errorf("reading namespace %s: %w", name, err)
	}
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name:        name,
		Labels:      map[string]string{"app.kubernetes.io/managed-by": "helm-deploy-action"},
		Annotations: map[string]string{CreatedByAnnotation: release},
	}}
	if _, err := c.Clientset.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		if apierrors.IsAlreadyExists(err) {
			return false, nil
		}
		return false, fmt.Errorf("creating namespace %s: %w", name, err)
	}
	return true, nil
}

// NamespaceOwner returns the release the action created the namespace for ("" when the
// action did not create it), and whether the namespace exists.
func (c *Clients) NamespaceOwner(ctx context.Context, name string) (release string, exists bool, err error) {
	ns, err := c.Clientset.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return ns.Annotations[CreatedByAnnotation], true, nil
}

// Leftovers lists what still lives in a namespace ("kind/name"), ignoring what Kubernetes puts
// in every namespace (the default ServiceAccount, kube-root-ca.crt) and the given release's
// Helm records.
func (c *Clients) Leftovers(ctx context.Context, ns, release string) ([]string, error) {
	cs := c.Clientset
	var out []string
	add := func(kind, name string) { out = append(out, kind+"/"+name) }
	list := []func() error{
		func() error {
			l, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
			for _, o := range listItems(l, err) {
				add("pod", o.(*corev1.Pod).Name)
			}
			return err
		},
		func() error {
			l, err := cs.CoreV1().Services(ns).List(ctx, metav1.ListOptions{})
			for _, o := range listItems(l, err) {
				add("service", o.(*corev1.Service).Name)
			}
			return err
		},
		func() error {
			l, err := cs.CoreV1().PersistentVolumeClaims(ns).List(ctx, metav1.ListOptions{})
			for _, o := range listItems(l, err) {
				add("persistentvolumeclaim", o.(*corev1.PersistentVolumeClaim).Name)
			}
			return err
		},
		func() error {
			l, err := cs.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{})
			for _, o := range listItems(l, err) {
				if n := o.(*corev1.ConfigMap).Name; n != "kube-root-ca.crt" {
					add("configmap", n)
				}
			}
			return err
		},
		func() error {
			l, err := cs.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{})
			for _, o := range listItems(l, err) {
				s := o.(*corev1.Secret)
				if s.Type == "helm.sh/release.v1" && s.Labels["name"] == release {
					continue
				}
				add("secret", s.Name)
			}
			return err
		},
		func() error {
			l, err := cs.AppsV1().Deployments(ns).List(ctx, metav1.ListOptions{})
			if l != nil {
				for _, d := range l.Items {
					add("deployment", d.Name)
				}
			}
			return err
		},
		func() error {
			l, err := cs.AppsV1().StatefulSets(ns).List(ctx, metav1.ListOptions{})
			if l != nil {
				for _, d := range l.Items {
					add("statefulset", d.Name)
				}
			}
			return err
		},
	}
	for _, f := range list {
		if err := f(); err != nil {
			return nil, fmt.Errorf("listing what is left in namespace %s: %w", ns, err)
		}
	}
	sort.Strings(out)
	return out, nil
}

func listItems(l any, err error) []any {
	if err != nil || l == nil {
		return nil
	}
	var out []any
	switch v := l.(type) {
	case *corev1.PodList:
		for i := range v.Items {
			out = append(out, &v.Items[i])
		}
	case *corev1.ServiceList:
		for i := range v.Items {
			out = append(out, &v.Items[i])
		}
	case *corev1.PersistentVolumeClaimList:
		for i := range v.Items {
			out = append(out, &v.Items[i])
		}
	case *corev1.ConfigMapList:
		for i := range v.Items {
			out = append(out, &v.Items[i])
		}
	case *corev1.SecretList:
		for i := range v.Items {
			out = append(out, &v.Items[i])
		}
	}
	return out
}

// DeleteNamespace deletes a namespace and waits, up to timeout, until it is gone.
func (c *Clients) DeleteNamespace(ctx context.Context, name string, timeout time.Duration) error {
	err := c.Clientset.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("deleting namespace %s: %w", name, err)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		if _, err := c.Clientset.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{}); apierrors.IsNotFound(err) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("namespace %s is still terminating after %s (finalizers of objects in it?)", name, timeout)
		case <-tick.C:
		}
	}
}

// WaitPodsGone waits until no pod matching selector is left in ns, calling left with the
// names still there each time the set changes, and event with each new event of those pods
// (Killing, FailedKillPod, ...) as "pod reason: message". It returns the pods left at the timeout.
func (c *Clients) WaitPodsGone(ctx context.Context, ns, selector string, timeout time.Duration, left func([]string), event func(string)) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var last string
	seen := map[string]bool{}
	for {
		l, err := c.Clientset.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
		if err != nil && ctx.Err() == nil {
			return nil, fmt.Errorf("listing pods %s in %s: %w", selector, ns, err)
		}
		var names []string
		if l != nil {
			for _, p := range l.Items {
				names = append(names, p.Name)
			}
		}
		if err == nil && len(names) == 0 {
			return nil, nil
		}
		if key := fmt.Sprint(names); key != last && left != nil {
			last = key
			left(names)
		}
		if event != nil && len(names) > 0 {
			c.podEvents(ctx, ns, names, seen, event)
		}
		select {
		case <-ctx.Done():
			return names, nil
		case <-tick.C:
		}
	}
}

// podEvents reports the events of the given pods not reported yet.
func (c *Clients) podEvents(ctx context.Context, ns string, pods []string, seen map[string]bool, event func(string)) {
	l, err := c.Clientset.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "involvedObject.kind=Pod"})
	if err != nil {
		return
	}
	want := map[string]bool{}
	for _, p := range pods {
		want[p] = true
	}
	for _, e := range l.Items {
		key := string(e.UID) + "/" + fmt.Sprint(e.Count)
		if seen[key] || !want[e.InvolvedObject.Name] {
			continue
		}
		seen[key] = true
		event(fmt.Sprintf("pod/%s %s %s: %s", e.InvolvedObject.Name, e.Type, e.Reason, e.Message))
	}
}
