package release

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
)

type callKey struct{}

// deleteRecorder is a recordingWaiter that also waits for deletions (DeleteWaiter): it records
// the objects of each WaitDeleted, whether its context was the call's, and answers errs[i].
type deleteRecorder struct {
	*recordingWaiter
	mu      sync.Mutex
	deletes []string // "Kind/name,Kind/name"
	callCtx []bool   // ctx carried the caller's value
	marked  []bool   // ctx was marked as a hook or rollback wait
	errs    []error
}

func (d *deleteRecorder) WaitDeleted(ctx context.Context, objs []runtime.Object, timeout time.Duration) error {
	var names []string
	for _, o := range objs {
		acc, err := meta.Accessor(o)
		if err != nil {
			return err
		}
		names = append(names, o.GetObjectKind().GroupVersionKind().Kind+"/"+acc.GetName())
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	i := len(d.deletes)
	d.deletes = append(d.deletes, strings.Join(names, ","))
	d.callCtx = append(d.callCtx, ctx.Value(callKey{}) == "this call" && timeout == time.Minute)
	d.marked = append(d.marked, IsHookWait(ctx) || IsRollbackWait(ctx))
	if i < len(d.errs) {
		return d.errs[i]
	}
	return nil
}

// Helm's WaitForDelete goes to a Waiter that is a DeleteWaiter, with the call's context, and
// Helm's own wait is not called; a Waiter that is not one leaves it to Helm.
func TestWaitForDeleteGoesToTheDeleteWaiter(t *testing.T) {
	stuck := errors.New("configmap/web-migrate: FinalizerNotRemoved: not deleted after 1m0s")
	tests := []struct {
		name        string
		deleteWait  bool    // the Waiter is a DeleteWaiter
		errs        []error // its answers
		uninstall   bool    // uninstall the stateful chart with Wait; else install and upgrade demo with its hook
		wantErr     string
		wantDeletes []string // WaitDeleted calls
		wantHelm    []string // Helm's WaitForDelete calls ("wait-delete Kind/name")
	}{
		{name: "hook before-hook-creation, tracked", deleteWait: true,
			wantDeletes: []string{"Job/web-migrate", "Job/web-migrate"}},
		{name: "hook before-hook-creation, Helm's wait without a DeleteWaiter",
			wantHelm: []string{"wait-delete Job/web-migrate", "wait-delete Job/web-migrate"}},
		{name: "a stuck hook deletion fails the upgrade", deleteWait: true, errs: []error{nil, stuck},
			wantErr: "FinalizerNotRemoved", wantDeletes: []string{"Job/web-migrate", "Job/web-migrate"}},
		{name: "uninstall with Wait, tracked", deleteWait: true, uninstall: true,
			wantDeletes: []string{"Job/db-drain", "Deployment/db,ConfigMap/db-config"}},
		{name: "uninstall with Wait, Helm's wait without a DeleteWaiter", uninstall: true,
			wantHelm: []string{"wait-delete Job/db-drain", "wait-delete Deployment/db", "wait-delete ConfigMap/db-config"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			ctx := context.WithValue(context.Background(), callKey{}, "this call")
			rec := &recordingWaiter{}
			dr := &deleteRecorder{recordingWaiter: rec, errs: tc.errs}
			var w Waiter = rec
			if tc.deleteWait {
				w = dr
			}
			var err error
			if tc.uninstall {
				installStateful(t, f, 1)
				_, err = f.d.Uninstall(ctx, UninstallOptions{Release: "db", Wait: true, Timeout: time.Minute, Waiter: w})
			} else {
				o := demoOptions("web")
				o.Waiter, o.Values = w, []map[string]any{{"hook": true}}
				if _, err = f.d.Run(ctx, o); err != nil {
					t.Fatalf("install: %v", err)
				}
				_, err = f.d.Run(ctx, o)
			}
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("error = %v, want %q", err, tc.wantErr)
			}
			if !reflect.DeepEqual(dr.deletes, tc.wantDeletes) {
				t.Errorf("WaitDeleted calls %q, want %q", dr.deletes, tc.wantDeletes)
			}
			for i, ok := range dr.callCtx {
				if !ok || dr.marked[i] {
					t.Errorf("WaitDeleted call %d: not the call's context and timeout, or marked", i+1)
				}
			}
			var helm []string
			for _, e := range f.kube.Events() {
				if strings.HasPrefix(e, "wait-delete ") {
					helm = append(helm, e)
				}
			}
			if !reflect.DeepEqual(helm, tc.wantHelm) {
				t.Errorf("Helm's WaitForDelete calls %q, want %q", helm, tc.wantHelm)
			}
		})
	}
}
