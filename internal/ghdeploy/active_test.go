package ghdeploy

import (
	"strings"
	"testing"
)

func TestFindActive(t *testing.T) {
	const sha = "0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		name      string
		env       string // deployment created in this environment
		ref       string
		states    []string
		lookupEnv string
		want      bool
	}{
		{name: "job deployment in progress", env: "production", ref: sha, states: []string{"in_progress"}, lookupEnv: "production", want: true},
		{name: "queued", env: "production", ref: sha, states: []string{"queued"}, lookupEnv: "production", want: true},
		{name: "no status yet", env: "production", ref: sha, lookupEnv: "production", want: true},
		{name: "finished earlier", env: "production", ref: sha, states: []string{"in_progress", "success"}, lookupEnv: "production", want: false},
		{name: "other environment", env: "staging", ref: sha, states: []string{"in_progress"}, lookupEnv: "production", want: false},
		{name: "other commit", env: "production", ref: strings.Repeat("f", 40), states: []string{"in_progress"}, lookupEnv: "production", want: false},
		{name: "nothing to look for", env: "production", ref: sha, states: []string{"in_progress"}, lookupEnv: "", want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, c, _ := newFake(t, nil)
			id, err := c.Create(t.Context(), DeploymentRequest{Ref: tc.ref, Environment: tc.env})
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range tc.states {
				if err := c.SetStatus(t.Context(), id, Status{State: st, AutoInactive: true}); err != nil {
					t.Fatal(err)
				}
			}
			got, found, err := c.FindActive(t.Context(), sha, tc.lookupEnv)
			if err != nil {
				t.Fatal(err)
			}
			if found != tc.want || (found && got != id) {
				t.Fatalf("FindActive = %d, %t; want %t (deployment %d)", got, found, tc.want, id)
			}
			if v := s.ValidationErrors(); len(v) > 0 {
				t.Fatalf("requests or responses off the OpenAPI description: %v", v)
			}
		})
	}
}
