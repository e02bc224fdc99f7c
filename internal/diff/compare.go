package diff

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

// Status is what an upgrade does to one object of the release.
type Status string

// Statuses of Resource.
const (
	Unchanged Status = "unchanged" // in both manifests, same after normalisation
	Added     Status = "added"     // rendered now, not in the last release
	Removed   Status = "removed"   // in the last release, not rendered now: Helm deletes it
	Changed   Status = "changed"   // in both, different
)

// Options tune Compare and Drift.
type Options struct {
	// Secrets are values that must never be shown (the action's secret-values and other masked
	// inputs): any string that contains one, or its base64, is replaced before diffing.
	Secrets []string
	// Context is the number of unchanged lines around each change in diffs; 0 means 3.
	Context int
	// ReleaseName and ReleaseNamespace, when set, make Compare check an Added object that
	// already exists for the ownership metadata Helm requires to adopt it (Resource.Conflict).
	ReleaseName, ReleaseNamespace string
	// IgnoreMetadata are label and annotation key prefixes Drift does not report, besides the
	// well-known ones the server and controllers write.
	IgnoreMetadata []string
}

// Resource is one object's comparison. Diff and LiveDiff are unified diffs of normalized
// YAML with "---"/"+++" headers, ready for a collapsible Markdown block; Secret data appears
// only as key: unchanged|changed|added|removed.
type Resource struct {
	Key    Key
	Title  string // Key.String(), masked like the diffs
	Status Status
	Diff   string // stored → desired; "" when Unchanged
	// LiveDiff is live → desired, set when the live object no longer matches the last release
	// (changed by hand) and differs from what this run renders, or for an Added object that
	// already exists. Live is compared only on the fields desired sets. For built-in kinds
	// Helm's three-way strategic merge overwrites every "-" line; for custom resources Helm
	// 3.22 upgrade sends a two-way merge patch (stored → desired), which keeps live edits of
	// fields the chart did not change.
	LiveDiff    string
	LiveMissing bool   // in the last release, but live was given and lacks it (see ExplainMissing)
	Kept        bool   // Removed, but annotated helm.sh/resource-policy: keep, so Helm leaves it
	Conflict    string // Added and existing without this release's ownership: Helm's error
	// SecretKeys are a Secret's data keys and their status, stored → desired.
	SecretKeys map[string]string
}

// Report is Compare's result: Resources sorted by namespace, kind, name and group.
type Report struct {
	Resources                          []Resource
	Added, Removed, Changed, Unchanged int
	Drifted                            int // resources with a LiveDiff
}

// Changes is the number of objects the upgrade adds, removes or changes.
func (r Report) Changes() int { return r.Added + r.Removed + r.Changed }

// Compare compares what this run renders (desired) with what the release last applied
// (stored) and, when live is not nil, with the cluster's objects for both (a missing key is an
// object that does not exist; a nil map means live was not read, and skips those checks).
func Compare(desired, stored []Object, live map[Key]Object, opt Options) Report {
	m := newMasker(opt.Secrets)
	d, s := index(desired), index(stored)
	var r Report
	for _, k := range unionKeys(d, s) {
		res := Resource{Key: k}
		nd, ns := prep(k, d[k], m), prep(k, s[k], m)
		switch {
		case ns == nil:
			res.Status, r.Added = Added, r.Added+1
		case nd == nil:
			res.Status, r.Removed = Removed, r.Removed+1
			res.Kept = keepPolicy(s[k].Body)
		case reflect.DeepEqual(nd, ns):
			res.Status, r.Unchanged = Unchanged, r.Unchanged+1
		default:
			res.Status, r.Changed = Changed, r.Changed+1
		}
		res.Title = m.str(k.String())
		name := res.Title
		ra, rb, st := redact(k, ns, nd)
		res.SecretKeys = st
		if res.Status != Unchanged {
			res.Diff = unified(yamlOf(ra), yamlOf(rb), "stored "+name, "desired "+name, opt.Context)
		}
		if live != nil {
			compareLive(&res, live, nd, ns, m, opt)
		}
		if res.LiveDiff != "" {
			r.Drifted++
		}
		r.Resources = append(r.Resources, res)
	}
	return r
}

func compareLive(res *Resource, live map[Key]Object, nd, ns map[string]any, m *masker, opt Options) {
	k := res.Key
	lo, ok := live[k]
	if !ok || lo.Body == nil {
		res.LiveMissing = res.Status != Added
		return
	}
	nl := prep(k, &lo, m)
	switch {
	case res.Status == Removed:
		res.Kept = keepPolicy(lo.Body) // Helm reads the policy from the live object
		return
	case res.Status == Added:
		res.Conflict = m.str(ownershipConflict(k, lo.Body, opt))
	case reflect.DeepEqual(prune(nl, ns), ns):
		return // live is as the last release left it
	}
	pl, _ := prune(nl, nd).(map[string]any)
	if reflect.DeepEqual(pl, nd) {
		return
	}
	ra, rb, _ := redact(k, pl, nd)
	res.LiveDiff = unified(yamlOf(ra), yamlOf(rb), "live "+res.Title, "desired "+res.Title, opt.Context)
}

// prep returns o's normalized, Secret-hashed and masked body, or nil for no object.
func prep(k Key, o *Object, m *masker) map[string]any {
	if o == nil {
		return nil
	}
	n := normalize(o.Body)
	if isSecret(k) {
		secretView(n)
	}
	out, _ := m.apply(n).(map[string]any)
	return out
}

func index(objs []Object) map[Key]*Object {
	out := make(map[Key]*Object, len(objs))
	for i := range objs {
		out[objs[i].Key()] = &objs[i]
	}
	return out
}

func unionKeys(maps ...map[Key]*Object) []Key {
	seen := map[Key]bool{}
	var keys []Key
	for _, mp := range maps {
		for k := range mp {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		return fmt.Sprint(a.Namespace, "\x00", a.Kind, "\x00", a.Name, "\x00", a.Group) <
			fmt.Sprint(b.Namespace, "\x00", b.Kind, "\x00", b.Name, "\x00", b.Group)
	})
	return keys
}

func metaMap(body map[string]any, field string) map[string]any {
	md, _ := body["metadata"].(map[string]any)
	m, _ := md[field].(map[string]any)
	return m
}

func keepPolicy(body map[string]any) bool {
	return metaMap(body, "annotations")["helm.sh/resource-policy"] == "keep"
}

// ownershipConflict mirrors Helm 3.22's checkOwnership: an object the release does not list
// yet is adopted only if it carries these three values, otherwise the upgrade fails with this.
func ownershipConflict(k Key, body map[string]any, opt Options) string {
	if opt.ReleaseName == "" {
		return ""
	}
	var errs []string
	check := func(kind string, m map[string]any, key, want string) {
		got, ok := m[key].(string)
		switch {
		case !ok:
			errs = append(errs, fmt.Sprintf("%s validation error: missing key %q: must be set to %q", kind, key, want))
		case got != want:
			errs = append(errs, fmt.Sprintf("%s validation error: key %q must equal %q: current value is %q", kind, key, want, got))
		}
	}
	check("label", metaMap(body, "labels"), "app.kubernetes.io/managed-by", "Helm")
	check("annotation", metaMap(body, "annotations"), "meta.helm.sh/release-name", opt.ReleaseName)
	check("annotation", metaMap(body, "annotations"), "meta.helm.sh/release-namespace", opt.ReleaseNamespace)
	if len(errs) == 0 {
		return ""
	}
	return fmt.Sprintf("%s %q in namespace %q exists and cannot be imported into the current release: invalid ownership metadata; %s",
		k.Kind, k.Name, k.Namespace, strings.Join(errs, "; "))
}

func yamlOf(m map[string]any) string {
	if m == nil {
		return ""
	}
	b, err := yaml.Marshal(m)
	if err != nil {
		return fmt.Sprintf("# cannot render: %v\n", err)
	}
	return string(b)
}
