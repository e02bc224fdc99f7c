package release

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/kube"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/releaseutil"
	"sigs.k8s.io/yaml"
)

// UninstallOptions describe an uninstall (`helm uninstall`).
type UninstallOptions struct {
	Release string
	// KeepHistory keeps the release records: the latest is marked uninstalled, and a later
	// Rollback can bring the release back.
	KeepHistory bool
	// DeletePVCs deletes the PersistentVolumeClaims of the release's manifest; false keeps
	// them, as if they carried helm.sh/resource-policy: keep. A claim annotated keep is kept
	// either way.
	DeletePVCs bool
	// Wait waits until every deleted object is gone (Helm's WaitForDelete: through Waiter when
	// it is a DeleteWaiter).
	Wait    bool
	Timeout time.Duration
	// DryRun reports what would be deleted and kept, and changes nothing.
	DryRun bool
	// Waiter, when set, waits for delete hooks made of Jobs and Pods (marked HookWaitContext),
	// as during Run; when it is also a DeleteWaiter, for the deletions too (hooks deleted by
	// their delete policy, and with Wait the release's objects), with Uninstall's context.
	Waiter Waiter
}

// Uninstalled is what Uninstall did (or, for a dry run, would do).
type Uninstalled struct {
	Release   string
	Namespace string
	// Revision is the latest revision, the one uninstalled.
	Revision     int
	ChartName    string
	ChartVersion string
	AppVersion   string
	// Deleted are the objects of the manifest Helm deleted (asked the API server to delete;
	// with Wait, waited until gone), in Helm's uninstall order. Hook objects are not listed.
	Deleted []Resource
	// Kept are the objects left in the cluster: those annotated helm.sh/resource-policy (Helm
	// keeps "keep" and leaves alone any other value) and, unless DeletePVCs, the
	// PersistentVolumeClaims.
	Kept []Resource
	// Info is Helm's message (the objects kept by resource policy), or what was done instead.
	Info   string
	DryRun bool
}

// Uninstall removes release o.Release like `helm uninstall`: pre-delete hooks, deletion of the
// manifest's objects (except those kept), post-delete hooks, then removal of the records (or,
// with KeepHistory, the latest record marked uninstalled).
//
// PersistentVolumeClaims are kept (unless DeletePVCs) the way Helm keeps any object: Helm
// decides from the annotations of the stored manifest, so Uninstall first rewrites the stored
// latest record with helm.sh/resource-policy: keep on each claim, and restores the original
// manifest afterwards when the record is still there (KeepHistory, or a failed uninstall).
//
// Errors: *NotInstalledError (ErrNotInstalled) when the release has no revision, or when it is
// already uninstalled and KeepHistory is set (without KeepHistory its kept history is purged);
// *PendingError when the latest revision is pending-*. On other errors the Uninstalled is still
// returned, with Deleted and Kept set when Helm got as far as deleting.
func (d *Deployer) Uninstall(ctx context.Context, o UninstallOptions) (*Uninstalled, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.log.Reset()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("uninstall %q: %w", o.Release, err)
	}
	hist, err := d.history(o.Release)
	if err != nil {
		return nil, err
	}
	if len(hist) == 0 {
		return nil, d.notInstalled(o.Release)
	}
	latest := hist[0]
	if err := d.pending(latest); err != nil {
		return nil, err
	}
	out := d.uninstalledOf(latest, o.DryRun)
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	un := action.NewUninstall(d.cfg)
	un.KeepHistory = o.KeepHistory
	un.Wait = o.Wait
	un.Timeout = o.Timeout
	un.DeletionPropagation = "background" // Helm's CLI default

	if latest.Info.Status == release.StatusUninstalled {
		if o.KeepHistory {
			return nil, &NotInstalledError{Release: o.Release, Namespace: out.Namespace, Uninstalled: latest.Version}
		}
		out.Info = fmt.Sprintf("revision %d was already uninstalled with its history kept; removed the history (%d revisions)",
			latest.Version, len(hist))
		if o.DryRun {
			out.Info = fmt.Sprintf("dry run: revision %d is already uninstalled; its history (%d revisions) would be removed",
				latest.Version, len(hist))
			return out, nil
		}
		if _, err := un.Run(o.Release); err != nil {
			return out, fmt.Errorf("uninstall %q: remove the history: %w", o.Release, err)
		}
		return out, nil
	}

	manifest := latest.Manifest
	if !o.DeletePVCs {
		manifest = keepPVCs(manifest)
	}
	deleted, kept, err := planDeletion(manifest)
	if err != nil {
		return out, fmt.Errorf("uninstall %q: manifest of revision %d: %w", o.Release, latest.Version, err)
	}
	if o.DryRun {
		out.Deleted, out.Kept, out.Info = deleted, kept, "dry run: nothing was deleted"
		return out, nil
	}
	if manifest != latest.Manifest {
		orig := latest.Manifest
		latest.Manifest = manifest
		if err := d.cfg.Releases.Update(latest); err != nil {
			latest.Manifest = orig
			return out, fmt.Errorf("uninstall %q: mark its PersistentVolumeClaims kept: %w", o.Release, err)
		}
		defer d.restoreManifest(latest.Name, latest.Version, orig)
	}

	defer d.kube.use(ctx, o.Waiter, false)()
	var (
		mu         sync.Mutex
		reached    bool
		deleteErrs []error
	)
	defer d.kube.watchDeletes(func(_ kube.ResourceList, errs []error) {
		mu.Lock()
		defer mu.Unlock()
		reached = true
		deleteErrs = append(deleteErrs, errs...)
	})()

	d.log.Printf("uninstalling %s (revision %d): deleting %d objects, keeping %d", o.Release, latest.Version, len(deleted), len(kept))
	resp, err := un.Run(o.Release)
	if resp != nil {
		out.Info = strings.TrimSpace(resp.Info)
	}
	mu.Lock()
	gotThere, errs := reached, deleteErrs
	mu.Unlock()
	if err == nil || gotThere {
		out.Deleted, out.Kept = deleted, kept
	}
	if err != nil {
		if len(errs) > 0 {
			err = fmt.Errorf("%w: %w", err, errors.Join(errs...))
		}
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", err, context.Cause(ctx))
		}
		return out, fmt.Errorf("uninstall %q: %w", o.Release, err)
	}
	return out, nil
}

func (d *Deployer) uninstalledOf(r *release.Release, dryRun bool) *Uninstalled {
	out := &Uninstalled{Release: r.Name, Namespace: r.Namespace, Revision: r.Version, DryRun: dryRun}
	if out.Namespace == "" {
		out.Namespace = d.namespace
	}
	if r.Chart != nil && r.Chart.Metadata != nil {
		out.ChartName, out.ChartVersion, out.AppVersion = r.Chart.Metadata.Name, r.Chart.Metadata.Version, r.Chart.Metadata.AppVersion
	}
	return out
}

// restoreManifest puts back the manifest of a record Uninstall rewrote, if the record is still
// stored.
func (d *Deployer) restoreManifest(name string, version int, manifest string) {
	rec, err := d.cfg.Releases.Get(name, version)
	if err != nil || rec == nil {
		return // purged
	}
	rec.Manifest = manifest
	if err := d.cfg.Releases.Update(rec); err != nil {
		d.log.Printf("warning: could not restore the manifest of %s revision %d (its PersistentVolumeClaims stay annotated %s: %s): %s",
			name, version, kube.ResourcePolicyAnno, kube.KeepPolicy, err)
	}
}

// docSep is the document separator of Helm's releaseutil.SplitManifests.
var docSep = regexp.MustCompile("(?:^|\\s*\n)---\\s*")

// keepPVCs annotates every PersistentVolumeClaim document of manifest with
// helm.sh/resource-policy: keep; every other byte of the manifest is left as it was.
func keepPVCs(manifest string) string {
	var b strings.Builder
	start := 0
	for _, s := range docSep.FindAllStringIndex(manifest, -1) {
		b.WriteString(keepPVC(manifest[start:s[0]]))
		b.WriteString(manifest[s[0]:s[1]])
		start = s[1]
	}
	b.WriteString(keepPVC(manifest[start:]))
	return b.String()
}

// keepPVC returns doc annotated keep when it is a PersistentVolumeClaim that is not yet; its
// leading comments ("# Source: ...") and trailing space are kept.
func keepPVC(doc string) string {
	var head struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Annotations map[string]string `json:"annotations"`
		} `json:"metadata"`
	}
	if yaml.Unmarshal([]byte(doc), &head) != nil || head.Kind != "PersistentVolumeClaim" || head.APIVersion != "v1" ||
		strings.ToLower(strings.TrimSpace(head.Metadata.Annotations[kube.ResourcePolicyAnno])) == kube.KeepPolicy {
		return doc
	}
	var obj map[string]any
	if yaml.Unmarshal([]byte(doc), &obj) != nil {
		return doc
	}
	meta, _ := obj["metadata"].(map[string]any)
	if meta == nil {
		meta = map[string]any{}
		obj["metadata"] = meta
	}
	ann, _ := meta["annotations"].(map[string]any)
	if ann == nil {
		ann = map[string]any{}
		meta["annotations"] = ann
	}
	ann[kube.ResourcePolicyAnno] = kube.KeepPolicy
	body, err := yaml.Marshal(obj)
	if err != nil {
		return doc
	}
	var comments strings.Builder
	rest := doc
	for {
		line, after, found := strings.Cut(rest, "\n")
		if t := strings.TrimSpace(line); !found || t != "" && !strings.HasPrefix(t, "#") {
			break
		}
		comments.WriteString(line + "\n")
		rest = after
	}
	trailing := doc[len(strings.TrimRight(doc, " \t\r\n")):]
	return comments.String() + strings.TrimRight(string(body), "\n") + trailing
}

// planDeletion splits a manifest the way Helm's uninstall does (releaseutil.SortManifests in
// uninstall order, then its resource-policy filter): objects without helm.sh/resource-policy
// are deleted, the others are left in the cluster.
func planDeletion(manifest string) (deleted, kept []Resource, err error) {
	_, files, err := releaseutil.SortManifests(releaseutil.SplitManifests(manifest), nil, releaseutil.UninstallOrder)
	if err != nil {
		return nil, nil, err
	}
	for _, f := range files {
		if f.Head == nil || f.Head.Kind == "" {
			continue
		}
		r := Resource{Kind: f.Head.Kind}
		var policy bool
		if f.Head.Metadata != nil {
			r.Name = f.Head.Metadata.Name
			_, policy = f.Head.Metadata.Annotations[kube.ResourcePolicyAnno]
		}
		if objs := resources(f.Content); len(objs) == 1 {
			r.Namespace = objs[0].Namespace
		}
		if policy {
			kept = append(kept, r)
		} else {
			deleted = append(deleted, r)
		}
	}
	return deleted, kept, nil
}
