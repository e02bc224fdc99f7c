package diff

import (
	"fmt"
	"sort"
	"strings"
)

// FieldDiff is one field a live object has changed since the last release.
type FieldDiff struct {
	// Path is dotted; keyed list items are list[key], others list[index]:
	// spec.replicas, metadata.annotations.foo, spec.template.spec.containers[web].env[LOG].value.
	Path string
	// Stored and Live are the values, maps and lists as compact JSON, "(not set)" for a side
	// without the field; a Secret's data shows as "(hidden)" / "(hidden, changed)".
	Stored, Live string
}

// Drifted is one object of the last release that is gone from the cluster or was edited.
type Drifted struct {
	Key     Key
	Title   string // Key.String(), masked
	Missing bool   // not in the cluster: see ExplainMissing
	Fields  []FieldDiff
}

// wellKnownMetadata are label and annotation key prefixes the API server, controllers and
// Helm write on live objects; Drift does not report them as added by hand.
var wellKnownMetadata = []string{
	"kubectl.kubernetes.io/", "deployment.kubernetes.io/", "meta.helm.sh/", "pv.kubernetes.io/",
	"volume.kubernetes.io/", "volume.beta.kubernetes.io/", "control-plane.alpha.kubernetes.io/",
	"autoscaling.alpha.kubernetes.io/", "endpoints.kubernetes.io/", "batch.kubernetes.io/",
	"statefulset.kubernetes.io/", "kubernetes.io/metadata.name", "kubernetes.io/service-account.",
	"app.kubernetes.io/managed-by", "controller-uid", "controller-revision-hash", "pod-template-hash",
	"cloud.google.com/neg-status",
}

// Drift reports the objects of the last release (stored) that live no longer matches: Missing
// when live lacks the key, otherwise the fields that differ, comparing live only on the fields
// stored sets (scaled replicas, edited env values and image; not server defaults), plus live
// labels and annotations keys stored does not set and that are not well-known server,
// controller or Helm keys (nor Options.IgnoreMetadata), with Stored "(not set)". A nil live
// means live was not read: Drift returns nil. Results are sorted like Report.Resources.
func Drift(stored []Object, live map[Key]Object, opt Options) []Drifted {
	if live == nil {
		return nil
	}
	m := newMasker(opt.Secrets)
	s := index(stored)
	var out []Drifted
	for _, k := range unionKeys(s) {
		d := Drifted{Key: k, Title: m.str(k.String())}
		lo, ok := live[k]
		if !ok || lo.Body == nil {
			d.Missing = true
			out = append(out, d)
			continue
		}
		ns, nl := prep(k, s[k], m), prep(k, &lo, m)
		pl, _ := prune(nl, ns).(map[string]any)
		rs, rl, _ := redact(k, ns, pl)
		fieldDiffs("", rs, rl, &d.Fields)
		for i, f := range d.Fields {
			if isSecret(k) && strings.HasPrefix(f.Path, "data.") {
				d.Fields[i] = FieldDiff{Path: f.Path, Stored: hidden(f.Stored, "(hidden)"), Live: hidden(f.Live, "(hidden, changed)")}
			}
		}
		d.Fields = append(d.Fields, extraMetadata(ns, nl, opt.IgnoreMetadata)...)
		if len(d.Fields) > 0 {
			sort.SliceStable(d.Fields, func(i, j int) bool { return d.Fields[i].Path < d.Fields[j].Path })
			out = append(out, d)
		}
	}
	return out
}

func hidden(v, as string) string {
	if v == notSet {
		return v
	}
	return as
}

func extraMetadata(stored, live map[string]any, ignore []string) []FieldDiff {
	var out []FieldDiff
	for _, f := range []string{"annotations", "labels"} {
		sm, lm := metaMap(stored, f), metaMap(live, f)
		for k, v := range lm {
			if _, ok := sm[k]; ok || hasPrefix(k, wellKnownMetadata) || hasPrefix(k, ignore) {
				continue
			}
			out = append(out, FieldDiff{Path: "metadata." + f + "." + k, Stored: notSet, Live: render(v)})
		}
	}
	return out
}

func hasPrefix(k string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// ExplainMissing says what an object of the last release that is gone from the cluster means
// for the next deploy, as Helm 3.22.0 behaves (pkg/action/upgrade.go performUpgrade and
// pkg/kube/client.go update; rollback goes through the same Client.Update):
//
//   - Still rendered by the chart: Update reads each target object, gets NotFound and creates
//     it ("Created a new <Kind> called ..."); nothing fails, the object comes back as the chart
//     renders it, without any hand edits it had.
//   - No longer rendered: the deletion loop cannot read it, logs "Unable to get obj" and skips
//     it; nothing fails.
//   - Its kind is no longer served (CRD deleted, API version removed): Helm fails before
//     changing anything, building the last release's manifest: "unable to build kubernetes
//     objects from current release manifest" (or "current release manifest contains removed
//     kubernetes api(s)"); restore the CRD, or rewrite the stored manifest (helm-mapkubeapis).
//
// "no <Kind> with the name ... found" does not occur in Helm 3.22.0 (the string is in none of
// its sources): older Helm returned it from Client.Update for an object the new chart renders
// that EXISTS in the cluster but is absent from the previous release, never for a deleted one.
// Helm 3.22 instead adopts such an object if it has app.kubernetes.io/managed-by=Helm and this
// release's meta.helm.sh/release-name and -namespace, and otherwise fails with "... exists and
// cannot be imported into the current release: invalid ownership metadata" (Resource.Conflict).
func ExplainMissing(d Drifted) string {
	if !d.Missing {
		return ""
	}
	name := d.Title
	if name == "" {
		name = d.Key.String()
	}
	return fmt.Sprintf("%s is in the last release but not in the cluster (deleted by hand, or its kind is no longer served). "+
		"Nothing needs doing before the next deploy: if the chart still renders it, Helm 3.22 creates it again as rendered "+
		"(hand edits it had are lost); if the chart no longer renders it, Helm skips deleting it. "+
		"Helm fails only if the kind itself is gone (its CustomResourceDefinition deleted or its API version removed): "+
		"then the upgrade stops before changing anything with \"unable to build kubernetes objects from current release manifest\"; "+
		"reinstall the CRD, or rewrite the release's stored manifest (helm-mapkubeapis). "+
		"The 'no %s with the name %q found' error of older Helm is about the opposite case, an object that exists but the last release does not list, "+
		"and Helm 3.22 reports that as \"exists and cannot be imported into the current release\".",
		name, d.Key.Kind, d.Key.Name)
}
