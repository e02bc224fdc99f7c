package ghdeploy

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

const (
	logURL = "https://github.com/octo/app/actions/runs/42/attempts/1"
	envURL = "https://staging.example.com"
)

func TestTrackerSequences(t *testing.T) {
	tests := []struct {
		name       string
		run        func(ctx context.Context, tr *Tracker)
		wantStates []string
		wantDesc   string // description of the last status
	}{
		{name: "success", wantStates: []string{"in_progress", "success"}, wantDesc: "app 1.2.3",
			run: func(ctx context.Context, tr *Tracker) { tr.InProgress(ctx); tr.Success(ctx) }},
		{name: "lock wait", wantStates: []string{"queued", "in_progress", "success"}, wantDesc: "app 1.2.3",
			run: func(ctx context.Context, tr *Tracker) { tr.Queued(ctx); tr.InProgress(ctx); tr.Success(ctx) }},
		{name: "rollout failure", wantStates: []string{"in_progress", "failure"}, wantDesc: "Deployment web: 0/3 ready",
			run: func(ctx context.Context, tr *Tracker) {
				tr.InProgress(ctx)
				tr.Failure(ctx, "Deployment web: 0/3 ready")
			}},
		{name: "action error", wantStates: []string{"in_progress", "error"}, wantDesc: "helm: chart not found",
			run: func(ctx context.Context, tr *Tracker) { tr.InProgress(ctx); tr.Error(ctx, "helm: chart not found") }},
		{name: "cancellation still posts error", wantStates: []string{"queued", "error"}, wantDesc: "cancelled",
			run: func(ctx context.Context, tr *Tracker) {
				run, cancel := context.WithCancel(ctx)
				tr.Queued(run)
				cancel()
				tr.InProgress(run) // dropped: the run's context is gone
				// The final state is posted on the finalizers' context (the run's one deadline).
				tr.Error(ctx, "cancelled")
			}},
		{name: "cancelled before the deployment existed", wantStates: []string{"error"}, wantDesc: "cancelled while waiting",
			run: func(ctx context.Context, tr *Tracker) {
				run, cancel := context.WithCancel(ctx)
				cancel()
				tr.Queued(run)
				tr.Error(ctx, "cancelled while waiting")
			}},
		{name: "no state twice, nothing after a final state", wantStates: []string{"queued", "in_progress", "success"}, wantDesc: "app 1.2.3",
			run: func(ctx context.Context, tr *Tracker) {
				tr.Queued(ctx)
				tr.Queued(ctx)
				tr.InProgress(ctx)
				tr.Queued(ctx)
				tr.Success(ctx)
				tr.Failure(ctx, "late")
				tr.Error(ctx, "later")
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c, _ := newFake(t, nil)
			var warned []string
			tr := NewTracker(c, DeploymentRequest{Ref: "main", Environment: "staging", Description: "app 1.2.3"},
				logURL, envURL, true, func(f string, a ...any) { warned = append(warned, fmt.Sprintf(f, a...)) })
			tt.run(t.Context(), tr)
			ds := s.Deployments()
			if len(ds) != 1 {
				t.Fatalf("deployments = %d, want 1 (created lazily, once)", len(ds))
			}
			d := ds[0]
			if got := d.States(); !slices.Equal(got, tt.wantStates) {
				t.Errorf("states = %v, want %v", got, tt.wantStates)
			}
			last := d.Statuses[len(d.Statuses)-1]
			if last.Description != tt.wantDesc {
				t.Errorf("last description = %q, want %q", last.Description, tt.wantDesc)
			}
			for _, st := range d.Statuses {
				if st.LogURL != logURL || st.Environment != "staging" {
					t.Errorf("status %s: log_url %q environment %q", st.State, st.LogURL, st.Environment)
				}
				if wantEnv := st.State == "success"; (st.EnvironmentURL == envURL) != wantEnv {
					t.Errorf("status %s: environment_url %q", st.State, st.EnvironmentURL)
				}
			}
			if tr.ID() != d.ID || tr.URL() != s.URL+"/octo/app/deployments/staging" {
				t.Errorf("ID %d URL %q", tr.ID(), tr.URL())
			}
			if len(warned) != 0 || len(tr.Warnings()) != 0 {
				t.Errorf("warnings: %q / %q", warned, tr.Warnings())
			}
		})
	}
}

func TestTrackerAutoInactivatesPreviousDeploy(t *testing.T) {
	s, c, _ := newFake(t, nil)
	for range 2 {
		tr := NewTracker(c, DeploymentRequest{Ref: "main", Environment: "staging"}, logURL, envURL, true, nil)
		tr.InProgress(t.Context())
		tr.Success(t.Context())
	}
	ds := s.Deployments()
	if got := ds[0].States(); !slices.Equal(got, []string{"in_progress", "success", "inactive"}) {
		t.Errorf("first deploy states = %v", got)
	}
	if got := ds[1].States(); !slices.Equal(got, []string{"in_progress", "success"}) {
		t.Errorf("second deploy states = %v", got)
	}
}

func TestTrackerTurnsGitHubFailuresIntoWarnings(t *testing.T) {
	tests := []struct {
		name       string
		op         string
		status     int
		body       string
		times      int
		wantStates []string // of the one deployment; nil = none created
		wantWarn   string   // in the first warning
		nWarnings  int      // 0 means 1 when wantWarn is set
		wantCalls  int
	}{
		{name: "persistent 500 on create", op: createOp, status: 500, times: 1000,
			wantWarn: "could not create the GitHub deployment"},
		{name: "403 on create: no deployments write", op: createOp, status: 403, body: noPermission, times: 1,
			wantWarn: "add `permissions: deployments: write`", wantCalls: 1},
		{name: "persistent 502 on in_progress, final still tried", op: "repos/create-deployment-status", status: 502, times: 1000,
			wantStates: []string{}, wantWarn: "could not set GitHub deployment 1 to in_progress", nWarnings: 2},
		{name: "403 on the first status stops further calls", op: "repos/create-deployment-status", status: 403, body: noPermission, times: 1,
			wantStates: []string{}, wantWarn: "permissions: deployments: write", wantCalls: 2},
		{name: "one 503 is retried without a warning", op: "repos/create-deployment-status", status: 503, times: 1,
			wantStates: []string{"in_progress", "success"}, wantCalls: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c, _ := newFake(t, nil)
			s.FailNext(tt.op, tt.status, nil, tt.body, tt.times)
			var warned []string
			tr := NewTracker(c, DeploymentRequest{Ref: "main", Environment: "staging"}, logURL, envURL, true,
				func(f string, a ...any) { warned = append(warned, fmt.Sprintf(f, a...)) })
			tr.InProgress(t.Context())
			tr.Success(t.Context())
			ds := s.Deployments()
			switch {
			case tt.wantStates == nil && len(ds) != 0:
				t.Errorf("deployments = %+v, want none", ds)
			case tt.wantStates != nil && (len(ds) != 1 || !slices.Equal(ds[0].States(), tt.wantStates)):
				t.Errorf("deployments = %+v, want one with states %v", ds, tt.wantStates)
			}
			if tt.wantWarn == "" && len(warned) != 0 {
				t.Errorf("unexpected warnings %q", warned)
			}
			n := max(tt.nWarnings, 1)
			if tt.wantWarn != "" && (len(warned) != n || !strings.Contains(warned[0], tt.wantWarn)) {
				t.Errorf("warnings = %q, want %d, the first containing %q", warned, n, tt.wantWarn)
			}
			if tt.nWarnings == 2 && !strings.Contains(warned[1], "to success") {
				t.Errorf("the final state was not tried after the failed one: %q", warned)
			}
			if !slices.Equal(warned, tr.Warnings()) {
				t.Errorf("Warnings() = %q, warn func got %q", tr.Warnings(), warned)
			}
			if n := len(s.Calls()); tt.wantCalls != 0 && n != tt.wantCalls {
				t.Errorf("calls = %d, want %d", n, tt.wantCalls)
			}
		})
	}
}

func TestNilTrackerClientIsDisabled(t *testing.T) {
	tr := NewTracker(nil, DeploymentRequest{Ref: "main"}, logURL, envURL, true, nil)
	tr.Queued(t.Context())
	tr.Success(t.Context())
	if tr.ID() != 0 || tr.URL() != "" || len(tr.Warnings()) != 0 {
		t.Errorf("disabled tracker: id %d url %q warnings %q", tr.ID(), tr.URL(), tr.Warnings())
	}
}

// The final status lives within the caller's deadline (a cancelled run's one deadline): a
// GitHub that hangs costs no more than that, and a warning says the status was not posted.
func TestTrackerFinalStatusKeepsTheCallersDeadline(t *testing.T) {
	s, c, _ := newFake(t, func(o *Options) { o.Sleep = nil })
	var warned []string
	tr := NewTracker(c, DeploymentRequest{Ref: "main", Environment: "staging"}, logURL, envURL, true,
		func(f string, a ...any) { warned = append(warned, fmt.Sprintf(f, a...)) })
	tr.InProgress(t.Context())
	s.SlowNext("repos/create-deployment-status", 30*time.Second, 10)
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	began := time.Now()
	tr.Error(ctx, "cancelled")
	if d := time.Since(began); d > 2*time.Second {
		t.Errorf("the final status took %s against a hanging GitHub, want the caller's 0.5s deadline", d)
	}
	if len(warned) == 0 {
		t.Errorf("no warning says the final status was not posted")
	}
}
