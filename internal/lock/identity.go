// Package lock serializes deploys of one Helm release with a
// coordination.k8s.io/v1 Lease in the release namespace: acquire (create or
// update with resourceVersion preconditions), queue behind a live holder
// (woken by a watch), take over a stale Lease only after it stayed unchanged
// for its full duration on the waiter's own clock, renew in the background and
// release.
//
// Like client-go leader election this does not fence: a holder whose
// renewals fail learns it lost the lock (Held.Lost) only when the TTL has
// passed since its last successful renewal, which is about when a waiter
// may take over. The deploy must stop on Lost.
package lock

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Annotation keys written on the Lease next to the holder identity.
const (
	annotationPrefix     = "helm-deploy-action/"
	AnnotationRunURL     = annotationPrefix + "run-url"
	AnnotationRepository = annotationPrefix + "repository"
	AnnotationWorkflow   = annotationPrefix + "workflow"
	AnnotationJob        = annotationPrefix + "job"
	AnnotationRunID      = annotationPrefix + "run-id"
	AnnotationActor      = annotationPrefix + "actor"
	// AnnotationRelease names the release the Lease locks (the Lease name
	// may be truncated and hashed). It stays on the Lease after release.
	AnnotationRelease = annotationPrefix + "release"

	managedByLabel = "app.kubernetes.io/managed-by"
	managedByValue = "helm-deploy-action"
)

const (
	leaseNamePrefix = "helm-deploy-"
	maxNameLength   = 253 // DNS-1123 subdomain
	hashLength      = 10
	maxDescription  = 200 // identity = description + " #" + token, well under 256
)

// Holder describes who holds the lock: the GitHub run that deploys.
type Holder struct {
	Repository string
	Workflow   string
	RunID      string
	RunAttempt string
	Job        string
	RunURL     string
	Actor      string
}

// describe renders the human part of the identity, e.g.
// "owner/repo run 123 attempt 1 job deploy".
func (h Holder) describe() string {
	var parts []string
	add := func(label, v string) {
		v = strings.Join(strings.Fields(v), " ")
		if v == "" {
			return
		}
		if label != "" {
			parts = append(parts, label)
		}
		parts = append(parts, v)
	}
	add("", h.Repository)
	add("run", h.RunID)
	add("attempt", h.RunAttempt)
	add("job", h.Job)
	d := strings.Join(parts, " ")
	if d == "" {
		d = managedByValue
	}
	if len(d) > maxDescription {
		d = truncateUTF8(d, maxDescription)
	}
	return d
}

// identity is the holderIdentity written to the Lease: the description plus
// a random token, so two processes of the same run never share the lock.
func (h Holder) identity(token string) string {
	return h.describe() + " #" + token
}

// annotations holds what does not fit in the identity.
func (h Holder) annotations() map[string]string {
	a := map[string]string{}
	set := func(k, v string) {
		if v = strings.TrimSpace(v); v != "" {
			a[k] = v
		}
	}
	set(AnnotationRunURL, h.RunURL)
	set(AnnotationRepository, h.Repository)
	set(AnnotationWorkflow, h.Workflow)
	set(AnnotationJob, h.Job)
	set(AnnotationRunID, h.RunID)
	set(AnnotationActor, h.Actor)
	return a
}

// newToken returns 12 random hex characters.
func newToken() (string, error) {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// LeaseName derives a valid DNS-1123 subdomain name from the release:
// "helm-deploy-<release>", sanitized; when sanitizing changed the name or it
// is too long, it is truncated and a hash of the release is appended so that
// different releases never share a Lease.
func LeaseName(release string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(release) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	clean := leaseNamePrefix + b.String()
	name := trimToAlnum(clean)
	if b.String() == release && name == clean && len(name) <= maxNameLength && validDots(name) {
		return name
	}
	sum := sha256.Sum256([]byte(release))
	suffix := hex.EncodeToString(sum[:])[:hashLength]
	head := clean
	if len(head) > maxNameLength-hashLength-1 {
		head = head[:maxNameLength-hashLength-1]
	}
	head = strings.ReplaceAll(head, ".", "-") // avoid empty or odd DNS labels
	return trimToAlnum(head) + "-" + suffix
}

// validDots reports whether every dot-separated label is non-empty and
// starts and ends with an alphanumeric character.
func validDots(name string) bool {
	for _, label := range strings.Split(name, ".") {
		if label == "" || trimToAlnum(label) != label {
			return false
		}
	}
	return true
}

func trimToAlnum(s string) string {
	isAlnum := func(r rune) bool { return (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') }
	return strings.TrimFunc(s, func(r rune) bool { return !isAlnum(r) })
}

func truncateUTF8(s string, n int) string {
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
