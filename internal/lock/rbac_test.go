package lock

import (
	"context"
	"errors"
	"io"
	"os"
	"slices"
	"testing"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// TestRBACGrantsEveryVerbUsed runs a contended hand-off and checks that
// every call the lock made is granted by the Role in rbac.yaml.
func TestRBACGrantsEveryVerbUsed(t *testing.T) {
	f, err := os.Open("rbac.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := utilyaml.NewYAMLOrJSONDecoder(f, 4096)
	var role rbacv1.Role
	var binding rbacv1.RoleBinding
	if err := dec.Decode(&role); err != nil {
		t.Fatalf("Role: %v", err)
	}
	if err := dec.Decode(&binding); err != nil {
		t.Fatalf("RoleBinding: %v", err)
	}
	var rest map[string]any
	if err := dec.Decode(&rest); !errors.Is(err, io.EOF) {
		t.Fatalf("unexpected third document: %v", err)
	}
	if role.Kind != "Role" || binding.Kind != "RoleBinding" || binding.RoleRef.Name != role.Name || binding.RoleRef.Kind != "Role" {
		t.Fatalf("Role %s/%q and RoleBinding %s → %s/%q do not match", role.Kind, role.Name, binding.Kind, binding.RoleRef.Kind, binding.RoleRef.Name)
	}
	granted := map[string]bool{}
	for _, r := range role.Rules {
		if slices.Contains(r.APIGroups, "coordination.k8s.io") && slices.Contains(r.Resources, "leases") {
			for _, v := range r.Verbs {
				granted[v] = true
			}
		}
	}

	api := newFakeAPI(t)
	a := mustAcquire(t, api.opts(holderA))
	res := acquireAsync(context.Background(), api.opts(holderB), time.Minute)
	waitUntil(t, "the waiter is parked", func() bool { return api.clock.Waiters() == 3 })
	if err := a.Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	r := receive(t, res)
	if r.err != nil {
		t.Fatal(r.err)
	}
	if err := r.held.Release(context.Background()); err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, act := range api.cs.Actions() {
		used[act.GetVerb()] = true
		if !granted[act.GetVerb()] {
			t.Errorf("verb %q on %s is not granted by rbac.yaml", act.GetVerb(), act.GetResource().Resource)
		}
	}
	for _, v := range []string{"get", "create", "update", "watch"} {
		if !used[v] {
			t.Errorf("scenario did not exercise %q", v)
		}
	}
}
