package rollout

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/yaml"
)

// Warning is one rollout-safety finding on a rendered manifest.
type Warning struct {
	Resource string // "deployment/web"
	Message  string
}

// Annotation is the warning as a ::warning workflow command naming the resource.
func (w Warning) Annotation() string {
	return fmt.Sprintf("::warning title=%s::%s", escapeProperty("Rollout safety: "+w.Resource), escapeData(w.Message))
}

// defaultGracePeriod is Kubernetes' default terminationGracePeriodSeconds.
const defaultGracePeriod = 30

// Lint inspects a rendered multi-document manifest for rollout hazards:
//   - a Deployment whose rolling update can leave zero available pods;
//   - long-running containers without a readinessProbe (traffic and readiness
//     are then decided by "process started", so a broken pod counts as ready);
//   - a preStop hook that sleeps as long as or longer than the pod's
//     terminationGracePeriodSeconds (default 30): the kubelet kills the
//     container before the application ever receives SIGTERM.
//
// Documents that do not parse are skipped (Helm has validated them already).
func Lint(manifest string) []Warning {
	var out []Warning
	for _, doc := range splitDocuments(manifest) {
		var head struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if yaml.Unmarshal([]byte(doc), &head) != nil || head.Kind == "" {
			continue
		}
		res := resourceName(head.Kind, head.Metadata.Name)
		spec, longRunning, extra := podSpecOf(head.Kind, doc, res)
		out = append(out, extra...)
		if spec == nil {
			continue
		}
		out = append(out, lintPodSpec(res, spec, longRunning)...)
	}
	return out
}

// splitDocuments splits a multi-document YAML stream on "---" separator lines.
func splitDocuments(manifest string) []string {
	var docs []string
	var cur strings.Builder
	flush := func() {
		if strings.TrimSpace(cur.String()) != "" {
			docs = append(docs, cur.String())
		}
		cur.Reset()
	}
	for line := range strings.SplitSeq(manifest, "\n") {
		if strings.HasPrefix(line, "---") && strings.TrimSpace(strings.TrimLeft(line, "-")) == "" {
			flush()
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
	}
	flush()
	return docs
}

// podSpecOf returns the pod spec of a workload document, whether its
// containers are long-running (need a readiness probe), and kind-specific
// warnings (the Deployment availability check).
func podSpecOf(kind, doc, res string) (*corev1.PodSpec, bool, []Warning) {
	switch kind {
	case "Deployment":
		var d appsv1.Deployment
		if yaml.Unmarshal([]byte(doc), &d) != nil {
			return nil, false, nil
		}
		return &d.Spec.Template.Spec, true, lintDeployment(res, &d)
	case "StatefulSet":
		var s appsv1.StatefulSet
		if yaml.Unmarshal([]byte(doc), &s) != nil {
			return nil, false, nil
		}
		return &s.Spec.Template.Spec, true, nil
	case "DaemonSet":
		var d appsv1.DaemonSet
		if yaml.Unmarshal([]byte(doc), &d) != nil {
			return nil, false, nil
		}
		return &d.Spec.Template.Spec, true, nil
	case "Job":
		var j batchv1.Job
		if yaml.Unmarshal([]byte(doc), &j) != nil {
			return nil, false, nil
		}
		return &j.Spec.Template.Spec, false, nil
	case "Pod":
		var p corev1.Pod
		if yaml.Unmarshal([]byte(doc), &p) != nil {
			return nil, false, nil
		}
		return &p.Spec, p.Spec.RestartPolicy == "" || p.Spec.RestartPolicy == corev1.RestartPolicyAlways, nil
	}
	return nil, false, nil
}

// lintDeployment warns when a rolling update may take every pod down at once.
// maxUnavailable is resolved the way the deployment controller does it:
// percentages round down (maxSurge rounds up), defaults are 25%/25%, and when
// both resolve to zero maxUnavailable becomes 1.
func lintDeployment(res string, d *appsv1.Deployment) []Warning {
	if d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType {
		return nil
	}
	replicas := int(replicasOr1(d.Spec.Replicas))
	unavail := intstr.FromString("25%")
	surge := intstr.FromString("25%")
	if ru := d.Spec.Strategy.RollingUpdate; ru != nil {
		if ru.MaxUnavailable != nil {
			unavail = *ru.MaxUnavailable
		}
		if ru.MaxSurge != nil {
			surge = *ru.MaxSurge
		}
	}
	u := resolve(unavail, replicas, false)
	s := resolve(surge, replicas, true)
	if u == 0 && s == 0 {
		u = 1
	}
	if replicas == 0 || u < replicas {
		return nil
	}
	return []Warning{{Resource: res, Message: fmt.Sprintf(
		"a rolling update can leave zero available pods: replicas %d with maxUnavailable %s (resolves to %d); set maxUnavailable: 0 (and maxSurge >= 1) or run more replicas",
		replicas, unavail.String(), u)}}
}

func resolve(v intstr.IntOrString, total int, roundUp bool) int {
	if v.Type == intstr.Int {
		return v.IntValue()
	}
	pct, err := strconv.Atoi(strings.TrimSuffix(v.StrVal, "%"))
	if err != nil {
		return 0
	}
	f := float64(pct) * float64(total) / 100
	if roundUp {
		return int(math.Ceil(f))
	}
	return int(math.Floor(f))
}

// sleepArg finds "sleep N" in an exec command (direct or through a shell).
var sleepArg = regexp.MustCompile(`(?:^|[\s;&|/])sleep\s+(\d+)(?:s)?(?:\s|;|&|$)`)

func lintPodSpec(res string, spec *corev1.PodSpec, longRunning bool) []Warning {
	var out []Warning
	grace := int64(defaultGracePeriod)
	if spec.TerminationGracePeriodSeconds != nil {
		grace = *spec.TerminationGracePeriodSeconds
	}
	for _, c := range spec.Containers {
		if longRunning && c.ReadinessProbe == nil {
			out = append(out, Warning{Resource: res, Message: fmt.Sprintf(
				"container %q has no readinessProbe: it counts as ready as soon as it starts, so a broken pod can pass the rollout", c.Name)})
		}
		if n, ok := preStopSleep(c.Lifecycle); ok && n >= grace {
			out = append(out, Warning{Resource: res, Message: fmt.Sprintf(
				"container %q preStop hook sleeps %ds but terminationGracePeriodSeconds is %d: the container is killed before it receives SIGTERM; raise the grace period above the sleep",
				c.Name, n, grace)})
		}
	}
	return out
}

// preStopSleep returns the seconds a preStop hook sleeps (sleep action, or an
// exec command running sleep N).
func preStopSleep(l *corev1.Lifecycle) (int64, bool) {
	if l == nil || l.PreStop == nil {
		return 0, false
	}
	if s := l.PreStop.Sleep; s != nil {
		return s.Seconds, true
	}
	if e := l.PreStop.Exec; e != nil {
		m := sleepArg.FindStringSubmatch(strings.Join(e.Command, " "))
		if m == nil {
			return 0, false
		}
		n, err := strconv.ParseInt(m[1], 10, 64)
		return n, err == nil
	}
	return 0, false
}
