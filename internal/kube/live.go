package kube

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// ObjectRef names one object of a manifest.
type ObjectRef struct {
	APIVersion, Kind, Namespace, Name string
}

// LiveObjects reads the current state of each object; an object that does not exist is absent
// from the result, and so is one whose kind the API server does not serve (its CRD is gone).
// Cluster-scoped kinds are read without the namespace.
func (c *Clients) LiveObjects(ctx context.Context, refs []ObjectRef) (map[ObjectRef]map[string]any, error) {
	mapper, err := c.Getter.ToRESTMapper()
	if err != nil {
		return nil, fmt.Errorf("discovering the API server's kinds: %w", err)
	}
	out := map[ObjectRef]map[string]any{}
	for _, r := range refs {
		gv, err := schema.ParseGroupVersion(r.APIVersion)
		if err != nil {
			return nil, fmt.Errorf("%s/%s: apiVersion %q: %w", r.Kind, r.Name, r.APIVersion, err)
		}
		m, err := mapper.RESTMapping(gv.WithKind(r.Kind).GroupKind(), gv.Version)
		if meta.IsNoMatchError(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s/%s: %w", r.Kind, r.Name, err)
		}
		res := c.Dynamic.Resource(m.Resource)
		var obj interface {
			UnstructuredContent() map[string]any
		}
		if m.Scope.Name() == meta.RESTScopeNameNamespace {
			ns := r.Namespace
			if ns == "" {
				ns = c.Namespace
			}
			obj, err = res.Namespace(ns).Get(ctx, r.Name, metav1.GetOptions{})
		} else {
			obj, err = res.Get(ctx, r.Name, metav1.GetOptions{})
		}
		switch {
		case apierrors.IsNotFound(err):
			continue
		case err != nil:
			return nil, fmt.Errorf("reading %s/%s: %w", r.Kind, r.Name, err)
		}
		out[r] = obj.UnstructuredContent()
	}
	return out, nil
}
