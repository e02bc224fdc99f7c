package release

import (
	"context"
	"reflect"
	"testing"
)

func TestMarkFailedThenRemediateRollsBack(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for range 2 {
		o := demoOptions("web")
		o.Wait = false
		if _, err := f.d.Run(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.d.MarkFailed(ctx, "web", "smoke check failed: 503"); err != nil {
		t.Fatal(err)
	}
	hist, _ := f.d.History(ctx, "web")
	if hist[0].Status != "failed" || hist[0].Description != "smoke check failed: 503" {
		t.Fatalf("latest %+v", hist[0])
	}
	if err := f.d.MarkFailed(ctx, "web", "again"); err == nil {
		t.Fatal("a failed revision was marked again")
	}
	rem, res, err := f.d.Remediate(ctx, RemediateOptions{Release: "web"})
	if err != nil || rem.Action != "rolled back" || rem.RolledBackTo != 1 || res.Revision != 3 {
		t.Fatalf("remediation %+v result %+v err %v", rem, res, err)
	}
	if got := statuses(t, f.store, "web"); !reflect.DeepEqual(got, []string{"1:superseded", "2:failed", "3:deployed"}) {
		t.Fatalf("history %v", got)
	}
	if err := f.d.MarkFailed(ctx, "nope", "x"); err == nil {
		t.Fatal("marked a missing release")
	}
}
