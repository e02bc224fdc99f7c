//go:build e2e

package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// clientset talks to the test cluster with the kubeconfig the action gets.
func clientset(t *testing.T) kubernetes.Interface {
	t.Helper()
	cfg, err := clientcmd.RESTConfigFromKubeConfig(h.kubeconfig)
	if err != nil {
		t.Fatalf("kubeconfig: %v", err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatalf("clientset: %v", err)
	}
	return cs
}

var nonName = regexp.MustCompile(`[^a-z0-9-]+`)

// uniqueName makes a DNS-1123 label from the test name plus a random suffix.
func uniqueName(t *testing.T, prefix string) string {
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	base := nonName.ReplaceAllString(strings.ToLower(t.Name()), "-")
	base = strings.Trim(prefix+"-"+base, "-")
	if len(base) > 40 {
		base = strings.TrimRight(base[:40], "-")
	}
	return base + "-" + hex.EncodeToString(b)
}

// deleteNamespaceAtCleanup removes the namespace (and so the release's objects) after the test.
func deleteNamespaceAtCleanup(t *testing.T, cs kubernetes.Interface, ns string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := cs.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("delete namespace %s: %v", ns, err)
		}
	})
}

// newNamespace creates a unique namespace for one test and deletes it afterwards.
func newNamespace(t *testing.T, cs kubernetes.Interface) string {
	t.Helper()
	ns := uniqueName(t, "e2e")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	obj := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns, Labels: map[string]string{"hda.test/e2e": "true"}}}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, obj, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create namespace: %v", err)
	}
	deleteNamespaceAtCleanup(t, cs, ns)
	waitDefaultServiceAccount(t, cs, ns, 20*time.Second)
	return ns
}

// waitDefaultServiceAccount waits until the controller-manager has created the namespace's
// default ServiceAccount: until then pods cannot be created in it (FailedCreate "serviceaccount
// default not found"), which a test must not take for the action's doing.
func waitDefaultServiceAccount(t *testing.T, cs kubernetes.Interface, ns string, timeout time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	sel := fields.OneTermEqualSelector("metadata.name", "default").String()
	for ctx.Err() == nil {
		list, err := cs.CoreV1().ServiceAccounts(ns).List(ctx, metav1.ListOptions{FieldSelector: sel})
		if err == nil && len(list.Items) > 0 {
			return
		}
		if err != nil {
			continue
		}
		w, err := cs.CoreV1().ServiceAccounts(ns).Watch(ctx, metav1.ListOptions{FieldSelector: sel, ResourceVersion: list.ResourceVersion})
		if err != nil {
			continue
		}
		for ev := range w.ResultChan() {
			if ev.Type == watch.Added {
				w.Stop()
				return
			}
		}
		w.Stop()
	}
	// The controller-manager did not create it (it can lag for minutes after the API server
	// restart test on a loaded machine): create it as it would, so that the tests after it
	// test the action and not the controller-manager's reconnect.
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: ns}}
	cctx, ccancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer ccancel()
	if _, err := cs.CoreV1().ServiceAccounts(ns).Create(cctx, sa, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("namespace %s has no default ServiceAccount after %s, and creating it failed: %v", ns, timeout, err)
	}
	t.Logf("namespace %s had no default ServiceAccount after %s (controller-manager lagging): created it", ns, timeout)
}

// releaseSecrets lists the Secrets Helm stored for a release: revision → status label.
func releaseSecrets(t *testing.T, cs kubernetes.Interface, ns, rel string) map[int]string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	list, err := cs.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{LabelSelector: "owner=helm,name=" + rel})
	if err != nil {
		t.Fatalf("list release secrets: %v", err)
	}
	revs := map[int]string{}
	for _, s := range list.Items {
		v, err := strconv.Atoi(s.Labels["version"])
		if err != nil {
			t.Fatalf("secret %s: version label %q: %v", s.Name, s.Labels["version"], err)
		}
		if want := fmt.Sprintf("sh.helm.release.v1.%s.v%d", rel, v); s.Name != want {
			t.Errorf("release secret named %s, want %s", s.Name, want)
		}
		revs[v] = s.Labels["status"]
	}
	return revs
}

// storedRelease decodes one revision from Helm's Secret storage.
func storedRelease(t *testing.T, cs kubernetes.Interface, ns, rel string, rev int) *release.Release {
	t.Helper()
	d := driver.NewSecrets(cs.CoreV1().Secrets(ns))
	r, err := d.Get(fmt.Sprintf("sh.helm.release.v1.%s.v%d", rel, rev))
	if err != nil {
		t.Fatalf("release %s revision %d: %v", rel, rev, err)
	}
	return r
}

// revisionsString renders a revision map in order, for messages.
func revisionsString(revs map[int]string) string {
	keys := make([]int, 0, len(revs))
	for k := range revs {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("v%d=%s", k, revs[k]))
	}
	return strings.Join(parts, " ")
}

func getDeployment(t *testing.T, cs kubernetes.Interface, ns, name string) *appsv1.Deployment {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, err := cs.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get deployment %s/%s: %v", ns, name, err)
	}
	return d
}

// containerEnv returns the value of an environment variable of the named container.
func containerEnv(d *appsv1.Deployment, container, name string) (string, bool) {
	for _, c := range d.Spec.Template.Spec.Containers {
		if c.Name != container {
			continue
		}
		for _, e := range c.Env {
			if e.Name == name {
				return e.Value, true
			}
		}
	}
	return "", false
}
