package lock

import (
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

func TestLeaseName(t *testing.T) {
	long := strings.Repeat("a", 300)
	tests := []struct {
		name, release string
		want          string // exact name, or "" to check only validity and hash
	}{
		{name: "plain release", release: "web", want: "helm-deploy-web"},
		{name: "dotted release", release: "web.v2", want: "helm-deploy-web.v2"},
		{name: "upper case gets a hash", release: "Web"},
		{name: "underscore gets a hash", release: "my_app"},
		{name: "trailing dash gets a hash", release: "web-"},
		{name: "double dot gets a hash", release: "a..b"},
		{name: "too long", release: long},
	}
	seen := map[string]string{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := LeaseName(tc.release)
			if errs := validation.IsDNS1123Subdomain(got); len(errs) > 0 {
				t.Fatalf("LeaseName(%q) = %q: invalid: %v", tc.release, got, errs)
			}
			if got != LeaseName(tc.release) {
				t.Fatalf("LeaseName(%q) is not deterministic", tc.release)
			}
			if tc.want != "" && got != tc.want {
				t.Fatalf("LeaseName(%q) = %q, want %q", tc.release, got, tc.want)
			}
			if tc.want == "" && got == "helm-deploy-"+strings.ToLower(tc.release) {
				t.Fatalf("LeaseName(%q) = %q has no hash suffix", tc.release, got)
			}
			if other, dup := seen[got]; dup {
				t.Fatalf("LeaseName(%q) = LeaseName(%q) = %q", tc.release, other, got)
			}
			seen[got] = tc.release
		})
	}
	if LeaseName("Web") == LeaseName("web") || LeaseName("my_app") == LeaseName("my-app") {
		t.Fatal("sanitized names collide with the plain ones")
	}
	if LeaseName(long) == LeaseName(long+"b") {
		t.Fatal("long names differing at the end collide")
	}
}

func TestHolderIdentity(t *testing.T) {
	tests := []struct {
		name   string
		holder Holder
		want   string // description before " #token"
	}{
		{name: "full run", holder: holderA, want: "acme/web run 100 attempt 1 job deploy"},
		{name: "no attempt", holder: Holder{Repository: "o/r", RunID: "5", Job: "j"}, want: "o/r run 5 job j"},
		{name: "whitespace collapsed", holder: Holder{Repository: " o/r ", Job: "build\n and deploy"}, want: "o/r job build and deploy"},
		{name: "empty holder", holder: Holder{}, want: "helm-deploy-action"},
		{name: "long job truncated", holder: Holder{Repository: "o/r", Job: strings.Repeat("é", 300)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := tc.holder.identity("0123456789ab")
			desc, token, ok := strings.Cut(id, " #")
			if !ok || token != "0123456789ab" {
				t.Fatalf("identity %q does not end with the token", id)
			}
			if tc.want != "" && desc != tc.want {
				t.Fatalf("description = %q, want %q", desc, tc.want)
			}
			if len(id) > 250 || !strings.HasPrefix(id, tc.holder.describe()) || !utf8Valid(id) {
				t.Fatalf("identity %q: len %d, want valid UTF-8 under 250 bytes", id, len(id))
			}
		})
	}
	a, _ := newToken()
	b, _ := newToken()
	if len(a) != 12 || a == b {
		t.Fatalf("tokens %q and %q: want two different 12-character tokens", a, b)
	}
	ann := holderA.annotations()
	for k, v := range map[string]string{AnnotationRunURL: holderA.RunURL, AnnotationRepository: "acme/web",
		AnnotationWorkflow: "deploy", AnnotationJob: "deploy", AnnotationActor: "alice", AnnotationRunID: "100"} {
		if ann[k] != v {
			t.Errorf("annotation %s = %q, want %q", k, ann[k], v)
		}
	}
	if got := (Holder{}).annotations(); len(got) != 0 {
		t.Errorf("empty holder annotations = %v, want none", got)
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "?") == s }

func TestObserverStaleness(t *testing.T) {
	mk := func(rv, holder string, seconds int32, renewed time.Time) *coordinationv1.Lease {
		rt := metav1.NewMicroTime(renewed)
		return &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{ResourceVersion: rv},
			Spec: coordinationv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &seconds, RenewTime: &rt}}
	}
	ancient := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	type step struct {
		lease     *coordinationv1.Lease
		at        time.Duration // local time since t0
		newHolder bool
		stale     bool
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{name: "ancient renewTime is not stale at first sight", steps: []step{
			{lease: mk("1", "a", 60, ancient), newHolder: true, stale: false}}},
		{name: "unchanged just under the duration", steps: []step{
			{lease: mk("1", "a", 60, ancient), newHolder: true},
			{lease: mk("1", "a", 60, ancient), at: 60*time.Second - time.Millisecond}}},
		{name: "unchanged for the full duration", steps: []step{
			{lease: mk("1", "a", 60, ancient), newHolder: true},
			{lease: mk("1", "a", 60, ancient), at: 60 * time.Second, stale: true}}},
		{name: "renewal restarts the observation", steps: []step{
			{lease: mk("1", "a", 60, t0), newHolder: true},
			{lease: mk("2", "a", 60, t0.Add(time.Hour)), at: 50 * time.Second},
			{lease: mk("2", "a", 60, t0.Add(time.Hour)), at: 100 * time.Second},
			{lease: mk("2", "a", 60, t0.Add(time.Hour)), at: 110 * time.Second, stale: true}}},
		{name: "new holder restarts the observation", steps: []step{
			{lease: mk("1", "a", 60, t0), newHolder: true},
			{lease: mk("2", "b", 60, t0), at: 59 * time.Second, newHolder: true},
			{lease: mk("2", "b", 60, t0), at: 61 * time.Second}}},
		{name: "lease duration from the record", steps: []step{
			{lease: mk("1", "a", 5, t0), newHolder: true},
			{lease: mk("1", "a", 5, t0), at: 5 * time.Second, stale: true}}},
		{name: "missing duration falls back to the TTL", steps: []step{
			{lease: mk("1", "a", 0, t0), newHolder: true},
			{lease: mk("1", "a", 0, t0), at: 30 * time.Second},
			{lease: mk("1", "a", 0, t0), at: 90 * time.Second, stale: true}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var o observer
			for i, s := range tc.steps {
				now := t0.Add(s.at)
				if got := o.observe(s.lease, now, 90*time.Second); got != s.newHolder {
					t.Fatalf("step %d: newHolder = %v, want %v", i, got, s.newHolder)
				}
				if got := o.stale(now); got != s.stale {
					t.Fatalf("step %d: stale = %v, want %v", i, got, s.stale)
				}
			}
		})
	}
}
