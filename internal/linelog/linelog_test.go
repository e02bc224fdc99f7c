package linelog

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestWait(t *testing.T) {
	tests := []struct {
		name    string
		writes  []string // written after Wait starts
		exit    bool     // close done after the writes
		want    string
		wantErr error
	}{
		{name: "line split across writes", writes: []string{"holding Le", "ase x\n"}, want: "holding Lease x"},
		{name: "partial line is not a line", writes: []string{"holding Lease"}, exit: true, wantErr: ErrExited},
		{name: "exit without the line", writes: []string{"other\n"}, exit: true, wantErr: ErrExited},
		{name: "timeout", writes: []string{"other\n"}, wantErr: context.DeadlineExceeded},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l, done := New(), make(chan struct{})
			go func() {
				for _, w := range tc.writes {
					fmt.Fprint(l, w)
					time.Sleep(time.Millisecond)
				}
				if tc.exit {
					close(done)
				}
			}()
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			ln, err := l.Wait(ctx, "holding Lease", done)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("err = %v, want %v", err, tc.wantErr)
				}
				return
			}
			if err != nil || ln.Text != tc.want || ln.At.IsZero() {
				t.Fatalf("Wait = %+v, %v; want %q stamped", ln, err, tc.want)
			}
		})
	}
}

func TestStepDuration(t *testing.T) {
	out := "::group::Read inputs\ndone in 2ms\n::endgroup::\n::group::Deploy\nx\nfailed in 1.5s\n::endgroup::\n"
	tests := []struct {
		step       string
		want       time.Duration
		wantFailed bool
		wantErr    bool
	}{
		{step: "Read inputs", want: 2 * time.Millisecond},
		{step: "Deploy", want: 1500 * time.Millisecond, wantFailed: true},
		{step: "Release lock", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.step, func(t *testing.T) {
			d, failed, err := StepDuration(out, tc.step)
			if (err != nil) != tc.wantErr || d != tc.want || failed != tc.wantFailed {
				t.Fatalf("StepDuration = %s, %t, %v; want %s, %t, err %t", d, failed, err, tc.want, tc.wantFailed, tc.wantErr)
			}
		})
	}
}
