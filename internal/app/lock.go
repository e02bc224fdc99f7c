package app

import (
	"context"
	"fmt"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/lock"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// acquireLock takes the release's Lease, queueing behind another run that holds it.
type acquireLock struct{}

func (acquireLock) String() string { return "Acquire release lock" }

func (acquireLock) Run(ctx context.Context, s *State) error {
	c := s.Config
	if c.DryRun {
		s.Log.Infof("dry-run changes nothing: no lock taken")
		return nil
	}
	if err := ensureNamespace(ctx, s); err != nil {
		return err
	}
	held, err := lock.Acquire(ctx, lock.Options{
		Client:    s.Cluster.Kube.Clientset,
		Namespace: c.Namespace,
		Release:   c.Release,
		Holder:    holder(s),
		TTL:       c.LockTTL,
		OnWait: func(i lock.Info) {
			ttl := c.LockTTL
			if i.DurationSeconds > 0 {
				ttl = time.Duration(i.DurationSeconds) * time.Second // the holder's own
			}
			silent := "unknown"
			if i.Silent > 0 {
				silent = i.Silent.Round(time.Second).String()
			}
			s.Log.Infof("release %q is being deployed by %s (since %s; last renewed %s ago by the API server's clock); "+
				"waiting up to %s for it to finish, or until it goes %s without renewing (then it is taken over)",
				c.Release, i.Identity, i.Acquired.Format(time.RFC3339), silent, c.LockTimeout, ttl)
			if u := i.RunURL(); u != "" {
				s.Log.Infof("  that run: %s", u)
			}
			s.ghQueued(ctx)
		},
	}, c.LockTimeout)
	if err != nil {
		return fmt.Errorf("release lock (Lease %s/%s): %w", c.Namespace, lock.LeaseName(c.Release), err)
	}
	s.Lock.Held, s.Lock.Wait = held, held.Waited
	if t := held.TookOver; t != nil {
		s.warn("took over the stale lock of %s: it was not renewed for %ds", t.Identity, t.DurationSeconds)
	}
	s.Log.Infof("holding Lease %s/%s as %s (waited %s)", held.Namespace(), held.LeaseName(), held.Identity(), held.Waited.Round(time.Millisecond))
	return nil
}

// ensureNamespace makes sure the release namespace exists before the Lease is created in it:
// it creates it when create-namespace is true, and otherwise says how to fix it.
func ensureNamespace(ctx context.Context, s *State) error {
	c := s.Config
	nsClient := s.Cluster.Kube.Clientset.CoreV1().Namespaces()
	_, err := nsClient.Get(ctx, c.Namespace, metav1.GetOptions{})
	switch {
	case err == nil:
		return nil
	case apierrors.IsForbidden(err):
		return nil // namespace-scoped credentials: the Lease call will tell
	case !apierrors.IsNotFound(err):
		return fmt.Errorf("reading namespace %q: %w", c.Namespace, err)
	case !c.CreateNamespace:
		return fmt.Errorf("namespace %q does not exist: create it, or set create-namespace: true", c.Namespace)
	}
	created, err := s.Cluster.Kube.EnsureNamespace(ctx, c.Namespace, c.Release)
	if err != nil {
		return fmt.Errorf("create-namespace: true: %w", err)
	}
	if !created {
		return nil
	}
	s.Log.Infof("created namespace %q (marked as created for release %q: the uninstall task may delete it)", c.Namespace, c.Release)
	// Pods of a brand-new namespace fail to be created ("serviceaccount default not found")
	// until the controller-manager has made its default ServiceAccount: wait for it, briefly.
	waited, err := s.Cluster.Kube.WaitDefaultServiceAccount(ctx, c.Namespace, defaultServiceAccountWait)
	switch {
	case err == nil && waited > 100*time.Millisecond:
		s.Log.Infof("namespace %q got its default ServiceAccount after %s", c.Namespace, waited.Round(10*time.Millisecond))
	case ctx.Err() != nil:
		return err
	case err != nil:
		s.warn("%v: pods that use it fail to be created until kube-controller-manager makes it (is its serviceaccount controller running?); the deploy goes on", err)
	}
	return nil
}

// defaultServiceAccountWait bounds the wait for a new namespace's default ServiceAccount.
const defaultServiceAccountWait = 15 * time.Second

func holder(s *State) lock.Holder {
	g := s.Getenv
	return lock.Holder{
		Repository: g("GITHUB_REPOSITORY"),
		Workflow:   g("GITHUB_WORKFLOW"),
		RunID:      g("GITHUB_RUN_ID"),
		RunAttempt: g("GITHUB_RUN_ATTEMPT"),
		Job:        g("GITHUB_JOB"),
		RunURL:     runURL(g),
		Actor:      g("GITHUB_ACTOR"),
	}
}

// runURL is the link to this run's log: SERVER/REPO/actions/runs/ID/attempts/N.
func runURL(g func(string) string) string {
	server, repo, id := g("GITHUB_SERVER_URL"), g("GITHUB_REPOSITORY"), g("GITHUB_RUN_ID")
	if server == "" {
		server = "https://github.com"
	}
	if repo == "" || id == "" {
		return ""
	}
	u := fmt.Sprintf("%s/%s/actions/runs/%s", server, repo, id)
	if a := g("GITHUB_RUN_ATTEMPT"); a != "" {
		u += "/attempts/" + a
	}
	return u
}

// releaseLock gives the Lease back so the next queued run starts at once.
type releaseLock struct{}

func (releaseLock) String() string { return "Release lock" }

func (releaseLock) Run(ctx context.Context, s *State) error {
	if s.Lock.Held == nil {
		return nil
	}
	if err := s.Lock.Held.Release(ctx); err != nil {
		return fmt.Errorf("releasing Lease %s/%s: %w (it expires by itself after lock-ttl)", s.Lock.Held.Namespace(), s.Lock.Held.LeaseName(), err)
	}
	lost := s.Lock.Held.Err()
	if lost == nil {
		s.Log.Infof("released Lease %s/%s", s.Lock.Held.Namespace(), s.Lock.Held.LeaseName())
		return nil
	}
	// The Lease was taken over or deleted while this run held it (a deploy it stopped says so
	// in its own error).
	s.Log.Infof("Lease %s/%s left alone: %v", s.Lock.Held.Namespace(), s.Lock.Held.LeaseName(), lost)
	if s.Err != nil {
		return nil
	}
	s.warn("%v before this run released it: another run may be deploying release %q", lost, s.Config.Release)
	return nil
}

// recoverPending repairs a release left pending-* by a run that was killed: holding the lock
// proves nobody else is deploying it.
type recoverPending struct{}

func (recoverPending) String() string { return "Recover pending release" }

func (recoverPending) Run(ctx context.Context, s *State) error {
	b := s.Release.Before
	if b == nil || !isPending(b.Status) {
		s.Log.Infof("nothing to recover")
		return nil
	}
	if s.Config.DryRun || !s.Config.RecoverPending {
		s.Log.Infof("release is %s; recovery is off (dry-run or recover-pending: false)", b.Status)
		return nil
	}
	rec, err := s.Cluster.Deployer.Recover(ctx, s.Config.Release)
	if err != nil {
		return fmt.Errorf("recovering release %q from %s: %w", s.Config.Release, b.Status, err)
	}
	if rec == nil {
		return nil
	}
	s.Lock.Recovered = fmt.Sprintf("revision %d was %s (left by a run that is gone): marked failed, %s", rec.Revision, rec.From, rec.Action)
	s.warn("recovered release %q: %s", s.Config.Release, s.Lock.Recovered)
	if latest, err := s.Cluster.Deployer.Latest(ctx, s.Config.Release); err == nil {
		s.Release.Before = latest
	}
	return nil
}

func isPending(status string) bool {
	switch status {
	case "pending-install", "pending-upgrade", "pending-rollback":
		return true
	}
	return false
}
