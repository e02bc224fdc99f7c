// Package release installs or upgrades one Helm release through the Helm v3 SDK.
//
// It is the only package of the project that imports helm.sh/helm/v3. Everything
// crossing its boundary is a plain type: Options in, Result (and typed errors) out.
// The install-or-upgrade decision mirrors Helm's own `helm upgrade --install`
// (cmd/helm/upgrade.go), which the SDK does not offer, and adds two rules: a
// release whose revisions all failed is upgraded over, and a release left in a
// pending-* state is reported as a *PendingError (Recover clears it when the
// caller holds the release lock).
//
// Helm's Atomic is never set. Run leaves a failed revision failed; Remediate is
// the separate step that rolls back to the last deployed revision or removes a
// failed first install, like Flux's helm-controller remediation.
//
// History, Rollback (a user's `helm rollback`, tracked like a deploy) and Uninstall serve the
// status, rollback and uninstall tasks.
package release

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/cli-runtime/pkg/genericclioptions"
)

// Waiter replaces Helm's own readiness wait. It receives the objects Helm built
// from the manifest (the same list Helm would have polled) and the timeout Helm
// would have used. It must honour ctx.
type Waiter interface {
	Wait(ctx context.Context, objs []runtime.Object, timeout time.Duration) error
}

// ChartRef says where the chart comes from.
//
// Ref is a local chart directory, a local .tgz archive, an oci:// reference, or,
// when Repository (an HTTP chart repository URL) is set, a chart name in that
// repository. Version is a version or a semver range (empty: latest stable).
// Username and Password authenticate to the OCI registry or HTTP repository.
type ChartRef struct {
	Ref        string
	Repository string
	Version    string
	Username   string
	Password   string
}

// Options describe one install-or-upgrade.
type Options struct {
	Release         string
	Namespace       string
	CreateNamespace bool // install only, as in Helm
	Chart           ChartRef
	ValuesFiles     []string
	// Values are layers merged in order after ValuesFiles; later layers win and
	// maps are merged deeply.
	Values        []map[string]any
	Wait          bool
	CleanupOnFail bool
	// DryRun renders and validates without changing the cluster or Helm storage
	// (Helm's client-side dry run; it still reads the cluster: release history
	// and whether new objects already exist).
	DryRun     bool
	Timeout    time.Duration
	HistoryMax int
	// Waiter, when set, is called instead of Helm's wait, with Run's context: it
	// alone decides when a wait ends (cancellation included).
	Waiter Waiter
	// ForceRollout, when set, is written into the pod template of every Deployment,
	// StatefulSet and DaemonSet (RolloutAnnotation), so their pods roll even when nothing
	// else changed. Use a value unique to the run.
	ForceRollout string
	// Inspect is called with the rendered manifest (hooks excluded) before
	// anything is applied.
	Inspect func(manifest string)
}

// Resource is one object of a release manifest. Namespace is the one written in
// the manifest; it is empty for objects that rely on the release namespace and
// for cluster-scoped objects.
type Resource struct {
	Kind      string
	Name      string
	Namespace string
}

// Result is what Helm stored for the release after the run (or, for a dry run,
// what Helm rendered). It is also returned, as far as it is known, with errors.
type Result struct {
	Release          string
	Namespace        string
	Revision         int
	PreviousRevision int // latest stored revision before the run, 0 when none
	Status           string
	ChartName        string
	ChartVersion     string
	AppVersion       string
	Description      string
	Resources        []Resource
	Manifest         string
	Installed        bool // install path (true) or upgrade path (false)
	DryRun           bool
	// RolledBackTo is set by Rollback only: the earlier revision whose configuration the new
	// revision (Revision) restored. 0 for Run and Latest.
	RolledBackTo int
}

// ErrPending matches every *PendingError with errors.Is.
var ErrPending = errors.New("release has an operation in progress")

// ErrNamespaceMismatch is returned when Options.Namespace differs from the
// namespace the Deployer's Helm storage was created for.
var ErrNamespaceMismatch = errors.New("namespace differs from the deployer's namespace")

// PendingError reports a release whose latest revision is pending-install,
// pending-upgrade or pending-rollback.
type PendingError struct {
	Release   string
	Namespace string
	Revision  int
	Status    string
}

func (e *PendingError) Error() string {
	return fmt.Sprintf("release %q in namespace %q is stuck in %s at revision %d: "+
		"another Helm operation is still running, or one was killed before it finished. "+
		"Wait for the other operation to end; if none is running, let helm-deploy-action recover it "+
		"(recover-pending, which needs the release lock) or run `helm rollback %s -n %s` "+
		"(or `helm uninstall` when the release was never deployed) and deploy again",
		e.Release, e.Namespace, e.Status, e.Revision, e.Release, e.Namespace)
}

// Is makes errors.Is(err, ErrPending) true.
func (e *PendingError) Is(target error) bool { return target == ErrPending }

// Deployer runs Helm actions against one namespace's Helm storage.
// Its methods must not be called concurrently (they are serialised).
type Deployer struct {
	mu   sync.Mutex
	cfg  *action.Configuration
	kube *waitingClient
	log  *HelmLog
	// namespace is the storage namespace; empty for test configurations.
	namespace string
	// RecoveredBy names who recovers a pending release in the description
	// Recover writes ("recovered by <RecoveredBy>").
	RecoveredBy string
}

// New creates a Deployer whose Helm storage is the standard "secret" driver in
// namespace. debug receives every Helm debug line (it may be nil).
func New(getter genericclioptions.RESTClientGetter, namespace string, debug func(format string, v ...any)) (*Deployer, error) {
	if namespace == "" {
		return nil, errors.New("release: namespace is required")
	}
	hl := NewHelmLog(defaultLogLines, debug)
	cfg := new(action.Configuration)
	if err := cfg.Init(getter, namespace, "secret", hl.Printf); err != nil {
		return nil, fmt.Errorf("initialise helm: %w", err)
	}
	d := newDeployer(cfg, hl)
	d.namespace = namespace
	return d, nil
}

// NewWithConfiguration wraps an existing Helm configuration (tests use a memory
// driver and a fake kube client). The configuration's KubeClient is replaced by a
// wrapper that routes Helm's waits to Options.Waiter, and its Log by one that also
// records into the Deployer's HelmLog.
func NewWithConfiguration(cfg *action.Configuration) *Deployer {
	var next func(string, ...any)
	if cfg.Log != nil {
		next = cfg.Log
	}
	return newDeployer(cfg, NewHelmLog(defaultLogLines, next))
}

func newDeployer(cfg *action.Configuration, hl *HelmLog) *Deployer {
	cfg.Log = hl.Printf
	wc, ok := cfg.KubeClient.(*waitingClient)
	if !ok {
		wc = &waitingClient{inner: cfg.KubeClient}
		cfg.KubeClient = wc
	}
	return &Deployer{cfg: cfg, kube: wc, log: hl, RecoveredBy: "a later helm-deploy-action run holding the release lock"}
}

// HelmLog returns the Deployer's record of Helm's debug lines.
func (d *Deployer) HelmLog() *HelmLog { return d.log }

func (d *Deployer) namespaceFor(ns string) (string, error) {
	switch {
	case ns == "":
		return d.namespace, nil
	case d.namespace != "" && ns != d.namespace:
		return "", fmt.Errorf("%w: %q, deployer: %q", ErrNamespaceMismatch, ns, d.namespace)
	}
	return ns, nil
}
