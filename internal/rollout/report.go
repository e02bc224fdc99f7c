package rollout

import "time"

// Report describes the last Wait for the job summary: every tracked resource
// with its final state, and the failure if there was one.
type Report struct {
	Started   time.Time
	Duration  time.Duration
	Resources []ResourceReport
	// Failure is nil when the rollout succeeded or was cancelled.
	Failure *FailureError
}

// ResourceReport is one tracked resource's final state.
type ResourceReport struct {
	Resource  string // "deployment/web"
	Namespace string
	State     State
	Reason    string
	Message   string
	Pods      int // pods of the current revision seen at the end
}

func (r *run) report(fail *FailureError) Report {
	rep := Report{Started: r.start, Duration: r.t.opts.Now().Sub(r.start), Failure: fail}
	for _, tg := range r.targets {
		rep.Resources = append(rep.Resources, ResourceReport{Resource: tg.res, Namespace: tg.ns,
			State: tg.verdict.State, Reason: tg.verdict.Reason, Message: tg.verdict.Message, Pods: len(tg.pods)})
	}
	return rep
}
