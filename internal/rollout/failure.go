package rollout

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// maxFailureEvents bounds the Warning events attached to a failure.
const maxFailureEvents = 10

// FailureError is the rollout's diagnosis: what failed, why, and the evidence.
type FailureError struct {
	Verdict      Verdict
	LastLogLines []string // last lines of the failing container (previous instance after a crash)
	Events       []string // recent Warning events of the failing resource
	// Title names what failed in the annotation's title ("": "Rollout failed").
	Title string
}

// Headline is the one-line diagnosis (the first line of Error), suitable for
// a failure-reason output.
func (e *FailureError) Headline() string {
	b := e.Brief()
	if m := e.Verdict.Message; m != "" {
		b += ": " + strings.Join(strings.Fields(m), " ")
	}
	return b
}

// Brief is the diagnosis from our own words and the object's names only (resource, reason,
// pod, container, exit code, restarts), without any text the workload wrote: what may leave
// the job (GitHub deployment statuses).
func (e *FailureError) Brief() string {
	v := e.Verdict
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", orDefault(v.Resource, "rollout"), v.Reason)
	var where []string
	if v.Pod != "" {
		where = append(where, "pod "+v.Pod)
	}
	if v.Container != "" {
		where = append(where, "container "+v.Container)
	}
	if v.ExitCode != nil {
		where = append(where, fmt.Sprintf("exit code %d", *v.ExitCode))
	}
	if v.Restarts > 0 && v.Reason != "FailedCreate" {
		where = append(where, fmt.Sprintf("%d restarts", v.Restarts))
	}
	if len(where) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(where, ", "))
	}
	return b.String()
}

// Annotation is an ::error workflow command carrying the headline and hint.
func (e *FailureError) Annotation() string {
	title := fmt.Sprintf("%s: %s %s", orDefault(e.Title, "Rollout failed"), orDefault(e.Verdict.Resource, "rollout"), e.Verdict.Reason)
	msg := e.Headline()
	if h := Hint(e.Verdict.Reason); h != "" {
		msg += "\nwhat to do: " + h
	}
	return fmt.Sprintf("::error title=%s::%s", escapeProperty(title), escapeData(msg))
}

// Error names the resource, pod, container, reason, message, exit code and
// restarts, says what the user can do, and appends the evidence.
func (e *FailureError) Error() string {
	v := e.Verdict
	var b strings.Builder
	b.WriteString(e.Headline())
	if h := Hint(v.Reason); h != "" {
		fmt.Fprintf(&b, "\nwhat to do: %s", h)
	}
	if len(e.LastLogLines) > 0 {
		fmt.Fprintf(&b, "\nlast %d log lines of %s/%s:", len(e.LastLogLines), v.Pod, v.Container)
		for _, l := range e.LastLogLines {
			b.WriteString("\n  " + l)
		}
	}
	if len(e.Events) > 0 {
		b.WriteString("\nwarning events:")
		for _, l := range e.Events {
			b.WriteString("\n  " + l)
		}
	}
	return b.String()
}

// Unwrap returns ErrTimeout for timeouts and ErrFailed otherwise.
func (e *FailureError) Unwrap() error {
	if e.Verdict.Reason == "Timeout" {
		return ErrTimeout
	}
	return ErrFailed
}

// hints say what the user can do about each failure reason.
var hints = map[string]string{
	"CrashLoopBackOff":           "the container keeps exiting; read its last log lines, then check command/args, environment, config files and that its dependencies are reachable",
	"Restarted":                  "the container exited with an error and was restarted; read its last log lines and check command/args and configuration",
	"Error":                      "the container exited with an error; read its last log lines and check command/args and configuration",
	"InitContainerFailed":        "an init container exited with an error; read its log lines (migrations, permissions, dependencies)",
	"OOMKilled":                  "the container exceeded its memory limit; raise resources.limits.memory or reduce the process's memory use",
	"ErrImagePull":               "check the image name and tag, that the registry is reachable from the cluster, and imagePullSecrets for private registries",
	"ImagePullBackOff":           "check the image name and tag, that the registry is reachable from the cluster, and imagePullSecrets for private registries",
	"InvalidImageName":           "the image reference is malformed; fix the image value (repository[:tag][@digest])",
	"ErrImageNeverPull":          "imagePullPolicy is Never but the image is not on the node; use IfNotPresent/Always or preload the image",
	"CreateContainerConfigError": "a ConfigMap or Secret (or one of its keys) referenced by env/envFrom/volumes is missing; create it or fix the reference",
	"CreateContainerError":       "the runtime could not create the container; check volume mounts, securityContext and the events below",
	"RunContainerError":          "the runtime could not start the process; check command/entrypoint exists in the image, mounts and permissions",
	"Unschedulable":              "no node fits the pod; check resource requests, nodeSelector/affinity, taints/tolerations and PVC binding",
	"FailedCreate":               "the controller cannot create pods; check ResourceQuota/LimitRange and admission policies (Pod Security, webhooks) in the events",
	"ProgressDeadlineExceeded":   "the Deployment made no progress within progressDeadlineSeconds; look at its pods' reasons and events",
	"BackoffLimitExceeded":       "the Job's pods failed backoffLimit times; read their logs",
	"DeadlineExceeded":           "the Job ran longer than activeDeadlineSeconds",
	"Evicted":                    "the node evicted the pod under resource pressure; set requests/limits or use nodes with more capacity",
	"ClaimLost":                  "the PersistentVolume behind the claim is gone; restore or recreate the volume",
	"Flapping":                   "pods restarted or became NotReady right after the rollout was ready; check liveness/readiness probes, startup time and resource limits",
	"Timeout":                    "the rollout did not finish in time; look at the progress lines and events above, or raise the timeout",
}

// Hint is the advice for a failure reason ("" when there is none).
func Hint(reason string) string { return hints[reason] }

// failure builds the FailureError for a verdict, fetching the failing
// container's last log lines (unless logs are off) and Warning events.
func (r *run) failure(v Verdict) error {
	fe := &FailureError{Verdict: v}
	if r.events != nil {
		fe.Events = r.events.warningsFor(v.Resource, maxFailureEvents)
	}
	if v.Pod == "" || v.Container == "" || r.t.opts.Logs == LogsNone || r.ctx == nil {
		return fe
	}
	ns := r.t.opts.Namespace
	for _, tg := range r.targets {
		if tg.res == v.Resource {
			ns = tg.ns
		}
	}
	ctx, cancel := context.WithTimeout(r.ctx, 5*time.Second)
	defer cancel()
	if v.Restarts > 0 {
		if lines, err := tailLogs(ctx, r.t, ns, v.Pod, v.Container, true); err == nil && len(lines) > 0 {
			fe.LastLogLines = lines
			return fe
		}
	}
	if lines, err := tailLogs(ctx, r.t, ns, v.Pod, v.Container, false); err == nil {
		fe.LastLogLines = lines
	}
	return fe
}

// maxBlockingPods bounds the pods a timeout verdict describes one by one.
const maxBlockingPods = 5

// blocking names what holds each not-ready pod of tg back, as the pod shows it now: the
// waiting reason and message of its containers (or its phase), so a timeout says why and not
// just "0/1 ready".
func (r *run) blocking(tg *target) string {
	copts := ClassifyOptions{UnschedulableGrace: r.t.opts.UnschedulableGrace}
	now := r.t.opts.Now()
	var parts []string
	more := 0
	for _, p := range tg.pods {
		if podReady(p) || p.DeletionTimestamp != nil {
			continue
		}
		if len(parts) == maxBlockingPods {
			more++
			continue
		}
		v := ClassifyPod(p, now, copts)
		desc := fmt.Sprintf("pod %s %s", p.Name, v.Reason)
		if msg := podWaitingMessage(p); msg != "" {
			desc += ": " + msg
		} else if v.Message != "" {
			desc += ": " + v.Message
		}
		parts = append(parts, desc)
	}
	if more > 0 {
		parts = append(parts, fmt.Sprintf("and %d more not-ready pods", more))
	}
	return strings.Join(parts, "; ")
}

func (r *run) timeoutError(timeout time.Duration) error {
	for _, tg := range r.targets {
		if tg.verdict.State != Ready {
			v := tg.verdict
			v.State, v.Reason, v.Definitive = Failed, "Timeout", true
			v.Resource = tg.res
			v.Message = fmt.Sprintf("not ready after %s: %s", timeout, orDefault(tg.verdict.Message, tg.verdict.Reason))
			if b := r.blocking(tg); b != "" {
				v.Message += "; " + b
			}
			return r.failure(v)
		}
	}
	v := Verdict{State: Failed, Reason: "Timeout", Definitive: true,
		Message: fmt.Sprintf("the %s stabilisation window did not finish within %s", r.minReady, timeout)}
	if len(r.targets) > 0 {
		v.Resource = r.targets[0].res
	}
	return r.failure(v)
}
