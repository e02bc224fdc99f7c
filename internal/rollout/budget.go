package rollout

import "fmt"

// DefaultFailuresAllowed is the default transient-failure allowance per replica.
const DefaultFailuresAllowed = 1

// Allowance is the number of transient failures a workload with the given
// replica count tolerates: perReplica × replicas (at least one replica). A
// perReplica of zero means DefaultFailuresAllowed; a negative one means none.
func Allowance(perReplica int, replicas int32) int {
	if perReplica == 0 {
		perReplica = DefaultFailuresAllowed
	}
	if perReplica < 0 {
		return 0
	}
	return perReplica * int(max(replicas, 1))
}

// Budget counts distinct transient failures of one workload against its
// allowance. A failure is distinct by pod, container, reason and restart
// count, so the same state seen on many status updates counts once, while a
// container that crashes again (restart count up) counts again.
//
// PerPod, when positive, also bounds the failures of any single pod: the allowance is per
// replica, so one pod that keeps failing (an image that cannot be pulled cycles between
// ErrImagePull and ImagePullBackOff on one surge pod while the others wait) fails the workload
// once it alone exceeds its share, however many replicas the workload has.
type Budget struct {
	allowed int
	PerPod  int
	seen    map[string]bool
	perPod  map[string]int
	used    []Verdict
}

// NewBudget returns a budget that tolerates allowed transient failures.
func NewBudget(allowed int) *Budget {
	return &Budget{allowed: allowed, seen: map[string]bool{}, perPod: map[string]int{}}
}

// Observe records a verdict and reports whether the workload must fail now:
// always for a definitive failure, and for a transient one when the number of
// distinct transient failures exceeds the allowance. Non-failures are ignored.
func (b *Budget) Observe(v Verdict) bool {
	if !v.Failed() {
		return false
	}
	if v.Definitive {
		return true
	}
	states := []string{v.Reason}
	if implied := impliedBefore[v.Reason]; implied != "" {
		states = []string{implied, v.Reason}
	}
	for _, reason := range states {
		key := fmt.Sprintf("%s|%s|%s|%s|%d", v.Resource, v.Pod, v.Container, reason, v.Restarts)
		if !b.seen[key] {
			b.seen[key] = true
			b.used = append(b.used, v)
			b.perPod[v.Resource+"|"+v.Pod]++
		}
	}
	if b.PerPod > 0 && b.perPod[v.Resource+"|"+v.Pod] > b.PerPod {
		return true
	}
	return len(b.used) > b.allowed
}

// impliedBefore maps a state to the failure it proves happened before it: the kubelet backs off
// a pull only after a pull failed. A pod first seen already backing off (a missed update, a
// relist, a pod stuck before this deploy) is then judged as if both had been seen, the same
// verdict a watcher that saw every transition gives.
var impliedBefore = map[string]string{"ImagePullBackOff": "ErrImagePull"}

// PerPodAllowance is the share of one pod: perReplica, with the same zero and negative rules
// as Allowance (0 for none).
func PerPodAllowance(perReplica int) int {
	if perReplica == 0 {
		return DefaultFailuresAllowed
	}
	return max(perReplica, 0)
}

// Used is the number of distinct transient failures seen so far.
func (b *Budget) Used() int { return len(b.used) }

// Allowed is the allowance.
func (b *Budget) Allowed() int { return b.allowed }
