package rollout

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// manifestObjs is what Helm hands to Wait: the manifest's objects, here the
// deployment as unstructured (as Helm often does) plus a ConfigMap that is not
// tracked.
func manifestObjs(t *testing.T) []runtime.Object {
	t.Helper()
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web"}})
	if err != nil {
		t.Fatal(err)
	}
	u := &unstructured.Unstructured{Object: m}
	u.SetAPIVersion("apps/v1")
	u.SetKind("Deployment")
	return []runtime.Object{u, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg", Namespace: ns}}}
}

func TestWaitHealthyDeployment(t *testing.T) {
	c := newCluster(t, 2)
	tr := c.tracker(nil)
	ch := wait(context.Background(), tr, manifestObjs(t), 10*time.Second)
	eventually(t, "first progress line", func() bool { return strings.Contains(c.out.String(), "deployment/web 0/2 ready") })
	c.apply(c.pod("web-2-a", "rs2-uid", false, 0, corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}))
	c.apply(c.pod("web-2-b", "rs2-uid", false, 0, running))
	c.depStatus(1)
	eventually(t, "1/2 progress", func() bool { return strings.Contains(c.out.String(), "deployment/web 1/2 ready") })
	c.apply(c.pod("web-2-a", "rs2-uid", true, 0, running))
	c.apply(c.pod("web-2-b", "rs2-uid", true, 0, running))
	c.depStatus(2)
	if err := result(t, ch, 3*time.Second); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	out := c.out.String()
	for _, want := range []string{"deployment/web 2/2 ready", "rollout complete: 1 resources ready", "web-2-b/app | fake logs"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	rep := tr.Report()
	if len(rep.Resources) != 1 || rep.Resources[0].State != Ready || rep.Resources[0].Pods != 2 || rep.Failure != nil {
		t.Errorf("report %+v", rep)
	}
}

func TestWaitCrashLoopFailsFast(t *testing.T) {
	c := newCluster(t, 3)
	logReactor(c.cs, "starting\npanic: missing DATABASE_URL\n")
	tr := c.tracker(nil)
	ch := wait(context.Background(), tr, manifestObjs(t), time.Minute)
	c.apply(c.pod("web-2-a", "rs2-uid", true, 0, running))
	began := time.Now()
	crash := c.pod("web-2-b", "rs2-uid", false, 1, corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off 10s"}})
	crash.Status.ContainerStatuses[0].LastTerminationState.Terminated = &corev1.ContainerStateTerminated{ExitCode: 2, Reason: "Error"}
	c.apply(crash)
	fe := mustFailure(t, result(t, ch, 2*time.Second))
	if d := time.Since(began); d > time.Second {
		t.Errorf("verdict took %s", d)
	}
	v := fe.Verdict
	if v.Reason != "CrashLoopBackOff" || v.Resource != "deployment/web" || v.Pod != "web-2-b" || v.Container != "app" ||
		v.ExitCode == nil || *v.ExitCode != 2 || v.Restarts != 1 {
		t.Fatalf("verdict %+v", v)
	}
	if len(fe.LastLogLines) != 2 || fe.LastLogLines[1] != "panic: missing DATABASE_URL" {
		t.Errorf("last log lines %q", fe.LastLogLines)
	}
	msg := fe.Error()
	for _, want := range []string{"deployment/web: CrashLoopBackOff (pod web-2-b, container app, exit code 2, 1 restarts)", "what to do:", "panic: missing DATABASE_URL"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if !errors.Is(fe, ErrFailed) || tr.Report().Failure != fe {
		t.Errorf("Is(ErrFailed)=%v report failure %v", errors.Is(fe, ErrFailed), tr.Report().Failure)
	}
}

func TestWaitCrashWithinAllowancePrintsPreviousLogs(t *testing.T) {
	c := newCluster(t, 3)
	logReactor(c.cs, "starting\npanic: transient\n")
	ch := wait(context.Background(), c.tracker(func(o *Options) { o.Logs = LogsFailed }), manifestObjs(t), time.Minute)
	crashed := c.pod("web-2-a", "rs2-uid", false, 1, running)
	crashed.Status.ContainerStatuses[0].LastTerminationState.Terminated = &corev1.ContainerStateTerminated{ExitCode: 2, Reason: "Error"}
	c.apply(crashed)
	eventually(t, "crash dump", func() bool { return strings.Contains(c.out.String(), "web-2-a/app | panic: transient") })
	for _, name := range []string{"web-2-a", "web-2-b", "web-2-c"} {
		p := c.pod(name, "rs2-uid", true, 0, running)
		if name == "web-2-a" {
			p.Status.ContainerStatuses[0].RestartCount = 1
		}
		c.apply(p)
	}
	c.depStatus(3)
	if err := result(t, ch, 2*time.Second); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	out := c.out.String()
	if !strings.Contains(out, "web-2-a/app crashed (Error (exit code 2), restart 1); its last 2 lines:") {
		t.Errorf("crash header missing:\n%s", out)
	}
	if strings.Contains(out, "fake logs") {
		t.Errorf("logs=failed must not follow logs:\n%s", out)
	}
}

func TestWaitContextCancelReturnsPromptly(t *testing.T) {
	c := newCluster(t, 1)
	ctx, cancel := context.WithCancel(context.Background())
	ch := wait(ctx, c.tracker(nil), manifestObjs(t), time.Hour)
	eventually(t, "tracking started", func() bool { return strings.Contains(c.out.String(), "deployment/web") })
	cancel()
	began := time.Now()
	err := result(t, ch, time.Second)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("want context.Canceled, got %v", err)
	}
	if d := time.Since(began); d > 300*time.Millisecond {
		t.Errorf("returned %s after cancel", d)
	}
}

func TestWaitFlappingDuringMinReady(t *testing.T) {
	c := newCluster(t, 1)
	c.apply(c.pod("web-2-a", "rs2-uid", true, 0, running))
	c.depStatus(1)
	ch := wait(context.Background(), c.tracker(func(o *Options) { o.MinReady = 5 * time.Second }), manifestObjs(t), time.Minute)
	eventually(t, "stability window", func() bool { return strings.Contains(c.out.String(), "watching 5s for stability") })
	p := c.pod("web-2-a", "rs2-uid", true, 1, running)
	p.Status.ContainerStatuses[0].LastTerminationState.Terminated = &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "Error"}
	c.apply(p)
	fe := mustFailure(t, result(t, ch, 2*time.Second))
	if v := fe.Verdict; v.Reason != "Flapping" || v.Pod != "web-2-a" || v.Container != "app" || v.Restarts != 1 {
		t.Fatalf("verdict %+v", v)
	}
}

func TestWaitNotReadyDuringMinReadyIsFlapping(t *testing.T) {
	c := newCluster(t, 1)
	c.apply(c.pod("web-2-a", "rs2-uid", true, 0, running))
	c.depStatus(1)
	ch := wait(context.Background(), c.tracker(func(o *Options) { o.MinReady = 5 * time.Second }), manifestObjs(t), time.Minute)
	eventually(t, "stability window", func() bool { return strings.Contains(c.out.String(), "for stability") })
	c.apply(c.pod("web-2-a", "rs2-uid", false, 0, running))
	fe := mustFailure(t, result(t, ch, 2*time.Second))
	if v := fe.Verdict; v.Reason != "Flapping" || v.Pod != "web-2-a" {
		t.Fatalf("verdict %+v", v)
	}
}

func TestWaitMinReadyPassesWhenStable(t *testing.T) {
	c := newCluster(t, 1)
	c.apply(c.pod("web-2-a", "rs2-uid", true, 0, running))
	c.depStatus(1)
	began := time.Now()
	err := result(t, wait(context.Background(), c.tracker(func(o *Options) { o.MinReady = 150 * time.Millisecond }), manifestObjs(t), time.Minute), 2*time.Second)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if d := time.Since(began); d < 150*time.Millisecond {
		t.Errorf("returned after %s, before MinReady", d)
	}
}

func TestWaitTransientImagePullWithinAllowance(t *testing.T) {
	c := newCluster(t, 1)
	ch := wait(context.Background(), c.tracker(nil), manifestObjs(t), time.Minute)
	c.apply(c.pod("web-2-a", "rs2-uid", false, 0, corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ErrImagePull", Message: "i/o timeout"}}))
	eventually(t, "transient failure counted", func() bool { return strings.Contains(c.out.String(), "(1/1 transient failures allowed)") })
	c.apply(c.pod("web-2-a", "rs2-uid", true, 0, running))
	c.depStatus(1)
	if err := result(t, ch, 2*time.Second); err != nil {
		t.Fatalf("Wait: %v", err)
	}
}

func TestWaitImagePullBeyondAllowance(t *testing.T) {
	c := newCluster(t, 1)
	ch := wait(context.Background(), c.tracker(nil), manifestObjs(t), time.Minute)
	c.apply(c.pod("web-2-a", "rs2-uid", false, 0, corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ErrImagePull", Message: "not found"}}))
	eventually(t, "transient failure counted", func() bool { return strings.Contains(c.out.String(), "transient failures allowed") })
	c.apply(c.pod("web-2-a", "rs2-uid", false, 0, corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff", Message: "Back-off pulling image"}}))
	fe := mustFailure(t, result(t, ch, 2*time.Second))
	if fe.Verdict.Reason != "ImagePullBackOff" || !strings.Contains(fe.Error(), "imagePullSecrets") {
		t.Fatalf("got %v", fe)
	}
}

func TestWaitReplicaSetFailedCreate(t *testing.T) {
	c := newCluster(t, 1)
	ch := wait(context.Background(), c.tracker(nil), manifestObjs(t), time.Minute)
	rs := c.rs.DeepCopy()
	rs.Status.Conditions = []appsv1.ReplicaSetCondition{{Type: appsv1.ReplicaSetReplicaFailure, Status: corev1.ConditionTrue,
		Reason: "FailedCreate", Message: "exceeded quota: compute"}}
	c.apply(rs)
	fe := mustFailure(t, result(t, ch, 2*time.Second))
	if fe.Verdict.Reason != "FailedCreate" || !strings.Contains(fe.Verdict.Message, "replicaset/web-2: exceeded quota") {
		t.Fatalf("verdict %+v", fe.Verdict)
	}
}

func TestWaitTimeoutNamesTheResource(t *testing.T) {
	c := newCluster(t, 1)
	fe := mustFailure(t, result(t, wait(context.Background(), c.tracker(nil), manifestObjs(t), 100*time.Millisecond), 2*time.Second))
	if !errors.Is(fe, ErrTimeout) || fe.Verdict.Resource != "deployment/web" || !strings.Contains(fe.Error(), "0/1 ready") {
		t.Fatalf("got %v", fe)
	}
}

func TestWaitNothingToTrack(t *testing.T) {
	c := newCluster(t, 1)
	objs := []runtime.Object{&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cfg"}}}
	if err := c.tracker(nil).Wait(context.Background(), objs, time.Second); err != nil {
		t.Fatal(err)
	}
	if err := New(Options{}).Wait(context.Background(), objs, time.Second); !errors.Is(err, ErrNoClient) {
		t.Fatalf("no client: %v", err)
	}
}

func TestWaitPausedDeploymentIsReportedNotWaitedFor(t *testing.T) {
	c := newCluster(t, 1)
	d := c.dep.DeepCopy()
	d.Spec.Paused = true
	c.apply(d)
	c.apply(c.pod("web-2-a", "rs2-uid", false, 0, crashLoop))
	tr := c.tracker(nil)
	if err := result(t, wait(context.Background(), tr, manifestObjs(t), time.Minute), 2*time.Second); err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if !strings.Contains(c.out.String(), "deployment/web Paused: deployment is paused") {
		t.Errorf("paused deployment not reported:\n%s", c.out.String())
	}
	if r := tr.Report().Resources[0]; r.Reason != "Paused" || r.State != Ready {
		t.Errorf("report %+v", r)
	}
}

// A pod first seen already in ImagePullBackOff (a missed update, a relist, a pod stuck before
// this deploy) gets the verdict a watcher of every transition gives, not a timeout.
func TestWaitImagePullBackOffAtFirstSight(t *testing.T) {
	c := newCluster(t, 1)
	ch := wait(context.Background(), c.tracker(nil), manifestObjs(t), time.Minute)
	began := time.Now()
	c.apply(c.pod("web-2-a", "rs2-uid", false, 0, corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff", Message: `Back-off pulling image "web:nope"`}}))
	fe := mustFailure(t, result(t, ch, 2*time.Second))
	if fe.Verdict.Reason != "ImagePullBackOff" || fe.Verdict.Pod != "web-2-a" {
		t.Fatalf("verdict %+v, want ImagePullBackOff of web-2-a", fe.Verdict)
	}
	if d := time.Since(began); d > time.Second {
		t.Errorf("verdict took %s", d)
	}
}

// A timeout names every not-ready pod's current blocking state, never just "0/1 ready".
func TestWaitTimeoutNamesBlockingState(t *testing.T) {
	c := newCluster(t, 2)
	ch := wait(context.Background(), c.tracker(nil), manifestObjs(t), 1500*time.Millisecond)
	c.apply(c.pod("web-2-a", "rs2-uid", false, 0, corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating", Message: "pulling a 4 GB image"}}))
	c.apply(c.pod("web-2-b", "rs2-uid", false, 0, running))
	fe := mustFailure(t, result(t, ch, 5*time.Second))
	msg := fe.Headline()
	for _, want := range []string{"Timeout", "pod web-2-a ContainerCreating: container app: pulling a 4 GB image", "pod web-2-b NotReady"} {
		if !strings.Contains(msg, want) {
			t.Errorf("timeout verdict %q lacks %q", msg, want)
		}
	}
}

// A hook Pod (WithCompletion) is done when it has Succeeded, not when it is Running and Ready;
// one that fails is a failure naming it.
func TestWaitHookPodMustComplete(t *testing.T) {
	hookPod := func(c *cluster, phase corev1.PodPhase, ready bool, state corev1.ContainerState) *corev1.Pod {
		p := c.pod("web-migrate", "", ready, 0, state)
		p.OwnerReferences = nil
		p.Spec.RestartPolicy = corev1.RestartPolicyNever
		p.Status.Phase = phase
		return p
	}
	objs := []runtime.Object{&corev1.Pod{TypeMeta: metav1.TypeMeta{Kind: "Pod", APIVersion: "v1"}, ObjectMeta: metav1.ObjectMeta{Name: "web-migrate", Namespace: ns}}}
	ctx := WithoutStabilisation(WithCompletion(context.Background()))

	t.Run("completes", func(t *testing.T) {
		c := newCluster(t, 1)
		c.apply(hookPod(c, corev1.PodRunning, true, running))
		ch := wait(ctx, c.tracker(nil), objs, time.Minute)
		eventually(t, "the running hook Pod is waited on", func() bool { return strings.Contains(c.out.String(), "must run to completion") })
		select {
		case err := <-ch:
			t.Fatalf("Wait returned %v while the hook Pod was still running", err)
		default:
		}
		c.apply(hookPod(c, corev1.PodSucceeded, false, corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed"}}))
		if err := result(t, ch, 2*time.Second); err != nil {
			t.Fatalf("Wait: %v", err)
		}
	})
	t.Run("fails", func(t *testing.T) {
		c := newCluster(t, 1)
		c.apply(hookPod(c, corev1.PodRunning, true, running))
		ch := wait(ctx, c.tracker(nil), objs, time.Minute)
		c.apply(hookPod(c, corev1.PodFailed, false, corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 3, Reason: "Error"}}))
		fe := mustFailure(t, result(t, ch, 2*time.Second))
		if fe.Verdict.Resource != "pod/web-migrate" || fe.Verdict.ExitCode == nil || *fe.Verdict.ExitCode != 3 {
			t.Fatalf("verdict %+v, want pod/web-migrate exit code 3", fe.Verdict)
		}
	})
}
