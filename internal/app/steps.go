package app

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/helmdeploy/helm-deploy-action/internal/config"
	"github.com/helmdeploy/helm-deploy-action/internal/kube"
	"github.com/helmdeploy/helm-deploy-action/internal/release"
)

// readInputs parses and validates every input and registers every secret with the masker
// before anything else is printed.
type readInputs struct{}

func (readInputs) String() string { return "Read inputs" }

func (readInputs) Run(_ context.Context, s *State) error {
	cfg, err := config.Parse(s.Getenv)
	if cfg != nil {
		s.Log.Mask(maskable(cfg, s.Getenv(config.EnvName("kubeconfig")))...)
	}
	if err != nil {
		return fmt.Errorf("bad input, nothing was changed:\n%w", err)
	}
	s.Config = cfg
	s.Log.Infof("helm-deploy-action %s: release %q in namespace %q, chart %s", Version, cfg.Release, cfg.Namespace, cfg.Chart.Ref)
	s.Log.Infof("atomic=%t wait=%t timeout=%s dry-run=%t", cfg.Atomic, cfg.Wait, cfg.Timeout, cfg.DryRun)
	return nil
}

// maskable lists the secrets to register: every secret input value except the kubeconfig
// document itself, whose credentials are registered one by one instead (the runner masks each
// line of a multi-line mask, which would hide lines such as "kind: Config" everywhere), and
// except booleans and nulls, which carry no secret and would blank every "true" in the log.
func maskable(cfg *config.Config, rawKubeconfig string) []string {
	var out []string
	for _, v := range cfg.Secrets {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true", "false", "null", "~", "":
			continue
		}
		if len(cfg.Kubeconfig) > 0 && (v == string(cfg.Kubeconfig) || v == strings.TrimSpace(rawKubeconfig)) {
			continue
		}
		if isCertificate(v) {
			continue // a certificate is public; its key is masked
		}
		out = append(out, v)
	}
	if len(cfg.Kubeconfig) > 0 {
		for _, v := range kube.Credentials(cfg.Kubeconfig) {
			if !isCertificate(v) {
				out = append(out, v)
			}
		}
	}
	return out
}

// isCertificate tells a public certificate (PEM, or base64 of PEM as in client-certificate-data)
// with no private key: a value holding a key block (a certificate bundled with its key) is a
// secret and is masked.
func isCertificate(v string) bool {
	if strings.Contains(v, "PRIVATE KEY") {
		return false
	}
	if strings.Contains(v, "-----BEGIN CERTIFICATE-----") {
		return true
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
	return err == nil && strings.HasPrefix(strings.TrimSpace(string(b)), "-----BEGIN CERTIFICATE-----") &&
		!strings.Contains(string(b), "PRIVATE KEY")
}

// connect builds the Kubernetes clients and checks the API server answers.
type connect struct{}

func (connect) String() string { return "Connect to Kubernetes" }

func (connect) Run(ctx context.Context, s *State) error {
	c := s.Config
	opts := kube.Options{
		Content:   c.Kubeconfig,
		Path:      c.KubeconfigPath,
		EnvPath:   s.Getenv("KUBECONFIG"),
		Context:   c.KubeContext,
		Namespace: c.Namespace,
		QPS:       50,
		Burst:     100,
		UserAgent: "helm-deploy-action/" + Version,
		Stats:     s.apiStats,
	}
	if err := cloudAuth(ctx, s, &opts); err != nil {
		return err
	}
	clients, err := kube.Load(opts)
	if err != nil {
		return err
	}
	version, err := clients.ServerVersion()
	if err != nil && s.Cluster.Login != nil && kube.IsUnauthorized(err) {
		return fmt.Errorf("the Kubernetes API server at %s refused the token of %s (401 Unauthorized): %s",
			clients.REST.Host, s.Cluster.Login.Source.Identity(), s.Cluster.Login.Spec.RefusedHint())
	}
	if err != nil {
		return fmt.Errorf("the Kubernetes API server (credentials from %s) does not answer: %w", clients.Source, err)
	}
	s.Log.Infof("Kubernetes %s at %s (credentials from %s)", version, clients.REST.Host, clients.Source)
	if s.Cluster.Login != nil {
		s.Log.Infof("%s", describeLogin(s.Cluster.Login, s.Now()))
		if user, groups, err := clients.WhoAmI(ctx); err == nil {
			s.Log.Infof("the API server knows this run as %s (groups %s)", user, strings.Join(groups, ", "))
		} else {
			s.Log.Debugf("SelfSubjectReview: %v", err)
		}
	}
	d, err := release.New(clients.Getter, c.Namespace, func(format string, args ...any) {
		s.Log.Debugf(format, args...)
	})
	if err != nil {
		return fmt.Errorf("helm: %w", err)
	}
	s.Cluster.Kube, s.Cluster.Deployer = clients, d
	return nil
}

// inspect reads the latest stored revision, so the summary can say "before → after".
type inspect struct{}

func (inspect) String() string { return "Inspect release" }

func (inspect) Run(ctx context.Context, s *State) error {
	before, err := s.Cluster.Deployer.Latest(ctx, s.Config.Release)
	if err != nil {
		return fmt.Errorf("reading the history of release %q: %w", s.Config.Release, err)
	}
	s.Release.Before = before
	if before == nil {
		s.Log.Infof("release %q does not exist yet: it will be installed", s.Config.Release)
		return nil
	}
	s.Log.Infof("release %q: revision %d, status %s, chart %s-%s", before.Release, before.Revision, before.Status, before.ChartName, before.ChartVersion)
	return nil
}

// helmCancelGrace is how long the deploy step waits for Helm to return after a cancel. Helm
// returns within milliseconds (the wait ends with the cancel); only an apply stuck on a
// hanging API server takes longer.
const helmCancelGrace = 2 * time.Second

// runHelm runs the Deployer and returns when it does, or helmCancelGrace after ctx ends: then
// Helm is left applying (phase HelmBusy), the run goes on to its finalizers, and the next run's
// recovery clears whatever Helm leaves pending.
func runHelm(ctx context.Context, s *State, opts release.Options) (*release.Result, error) {
	type out struct {
		res *release.Result
		err error
	}
	done := make(chan out, 1)
	go func() {
		res, err := s.Cluster.Deployer.Run(ctx, opts)
		done <- out{res, err}
	}()
	select {
	case o := <-done:
		return o.res, o.err
	case <-ctx.Done():
	}
	t := time.NewTimer(helmCancelGrace)
	defer t.Stop()
	select {
	case o := <-done:
		return o.res, o.err
	case <-t.C:
		s.Deploy.Phase = HelmBusy
		return nil, fmt.Errorf("helm was still applying %s after the cancel: %w", helmCancelGrace, context.Cause(ctx))
	}
}

// deploy runs helm upgrade --install.
type deploy struct{}

func (deploy) String() string { return "Deploy" }

// releaseOptions are Helm's options from the inputs (deploy, and the diff's dry run).
func releaseOptions(c *config.Config) release.Options {
	return release.Options{
		Release:         c.Release,
		Namespace:       c.Namespace,
		CreateNamespace: c.CreateNamespace,
		Chart: release.ChartRef{
			Ref: c.Chart.Ref, Repository: c.Chart.Repository, Version: c.Chart.Version,
			Username: c.Chart.Username, Password: c.Chart.Password,
		},
		ValuesFiles:   c.ValuesFiles,
		Values:        c.ValueLayers(),
		Wait:          c.Wait,
		CleanupOnFail: c.CleanupOnFail,
		DryRun:        c.DryRun,
		Timeout:       c.Timeout,
		HistoryMax:    c.HistoryMax,
	}
}

func (deploy) Run(ctx context.Context, s *State) error {
	c := s.Config
	opts := releaseOptions(c)
	if c.Change.ForceRollout {
		opts.ForceRollout = rolloutID(s)
		s.Log.Infof("force-rollout: pod templates are annotated %s=%s, so every workload rolls", release.RolloutAnnotation, opts.ForceRollout)
	}
	if s.Lock.Held != nil {
		// Losing the lock (renewals failing past lock-ttl) stops the deploy.
		ctx = s.Lock.Held.Context(ctx)
	}
	var tr *tracking
	if c.Wait && !c.DryRun {
		tr = newTracking(s)
		s.tracking = tr // the rollback's waits go through the same tracker
		opts.Waiter = tr
	}
	opts.Inspect = lint(s)
	if s.Lock.Held != nil {
		// A Lease deleted or taken by hand since the last renewal must stop us before Helm
		// writes, not a renewal period later.
		if err := s.Lock.Held.Verify(ctx); err != nil {
			return fmt.Errorf("release lock checked before Helm writes: %w", err)
		}
	}
	s.ghInProgress(ctx)
	s.Deploy.Phase = Deploying
	res, err := runHelm(ctx, s, opts)
	if s.Deploy.Phase != HelmBusy {
		s.Deploy.Phase = Deployed
	}
	if err != nil && s.Lock.Held != nil && s.Lock.Held.Err() != nil {
		lost := s.Lock.Held.Err()
		// Losing the lock cancelled the deploy with nothing but "context canceled": say why.
		err = fmt.Errorf("%w; the deploy was stopped: %w", lost, err)
	}
	if tr != nil {
		diagnose(s, tr)
	}
	s.Release.After = res
	if s.Deploy.Phase == Deployed && (res == nil || (err != nil && res.Revision == 0)) {
		if latest, lerr := s.Cluster.Deployer.Latest(context.WithoutCancel(ctx), c.Release); lerr == nil && latest != nil { // local storage read
			s.Release.After = latest
		}
	}
	if err != nil {
		var pending *release.PendingError
		if errors.As(err, &pending) {
			return err
		}
		if s.Deploy.Failure == nil {
			// Not a rollout failure the tracker diagnosed: Helm's own last lines say what it did.
			if tail := s.Cluster.Deployer.HelmLog().Tail(); tail != "" {
				return fmt.Errorf("helm upgrade --install %s: %w\n%s", c.Release, err, tail)
			}
		}
		return fmt.Errorf("helm upgrade --install %s: %w", c.Release, err)
	}
	verb := "upgraded"
	if res.Installed {
		verb = "installed"
	}
	if res.DryRun {
		verb = "rendered (dry-run, nothing changed)"
	}
	s.Log.Infof("release %q %s: revision %d, status %s", res.Release, verb, res.Revision, res.Status)
	for _, r := range res.Resources {
		s.Log.Infof("  %s/%s", strings.ToLower(r.Kind), r.Name)
	}
	return nil
}

// rolloutID names this run in the force-rollout annotation: the run, its attempt and the time
// (a re-run of the same attempt must roll again too, even within the same second).
func rolloutID(s *State) string {
	id := s.Getenv("GITHUB_RUN_ID") + "-" + s.Getenv("GITHUB_RUN_ATTEMPT")
	return strings.TrimPrefix(id+"-"+s.Now().UTC().Format("20060102T150405.000Z"), "--")
}
