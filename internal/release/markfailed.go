package release

import (
	"context"
	"fmt"

	"helm.sh/helm/v3/pkg/release"
)

// MarkFailed records that the latest revision failed although Helm stored it as deployed: a
// check after the rollout (the smoke check of the deployed service) found it broken. The
// revision's status becomes failed with reason as its description, so that `helm history`
// shows why, and Remediate rolls it back like any failed revision.
func (d *Deployer) MarkFailed(ctx context.Context, name, reason string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	hist, err := d.history(name)
	if err != nil {
		return err
	}
	if len(hist) == 0 {
		return d.notInstalled(name)
	}
	latest := hist[0]
	if latest.Info.Status != release.StatusDeployed {
		return fmt.Errorf("revision %d of %q is %s, not deployed: it cannot be marked failed", latest.Version, name, latest.Info.Status)
	}
	latest.Info.Status = release.StatusFailed
	latest.Info.Description = reason
	if err := d.cfg.Releases.Update(latest); err != nil {
		return fmt.Errorf("marking revision %d of %q failed: %w", latest.Version, name, err)
	}
	return nil
}
