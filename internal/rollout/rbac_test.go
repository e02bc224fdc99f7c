package rollout

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8stesting "k8s.io/client-go/testing"
)

func forbid(c *cluster, verb, resource, sub string) {
	c.cs.PrependReactor(verb, resource, func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != sub {
			return false, nil, nil
		}
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: resource}, "", errors.New("RBAC: access denied"))
	})
}

func TestWaitForbiddenPodsFailsAtOnce(t *testing.T) {
	c := newCluster(t, 1)
	forbid(c, "list", "pods", "")
	err := result(t, wait(context.Background(), c.tracker(nil), manifestObjs(t), time.Minute), 2*time.Second)
	if !errors.Is(err, ErrWatch) || !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "Pod in namespace apps") {
		t.Fatalf("got %v", err)
	}
}

func TestWaitForbiddenEventsAndLogsAreNotFatal(t *testing.T) {
	c := newCluster(t, 1)
	forbid(c, "list", "events", "")
	forbid(c, "get", "pods", "log")
	c.apply(c.pod("web-2-a", "rs2-uid", false, 0, running))
	tr := c.tracker(nil)
	var calls atomic.Int64 // each reading of the clock is 2s later: every log retry is due at once
	base := time.Now()
	tr.opts.Now = func() time.Time { return base.Add(time.Duration(calls.Add(1)) * 2 * time.Second) }
	ch := wait(context.Background(), tr, manifestObjs(t), time.Minute)
	eventually(t, "log give-up", func() bool { return strings.Contains(c.out.String(), "logs: cannot follow web-2-a/app") })
	c.apply(c.pod("web-2-a", "rs2-uid", true, 0, running))
	c.depStatus(1)
	if err := result(t, ch, 2*time.Second); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	out := c.out.String()
	if !strings.Contains(out, "events: cannot watch events in namespace apps") {
		t.Errorf("no events warning:\n%s", out)
	}
	if n := strings.Count(out, "logs: cannot follow"); n != 1 {
		t.Errorf("log give-up printed %d times:\n%s", n, out)
	}
}
