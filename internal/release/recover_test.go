package release

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/release"
)

func TestRecover(t *testing.T) {
	tests := []struct {
		name        string
		history     []release.Status // oldest first
		want        *Recovery
		wantHistory []string
	}{
		{
			name:        "pending-install never deployed",
			history:     []release.Status{release.StatusPendingInstall},
			want:        &Recovery{From: "pending-install", Revision: 1, Action: "uninstalled"},
			wantHistory: nil,
		},
		{
			name:        "pending-upgrade after a failed first install",
			history:     []release.Status{release.StatusFailed, release.StatusPendingUpgrade},
			want:        &Recovery{From: "pending-upgrade", Revision: 2, Action: "uninstalled"},
			wantHistory: nil,
		},
		{
			name:        "pending-rollback never deployed",
			history:     []release.Status{release.StatusFailed, release.StatusPendingRollback},
			want:        &Recovery{From: "pending-rollback", Revision: 2, Action: "uninstalled"},
			wantHistory: nil,
		},
		{
			name:        "pending-install after uninstall with kept history and a deployed revision",
			history:     []release.Status{release.StatusSuperseded, release.StatusPendingInstall},
			want:        &Recovery{From: "pending-install", Revision: 2, Action: "rolled back to 1", RolledBackTo: 1, NewRevision: 3},
			wantHistory: []string{"1:superseded", "2:failed", "3:deployed"},
		},
		{
			name:        "pending-upgrade over a deployed revision",
			history:     []release.Status{release.StatusDeployed, release.StatusPendingUpgrade},
			want:        &Recovery{From: "pending-upgrade", Revision: 2, Action: "rolled back to 1", RolledBackTo: 1, NewRevision: 3},
			wantHistory: []string{"1:superseded", "2:failed", "3:deployed"},
		},
		{
			name:        "pending-rollback after a failed upgrade",
			history:     []release.Status{release.StatusSuperseded, release.StatusDeployed, release.StatusFailed, release.StatusPendingRollback},
			want:        &Recovery{From: "pending-rollback", Revision: 4, Action: "rolled back to 2", RolledBackTo: 2, NewRevision: 5},
			wantHistory: []string{"1:superseded", "2:superseded", "3:failed", "4:failed", "5:deployed"},
		},
		{
			name:        "deployed: nothing to do",
			history:     []release.Status{release.StatusDeployed},
			wantHistory: []string{"1:deployed"},
		},
		{
			name:        "failed: nothing to do",
			history:     []release.Status{release.StatusDeployed, release.StatusFailed},
			wantHistory: []string{"1:deployed", "2:failed"},
		},
		{
			name: "no release: nothing to do",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.d.RecoveredBy = "run 7 of octo/app"
			seed(t, f.store, "web", tt.history...)
			got, err := f.d.Recover(context.Background(), "web")
			if err != nil {
				t.Fatalf("Recover: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Recover = %+v, want %+v", got, tt.want)
			}
			if h := statuses(t, f.store, "web"); !reflect.DeepEqual(h, tt.wantHistory) {
				t.Errorf("history = %v, want %v", h, tt.wantHistory)
			}
			if tt.want == nil {
				return
			}
			if tt.want.Action != "uninstalled" {
				rel, err := f.store.Get("web", tt.want.Revision)
				if err != nil || rel.Info.Status != release.StatusFailed || !strings.Contains(rel.Info.Description, "stale "+tt.want.From) {
					t.Errorf("stale revision %d not marked failed: %+v, %v", tt.want.Revision, rel.Info, err)
				}
			}
			// The deploy that follows recovery must go through.
			res, err := f.d.Run(context.Background(), demoOptions("web"))
			if err != nil {
				t.Fatalf("deploy after recovery: %v", err)
			}
			if wantInstall := tt.want.Action == "uninstalled"; res.Installed != wantInstall || res.Status != "deployed" {
				t.Errorf("deploy after recovery = %+v, want installed=%v deployed", summary(res), wantInstall)
			}
		})
	}
}

func TestRecoverDescriptionNamesTheRecoverer(t *testing.T) {
	f := newFixture(t)
	f.d.RecoveredBy = "run 7 of octo/app"
	seed(t, f.store, "web", release.StatusDeployed, release.StatusPendingUpgrade)
	if _, err := f.d.Recover(context.Background(), "web"); err != nil {
		t.Fatal(err)
	}
	rel, err := f.store.Get("web", 2)
	if err != nil {
		t.Fatal(err)
	}
	want := "stale pending-upgrade: the helm-deploy-action run that owned it is gone (recovered by run 7 of octo/app)"
	if rel.Info.Description != want {
		t.Errorf("description = %q, want %q", rel.Info.Description, want)
	}
}

func TestRecoveryString(t *testing.T) {
	tests := []struct {
		name string
		rec  Recovery
		want string
	}{
		{"rolled back", Recovery{From: "pending-upgrade", Revision: 5, Action: "rolled back to 3", RolledBackTo: 3, NewRevision: 6},
			"revision 5 was a stale pending-upgrade: marked it failed and rolled back to 3 (new revision 6)"},
		{"uninstalled", Recovery{From: "pending-install", Revision: 1, Action: "uninstalled"},
			"revision 1 was a stale pending-install: marked it failed and uninstalled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.rec.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}
