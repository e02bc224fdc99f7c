package app

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

type recStep struct {
	name  string
	err   error
	order *[]string
	run   func(ctx context.Context)
}

func (r recStep) String() string { return r.name }
func (r recStep) Run(ctx context.Context, _ *State) error {
	*r.order = append(*r.order, r.name)
	if r.run != nil {
		r.run(ctx)
	}
	if r.err == nil && ctx.Err() != nil && strings.HasPrefix(r.name, "final") {
		return errors.New("finalizer got a cancelled context")
	}
	return r.err
}

func TestPipeline(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name      string
		failAt    string
		cancelAt  string
		wantOrder string
		wantErr   error
		outcome   string
	}{
		{name: "all steps then finalizers", wantOrder: "a,b,c,final1,final2", outcome: "succeeded"},
		{name: "error stops steps, finalizers run", failAt: "b", wantOrder: "a,b,final1,final2", wantErr: boom, outcome: "failed"},
		{name: "first step fails", failAt: "a", wantOrder: "a,final1,final2", wantErr: boom, outcome: "failed"},
		{name: "a failing finalizer does not change the outcome", failAt: "final1", wantOrder: "a,b,c,final1,final2", wantErr: boom, outcome: "succeeded"},
		{name: "cancel during a step", cancelAt: "b", wantOrder: "a,b,final1,final2", wantErr: ErrCancelled, outcome: "cancelled"},
		{name: "cancel before start", cancelAt: "start", wantOrder: "final1,final2", wantErr: ErrCancelled, outcome: "cancelled"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.cancelAt == "start" {
				cancel()
			}
			var order []string
			mk := func(name string) Step {
				st := recStep{name: name, order: &order}
				if name == tc.failAt {
					st.err = boom
				}
				if name == tc.cancelAt {
					st.run = func(context.Context) { cancel() }
				}
				return st
			}
			p := Pipeline{
				Steps:      []Step{mk("a"), mk("b"), mk("c")},
				Finalizers: []Step{mk("final1"), mk("final2")},
			}
			var out bytes.Buffer
			s := &State{Log: NewLog(&out, func(string) string { return "" })}
			err := p.Run(ctx, s)
			if got := strings.Join(order, ","); got != tc.wantOrder {
				t.Errorf("order = %s, want %s", got, tc.wantOrder)
			}
			if tc.wantErr == nil && err != nil || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			}
			if len(s.Steps) != len(order) {
				t.Errorf("recorded %d steps, ran %d", len(s.Steps), len(order))
			}
			if s.Outcome != tc.outcome {
				t.Errorf("outcome = %q, want %q (decided once, before the finalizers)", s.Outcome, tc.outcome)
			}
			if n := strings.Count(out.String(), "::group::"); n != len(order) {
				t.Errorf("%d log groups for %d steps:\n%s", n, len(order), out.String())
			}
			if strings.Count(out.String(), "::endgroup::") != len(order) {
				t.Errorf("groups not closed:\n%s", out.String())
			}
		})
	}
}

func TestPipelinePanicBecomesError(t *testing.T) {
	var order []string
	p := Pipeline{
		Steps:      []Step{recStep{name: "a", order: &order, run: func(context.Context) { panic("kaboom") }}},
		Finalizers: []Step{recStep{name: "final", order: &order}},
	}
	s := &State{Log: NewLog(&bytes.Buffer{}, func(string) string { return "" })}
	err := p.Run(context.Background(), s)
	if err == nil || !strings.Contains(err.Error(), "kaboom") {
		t.Fatalf("err = %v", err)
	}
	if strings.Join(order, ",") != "a,final" {
		t.Fatalf("order = %v", order)
	}
}

func TestMasking(t *testing.T) {
	var out bytes.Buffer
	l := NewLog(&out, func(string) string { return "" })
	l.Mask("hunter2-secret", "line-one-secret\nline-two-secret", "", "ab")
	l.Infof("password is hunter2-secret and %s", "line-two-secret")
	l.Warningf("again hunter2-secret")
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(line, "::add-mask::") {
			continue
		}
		for _, secret := range []string{"hunter2-secret", "line-one-secret", "line-two-secret"} {
			if strings.Contains(line, secret) {
				t.Errorf("secret %q printed: %q", secret, line)
			}
		}
	}
	if !strings.Contains(out.String(), "::add-mask::line-two-secret") {
		t.Errorf("each line of a multi-line secret must be registered:\n%s", out.String())
	}
	if strings.Contains(out.String(), "::add-mask::ab\n") {
		t.Errorf("a 2-character value must not be masked (it would blank the log)")
	}
}

// stateStep lets a test step or finalizer act on the State.
type stateStep struct {
	name string
	run  func(*State) error
}

func (st stateStep) String() string                        { return st.name }
func (st stateStep) Run(_ context.Context, s *State) error { return st.run(s) }

// The outcome and the run's error are decided when the steps end: a finalizer that overwrites
// State.Err changes neither what the pipeline returns nor the outcome the others read.
func TestFinalizersCannotChangeTheOutcome(t *testing.T) {
	boom, late := errors.New("boom"), errors.New("late")
	var seen []string
	p := Pipeline{
		Steps: []Step{stateStep{"deploy", func(*State) error { return boom }}},
		Finalizers: []Step{
			stateStep{"meddle", func(s *State) error { s.Err = late; return nil }},
			stateStep{"report", func(s *State) error { seen = append(seen, s.Outcome); return nil }},
		},
	}
	s := &State{Log: NewLog(&bytes.Buffer{}, func(string) string { return "" })}
	if err := p.Run(context.Background(), s); !errors.Is(err, boom) || errors.Is(err, late) {
		t.Fatalf("Run = %v, want the step's error", err)
	}
	if s.Outcome != "failed" || len(seen) != 1 || seen[0] != "failed" {
		t.Fatalf("outcome %q, seen by the finalizer %v", s.Outcome, seen)
	}
}
