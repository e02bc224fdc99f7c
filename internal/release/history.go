package release

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"helm.sh/helm/v3/pkg/release"
)

// Revision is one stored revision of a release, as `helm history` shows it.
type Revision struct {
	Revision int
	// Updated is when the revision was last deployed (Helm's "UPDATED" column); zero when
	// Helm never recorded it.
	Updated      time.Time
	Status       string
	Chart        string // chart name
	ChartVersion string
	AppVersion   string
	Description  string
}

// String is "N status chart-version (app A)", the form error messages list revisions in.
func (r Revision) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s", r.Revision, r.Status)
	if r.Chart != "" || r.ChartVersion != "" {
		fmt.Fprintf(&b, " %s-%s", r.Chart, r.ChartVersion)
	}
	if r.AppVersion != "" {
		fmt.Fprintf(&b, " (app %s)", r.AppVersion)
	}
	return b.String()
}

// ErrNotInstalled matches every *NotInstalledError with errors.Is.
var ErrNotInstalled = errors.New("release not installed")

// NotInstalledError reports a release that has no revision in the namespace, or (Uninstall with
// KeepHistory) one whose latest revision was already uninstalled.
type NotInstalledError struct {
	Release   string
	Namespace string
	// Uninstalled is the latest revision when it is already uninstalled (history kept), else 0.
	Uninstalled int
}

func (e *NotInstalledError) Error() string {
	if e.Uninstalled > 0 {
		return fmt.Sprintf("release %q in namespace %q is already uninstalled (revision %d, history kept)",
			e.Release, e.Namespace, e.Uninstalled)
	}
	return fmt.Sprintf("release %q not found in namespace %q", e.Release, e.Namespace)
}

// Is makes errors.Is(err, ErrNotInstalled) true.
func (e *NotInstalledError) Is(target error) bool { return target == ErrNotInstalled }

// History returns the stored revisions of release name, newest first. A release that does not
// exist has no revision: the result is empty (not nil) and the error nil.
func (d *Deployer) History(ctx context.Context, name string) ([]Revision, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("history of %q: %w", name, err)
	}
	hist, err := d.history(name)
	if err != nil {
		return nil, err
	}
	return revisions(hist), nil
}

// revisions converts a history sorted newest first.
func revisions(newestFirst []*release.Release) []Revision {
	out := make([]Revision, 0, len(newestFirst))
	for _, r := range newestFirst {
		out = append(out, revisionOf(r))
	}
	return out
}

func revisionOf(r *release.Release) Revision {
	rev := Revision{Revision: r.Version}
	if r.Info != nil {
		rev.Updated = r.Info.LastDeployed.Time
		rev.Status = r.Info.Status.String()
		rev.Description = r.Info.Description
	}
	if r.Chart != nil && r.Chart.Metadata != nil {
		rev.Chart = r.Chart.Metadata.Name
		rev.ChartVersion = r.Chart.Metadata.Version
		rev.AppVersion = r.Chart.Metadata.AppVersion
	}
	return rev
}

// notInstalled is the error for a release with no revision.
func (d *Deployer) notInstalled(name string) error {
	return &NotInstalledError{Release: name, Namespace: d.namespace}
}

// pending is the *PendingError for a release whose latest revision is pending-*, else nil.
func (d *Deployer) pending(latest *release.Release) error {
	if latest == nil || latest.Info == nil || !latest.Info.Status.IsPending() {
		return nil
	}
	ns := latest.Namespace
	if ns == "" {
		ns = d.namespace
	}
	return &PendingError{Release: latest.Name, Namespace: ns, Revision: latest.Version, Status: latest.Info.Status.String()}
}
