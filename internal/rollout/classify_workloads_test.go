package rollout

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

func i32(v int32) *int32 { return &v }

func deploy(replicas int32, st appsv1.DeploymentStatus, mutate ...func(*appsv1.Deployment)) *appsv1.Deployment {
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Generation: 2},
		Spec: appsv1.DeploymentSpec{Replicas: i32(replicas)}, Status: st}
	for _, m := range mutate {
		m(d)
	}
	return d
}

func TestClassifyWorkloads(t *testing.T) {
	done := appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: 3, UpdatedReplicas: 3, ReadyReplicas: 3, AvailableReplicas: 3}
	sts := func(mutate func(*appsv1.StatefulSet)) *appsv1.StatefulSet {
		s := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "db", Generation: 1}, Spec: appsv1.StatefulSetSpec{Replicas: i32(3)},
			Status: appsv1.StatefulSetStatus{ObservedGeneration: 1, Replicas: 3, ReadyReplicas: 3, AvailableReplicas: 3, UpdatedReplicas: 3, CurrentRevision: "db-2", UpdateRevision: "db-2"}}
		mutate(s)
		return s
	}
	ds := func(mutate func(*appsv1.DaemonSet)) *appsv1.DaemonSet {
		d := &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: "agent", Generation: 1},
			Status: appsv1.DaemonSetStatus{ObservedGeneration: 1, DesiredNumberScheduled: 2, UpdatedNumberScheduled: 2, NumberAvailable: 2, NumberReady: 2}}
		mutate(d)
		return d
	}
	job := func(conds ...batchv1.JobCondition) *batchv1.Job {
		return &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "migrate"}, Status: batchv1.JobStatus{Conditions: conds, Active: 1}}
	}
	tests := []struct {
		name       string
		obj        runtime.Object
		state      State
		reason     string
		definitive bool
		resource   string
	}{
		{"deployment fully rolled out", deploy(3, done), Ready, "Ready", false, "deployment/web"},
		{"deployment generation not observed", deploy(3, func() appsv1.DeploymentStatus { s := done; s.ObservedGeneration = 1; return s }()), Progressing, "ObservedGeneration", false, "deployment/web"},
		{"deployment maxUnavailable slack is not ready", deploy(3, appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: 3, UpdatedReplicas: 3, ReadyReplicas: 2, AvailableReplicas: 2}), Progressing, "Rolling", false, "deployment/web"},
		{"deployment old pods left", deploy(3, appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: 4, UpdatedReplicas: 3, ReadyReplicas: 3, AvailableReplicas: 3}), Progressing, "Rolling", false, "deployment/web"},
		{"deployment one replica zero ready (helm would pass)", deploy(1, appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: 1, UpdatedReplicas: 1}), Progressing, "Rolling", false, "deployment/web"},
		{"deployment progress deadline exceeded", deploy(3, appsv1.DeploymentStatus{ObservedGeneration: 2, Conditions: []appsv1.DeploymentCondition{{
			Type: appsv1.DeploymentProgressing, Status: corev1.ConditionFalse, Reason: "ProgressDeadlineExceeded", Message: `ReplicaSet "web-1" has timed out progressing.`}}}), Failed, "ProgressDeadlineExceeded", true, "deployment/web"},
		{"deployment replica failure", deploy(3, appsv1.DeploymentStatus{ObservedGeneration: 2, Conditions: []appsv1.DeploymentCondition{{
			Type: appsv1.DeploymentReplicaFailure, Status: corev1.ConditionTrue, Reason: "FailedCreate", Message: "exceeded quota"}}}), Failed, "FailedCreate", true, "deployment/web"},
		{"deployment paused is reported", deploy(3, appsv1.DeploymentStatus{}, func(d *appsv1.Deployment) { d.Spec.Paused = true }), Ready, "Paused", false, "deployment/web"},
		{"replicaset FailedCreate (quota)", &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web-5d"}, Spec: appsv1.ReplicaSetSpec{Replicas: i32(2)},
			Status: appsv1.ReplicaSetStatus{Conditions: []appsv1.ReplicaSetCondition{{Type: appsv1.ReplicaSetReplicaFailure, Status: corev1.ConditionTrue,
				Reason: "FailedCreate", Message: `pods "web-5d-x" is forbidden: exceeded quota: compute`}}}}, Failed, "FailedCreate", true, "replicaset/web-5d"},
		{"replicaset ready", &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web-5d"}, Spec: appsv1.ReplicaSetSpec{Replicas: i32(2)},
			Status: appsv1.ReplicaSetStatus{ReadyReplicas: 2, AvailableReplicas: 2}}, Ready, "Ready", false, "replicaset/web-5d"},
		{"statefulset done", sts(func(*appsv1.StatefulSet) {}), Ready, "Ready", false, "statefulset/db"},
		{"statefulset revision not switched", sts(func(s *appsv1.StatefulSet) { s.Status.CurrentRevision = "db-1" }), Progressing, "Rolling", false, "statefulset/db"},
		{"statefulset partition 2 with one updated", sts(func(s *appsv1.StatefulSet) {
			s.Spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateStatefulSetStrategy{Partition: i32(2)}
			s.Status.UpdatedReplicas, s.Status.CurrentRevision = 1, "db-1"
		}), Ready, "Ready", false, "statefulset/db"},
		{"statefulset partition 1 with one updated", sts(func(s *appsv1.StatefulSet) {
			s.Spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateStatefulSetStrategy{Partition: i32(1)}
			s.Status.UpdatedReplicas, s.Status.CurrentRevision = 1, "db-1"
		}), Progressing, "Rolling", false, "statefulset/db"},
		{"statefulset OnDelete needs only readiness", sts(func(s *appsv1.StatefulSet) {
			s.Spec.UpdateStrategy.Type = appsv1.OnDeleteStatefulSetStrategyType
			s.Status.UpdatedReplicas, s.Status.CurrentRevision = 0, "db-1"
		}), Ready, "Ready", false, "statefulset/db"},
		{"statefulset not ready", sts(func(s *appsv1.StatefulSet) { s.Status.ReadyReplicas = 2 }), Progressing, "Rolling", false, "statefulset/db"},
		{"daemonset done", ds(func(*appsv1.DaemonSet) {}), Ready, "Ready", false, "daemonset/agent"},
		{"daemonset updating", ds(func(d *appsv1.DaemonSet) { d.Status.UpdatedNumberScheduled = 1 }), Progressing, "Rolling", false, "daemonset/agent"},
		{"daemonset unavailable", ds(func(d *appsv1.DaemonSet) { d.Status.NumberAvailable = 1 }), Progressing, "Rolling", false, "daemonset/agent"},
		{"job running", job(), Progressing, "Running", false, "job/migrate"},
		{"job complete", job(batchv1.JobCondition{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}), Ready, "Complete", false, "job/migrate"},
		{"job backoff limit exceeded", job(batchv1.JobCondition{Type: batchv1.JobFailed, Status: corev1.ConditionTrue, Reason: "BackoffLimitExceeded", Message: "Job has reached the specified backoff limit"}), Failed, "BackoffLimitExceeded", true, "job/migrate"},
		{"pvc bound", &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "data"}, Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimBound}}, Ready, "Bound", false, "persistentvolumeclaim/data"},
		{"pvc pending", &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "data"}, Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending}}, Progressing, "Pending", false, "persistentvolumeclaim/data"},
		{"pvc lost", &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: "data"}, Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimLost}}, Failed, "ClaimLost", true, "persistentvolumeclaim/data"},
		{"load balancer without ingress", &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "lb"}, Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer}}, Progressing, "Pending", false, "service/lb"},
		{"load balancer with ingress", &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "lb"}, Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer},
			Status: corev1.ServiceStatus{LoadBalancer: corev1.LoadBalancerStatus{Ingress: []corev1.LoadBalancerIngress{{IP: "10.0.0.9"}}}}}, Ready, "Ready", false, "service/lb"},
		{"cluster IP service", &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "svc"}}, Ready, "Ready", false, "service/svc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Classify(tt.obj, t0, ClassifyOptions{})
			if v.State != tt.state || v.Reason != tt.reason || v.Definitive != tt.definitive {
				t.Fatalf("got %s/%s definitive=%v (%q), want %s/%s definitive=%v", v.State, v.Reason, v.Definitive, v.Message, tt.state, tt.reason, tt.definitive)
			}
			if v.Resource != tt.resource {
				t.Errorf("resource %q, want %q", v.Resource, tt.resource)
			}
		})
	}
}

func TestDeploymentProgressMessage(t *testing.T) {
	v := ClassifyDeployment(deploy(3, appsv1.DeploymentStatus{ObservedGeneration: 2, Replicas: 4, UpdatedReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 2}))
	if v.Message != "2/3 ready, 1 updating, 2 old" {
		t.Fatalf("message %q", v.Message)
	}
}

func TestBudget(t *testing.T) {
	pull := Verdict{State: Failed, Resource: "pod/web-1", Pod: "web-1", Container: "app", Reason: "ErrImagePull"}
	backoff := pull
	backoff.Reason = "ImagePullBackOff"
	crash := Verdict{State: Failed, Resource: "pod/web-1", Pod: "web-1", Container: "app", Reason: "CrashLoopBackOff", Definitive: true}
	restart := func(n int32) Verdict {
		return Verdict{State: Failed, Resource: "pod/web-1", Pod: "web-1", Container: "app", Reason: "Restarted", Restarts: n}
	}
	tests := []struct {
		name    string
		allowed int
		seq     []Verdict
		fails   []bool
	}{
		{"one pull hiccup within allowance", 1, []Verdict{pull, pull, pull}, []bool{false, false, false}},
		{"pull then back-off exceeds allowance 1", 1, []Verdict{pull, backoff}, []bool{false, true}},
		{"three replicas tolerate three", 3, []Verdict{pull, backoff, restart(1), restart(2)}, []bool{false, false, false, true}},
		{"definitive ignores allowance", 10, []Verdict{crash}, []bool{true}},
		{"no allowance", 0, []Verdict{pull}, []bool{true}},
		{"progress and ready do not count", 0, []Verdict{{State: Progressing}, {State: Ready}}, []bool{false, false}},
	}
	other := pull
	other.Pod = "web-2"
	perPod := []struct {
		name    string
		allowed int
		per     int
		seq     []Verdict
		fails   []bool
	}{
		{"one pod exceeds its share in a 3-replica workload", 3, 1, []Verdict{pull, backoff}, []bool{false, true}},
		{"two pods each within their share", 3, 1, []Verdict{pull, other}, []bool{false, false}},
		{"share of 2 per pod", 4, 2, []Verdict{pull, backoff, restart(1)}, []bool{false, false, true}},
	}
	for _, tt := range perPod {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBudget(tt.allowed)
			b.PerPod = tt.per
			for i, v := range tt.seq {
				if got := b.Observe(v); got != tt.fails[i] {
					t.Fatalf("step %d (%s %s): fail=%v, want %v", i, v.Pod, v.Reason, got, tt.fails[i])
				}
			}
		})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBudget(tt.allowed)
			for i, v := range tt.seq {
				if got := b.Observe(v); got != tt.fails[i] {
					t.Fatalf("step %d (%s): fail=%v, want %v", i, v.Reason, got, tt.fails[i])
				}
			}
		})
	}
}

func TestAllowance(t *testing.T) {
	tests := []struct {
		name       string
		perReplica int
		replicas   int32
		want       int
	}{
		{"default one per replica", 0, 3, 3},
		{"explicit two per replica", 2, 2, 4},
		{"zero replicas count as one", 1, 0, 1},
		{"negative disables", -1, 5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Allowance(tt.perReplica, tt.replicas); got != tt.want {
				t.Fatalf("Allowance(%d, %d) = %d, want %d", tt.perReplica, tt.replicas, got, tt.want)
			}
		})
	}
}
