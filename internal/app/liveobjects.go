package app

import (
	"context"
	"fmt"

	"github.com/helmdeploy/helm-deploy-action/internal/diff"
	"github.com/helmdeploy/helm-deploy-action/internal/kube"
)

// liveObjectsOf reads the cluster's current state of the given objects, keyed as diff keys
// them; an object that does not exist is absent.
func liveObjectsOf(ctx context.Context, s *State, objs ...[]diff.Object) (map[diff.Key]diff.Object, error) {
	seen := map[diff.Key]bool{}
	var refs []kube.ObjectRef
	for _, list := range objs {
		for _, o := range list {
			if seen[o.Key()] {
				continue
			}
			seen[o.Key()] = true
			refs = append(refs, kube.ObjectRef{APIVersion: o.APIVersion, Kind: o.Kind, Namespace: o.Namespace, Name: o.Name})
		}
	}
	bodies, err := s.Cluster.Kube.LiveObjects(ctx, refs)
	if err != nil {
		return nil, err
	}
	out := map[diff.Key]diff.Object{}
	for ref, body := range bodies {
		o, err := diff.NewObject(body, s.Config.Namespace)
		if err != nil {
			return nil, fmt.Errorf("%s/%s: %w", ref.Kind, ref.Name, err)
		}
		// Key by the manifest's identity (a cluster-scoped object has no namespace in the
		// cluster, but the manifest side gave it the default one).
		out[diff.KeyOf(ref.APIVersion, ref.Kind, nsOr(ref.Namespace, s.Config.Namespace), ref.Name)] = o
	}
	return out, nil
}

func nsOr(ns, def string) string {
	if ns == "" {
		return def
	}
	return ns
}

func (s *State) diffOptions() diff.Options {
	return diff.Options{Secrets: s.Config.Secrets, ReleaseName: s.Config.Release, ReleaseNamespace: s.Config.Namespace}
}
