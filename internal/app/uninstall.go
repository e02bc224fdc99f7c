package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/ghdeploy"
	"github.com/helmdeploy/helm-deploy-action/internal/release"
)

// findNamespace ends an uninstall early, successfully, when the release's namespace is gone.
type findNamespace struct{}

func (findNamespace) String() string { return "Find namespace" }

func (findNamespace) Run(ctx context.Context, s *State) error {
	_, exists, err := s.Cluster.Kube.NamespaceOwner(ctx, s.Config.Namespace)
	if err != nil {
		return fmt.Errorf("reading namespace %q: %w", s.Config.Namespace, err)
	}
	if !exists {
		s.done("namespace %s does not exist: nothing to uninstall", s.Config.Namespace)
		return errDone
	}
	return nil
}

// uninstall runs helm uninstall (with hooks) and waits until the release's pods are gone.
type uninstall struct{}

func (uninstall) String() string { return "Uninstall" }

func (uninstall) Run(ctx context.Context, s *State) error {
	c := s.Config
	if s.Release.Before == nil {
		s.done("release %s does not exist in namespace %s: nothing to uninstall", c.Release, c.Namespace)
		return errDone
	}
	start := s.Now()
	opts := release.UninstallOptions{
		Release: c.Release, KeepHistory: c.Uninstall.KeepHistory, DeletePVCs: c.Uninstall.DeletePVCs,
		Wait: c.Wait, Timeout: c.Timeout, DryRun: c.DryRun,
	}
	if c.Wait && !c.DryRun {
		// The chart's delete hooks and the deletions Helm waits for are tracked: progress,
		// events, and an object that does not go away named with the reason (a finalizer...).
		tr := newTracking(s)
		opts.Waiter = tr
		defer diagnose(s, tr)
	}
	u, err := s.Cluster.Deployer.Uninstall(ctx, opts)
	if errors.Is(err, release.ErrNotInstalled) {
		s.done("%s: nothing to uninstall", err)
		return errDone
	}
	if err != nil {
		if tail := s.Cluster.Deployer.HelmLog().Tail(); tail != "" {
			return fmt.Errorf("helm uninstall %s: %w\n%s", c.Release, err, tail)
		}
		return fmt.Errorf("helm uninstall %s: %w", c.Release, err)
	}
	s.Task.Uninstalled = u
	gone := *s.Release.Before
	gone.Status = "uninstalled"
	s.Release.After = &gone
	for _, r := range u.Deleted {
		s.Log.Infof("  deleted %s/%s", strings.ToLower(r.Kind), r.Name)
	}
	line := fmt.Sprintf("uninstalled revision %d (%s-%s): deleted %d resources", u.Revision, u.ChartName, u.ChartVersion, len(u.Deleted))
	if c.DryRun {
		line = fmt.Sprintf("dry-run: would uninstall revision %d and delete %d resources", u.Revision, len(u.Deleted))
	}
	if len(u.Kept) > 0 {
		var kept []string
		for _, r := range u.Kept {
			kept = append(kept, strings.ToLower(r.Kind)+"/"+r.Name)
		}
		line += "; kept " + strings.Join(kept, ", ") + " (resource-policy keep, or a PVC: set delete-pvcs: true to delete PVCs)"
	}
	s.done("%s", line)
	if !c.Wait || c.DryRun {
		return nil
	}
	left, err := s.Cluster.Kube.WaitPodsGone(ctx, c.Namespace, "app.kubernetes.io/instance="+c.Release,
		max(c.Timeout-s.Now().Sub(start), 5*time.Second), func(names []string) {
			s.Log.Infof("waiting for %d pod(s) to terminate: %s", len(names), strings.Join(names, ", "))
		}, func(ev string) { s.Log.Infof("event %s", ev) })
	switch {
	case err != nil:
		s.warn("could not check that the release's pods are gone: %v", err)
	case len(left) > 0:
		s.warn("%d pod(s) of the release are still terminating after the timeout: %s", len(left), strings.Join(left, ", "))
	}
	return nil
}

// deleteNamespace deletes the release's namespace when asked, only when this action created it
// for this release and nothing else is left in it.
type deleteNamespace struct{}

func (deleteNamespace) String() string { return "Delete namespace" }

func (deleteNamespace) Run(ctx context.Context, s *State) error {
	c := s.Config
	if !c.Uninstall.DeleteNamespace {
		s.Log.Infof("delete-namespace is false: namespace %s stays", c.Namespace)
		return nil
	}
	if c.DryRun {
		s.Log.Infof("dry-run: namespace %s stays", c.Namespace)
		return nil
	}
	owner, exists, err := s.Cluster.Kube.NamespaceOwner(ctx, c.Namespace)
	switch {
	case err != nil:
		return fmt.Errorf("reading namespace %q: %w", c.Namespace, err)
	case !exists:
		return nil
	case owner == "":
		s.warn("namespace %s was not created by this action (create-namespace: true marks the namespaces it creates): it stays", c.Namespace)
		return nil
	case owner != c.Release:
		s.warn("namespace %s was created by this action for release %s, not %s: it stays", c.Namespace, owner, c.Release)
		return nil
	}
	left, err := s.Cluster.Kube.Leftovers(ctx, c.Namespace, c.Release)
	if err != nil {
		return err
	}
	if len(left) > 0 {
		s.warn("namespace %s stays: it still holds %s", c.Namespace, strings.Join(left, ", "))
		return nil
	}
	if s.Lock.Held != nil {
		// The Lease lives in the namespace: release it first, or its deletion reads as a lost lock.
		if err := s.Lock.Held.Release(ctx); err != nil {
			return fmt.Errorf("releasing Lease %s/%s before deleting its namespace: %w", c.Namespace, s.Lock.Held.LeaseName(), err)
		}
		s.Log.Infof("released Lease %s/%s before deleting the namespace", c.Namespace, s.Lock.Held.LeaseName())
		s.Lock.Held = nil
	}
	if err := s.Cluster.Kube.DeleteNamespace(ctx, c.Namespace, time.Minute); err != nil {
		return err
	}
	s.Task.NamespaceDeleted = true
	s.done("deleted namespace %s (created by this action for release %s, empty after the uninstall)", c.Namespace, c.Release)
	return nil
}

// retireEnvironment marks every active GitHub deployment of the environment inactive and, when
// asked, deletes the environment. It is a finalizer of the uninstall: it runs when the
// uninstall succeeded or found nothing to uninstall, not when it failed.
type retireEnvironment struct{}

func (retireEnvironment) String() string { return "Retire GitHub environment" }

func (retireEnvironment) Run(ctx context.Context, s *State) error {
	if s.Err != nil || s.Config == nil || s.Config.DryRun {
		s.Log.Infof("the uninstall did not finish (or dry-run): GitHub deployments stay as they are")
		return nil
	}
	client, why := githubClient(s)
	if client == nil {
		s.Log.Infof("%s: GitHub deployments are not touched", why)
		return nil
	}
	env := s.Config.GitHub.Environment
	ids, err := client.DeactivateEnvironment(ctx, env)
	if err != nil {
		s.warn("marking the deployments of environment %s inactive: %v", env, err)
	} else {
		s.done("marked %d GitHub deployment(s) of environment %s inactive", len(ids), env)
	}
	if !s.Config.Uninstall.DeleteEnvironment {
		return nil
	}
	err = client.DeleteEnvironment(ctx, env)
	switch {
	case errors.Is(err, ghdeploy.ErrForbidden):
		s.warn("environment %s was not deleted: %v", env, err)
	case err != nil:
		s.warn("deleting environment %s: %v", env, err)
	default:
		s.Task.EnvironmentDeleted = true
		s.done("deleted GitHub environment %s", env)
	}
	return nil
}
