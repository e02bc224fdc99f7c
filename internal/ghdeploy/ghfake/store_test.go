package ghfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func create(t *testing.T, s *Server, body string) int64 {
	t.Helper()
	status, _, out := do(t, s.URL, "POST", "/repos/o/r/deployments", body)
	if status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, out)
	}
	var d struct{ ID int64 }
	if err := json.Unmarshal(out, &d); err != nil {
		t.Fatal(err)
	}
	return d.ID
}

func setState(t *testing.T, s *Server, id int64, body string) {
	t.Helper()
	status, header, out := do(t, s.URL, "POST", fmt.Sprintf("/repos/o/r/deployments/%d/statuses", id), body)
	if status != http.StatusCreated {
		t.Fatalf("status: %d %s", status, out)
	}
	if header.Get("Location") == "" {
		t.Errorf("no Location header")
	}
}

func TestAutoInactivation(t *testing.T) {
	tests := []struct {
		name       string
		first      string // body creating the earlier deployment
		firstState string
		second     string // body creating the later deployment
		status     string // status posted on the later one
		wantFirst  []string
	}{
		{
			name: "earlier success becomes inactive", first: `{"ref":"a","environment":"staging"}`, firstState: "success",
			second: `{"ref":"b","environment":"staging"}`, status: `{"state":"success"}`,
			wantFirst: []string{"success", "inactive"},
		},
		{
			name: "auto_inactive false keeps it", first: `{"ref":"a","environment":"staging"}`, firstState: "success",
			second: `{"ref":"b","environment":"staging"}`, status: `{"state":"success","auto_inactive":false}`,
			wantFirst: []string{"success"},
		},
		{
			name: "production environment is kept", first: `{"ref":"a","environment":"production"}`, firstState: "success",
			second: `{"ref":"b","environment":"production"}`, status: `{"state":"success"}`,
			wantFirst: []string{"success"},
		},
		{
			name: "transient environment is kept", first: `{"ref":"a","environment":"pr-1","transient_environment":true}`, firstState: "success",
			second: `{"ref":"b","environment":"pr-1"}`, status: `{"state":"success"}`,
			wantFirst: []string{"success"},
		},
		{
			name: "other environment is kept", first: `{"ref":"a","environment":"qa"}`, firstState: "success",
			second: `{"ref":"b","environment":"staging"}`, status: `{"state":"success"}`,
			wantFirst: []string{"success"},
		},
		{
			name: "failed earlier deployment is kept", first: `{"ref":"a","environment":"staging"}`, firstState: "failure",
			second: `{"ref":"b","environment":"staging"}`, status: `{"state":"success"}`,
			wantFirst: []string{"failure"},
		},
		{
			name: "later failure does not inactivate", first: `{"ref":"a","environment":"staging"}`, firstState: "success",
			second: `{"ref":"b","environment":"staging"}`, status: `{"state":"failure"}`,
			wantFirst: []string{"success"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Start(t)
			first := create(t, s, tt.first)
			setState(t, s, first, fmt.Sprintf(`{"state":%q}`, tt.firstState))
			second := create(t, s, tt.second)
			setState(t, s, second, tt.status)
			ds := s.Deployments()
			if got := ds[0].States(); !slices.Equal(got, tt.wantFirst) {
				t.Errorf("first deployment states = %v, want %v", got, tt.wantFirst)
			}
			_, _, out := do(t, s.URL, "GET", fmt.Sprintf("/repos/o/r/deployments/%d/statuses", first), "")
			var list []struct{ State string }
			if err := json.Unmarshal(out, &list); err != nil {
				t.Fatal(err)
			}
			if len(list) != len(tt.wantFirst) || list[0].State != tt.wantFirst[len(tt.wantFirst)-1] {
				t.Errorf("listed statuses (newest first) = %v, want reverse of %v", list, tt.wantFirst)
			}
		})
	}
}

func TestStatusDefaultsAndDescriptionLimit(t *testing.T) {
	s := Start(t)
	id := create(t, s, `{"ref":"main","environment":"staging","description":null}`)
	setState(t, s, id, `{"state":"in_progress","log_url":"https://example.test/run/1"}`)
	setState(t, s, id, `{"state":"success","environment":"staging-2","environment_url":"https://app.test"}`)
	setState(t, s, id, `{"state":"inactive"}`)
	long := fmt.Sprintf(`{"state":"failure","description":%q}`, strings.Repeat("é", 141))
	status, _, out := do(t, s.URL, "POST", fmt.Sprintf("/repos/o/r/deployments/%d/statuses", id), long)
	if status != http.StatusUnprocessableEntity {
		t.Errorf("141-character description: status %d, want 422: %s", status, out)
	}
	st := s.Deployments()[0].Statuses
	if len(st) != 3 {
		t.Fatalf("statuses = %+v", st)
	}
	if st[0].TargetURL != "https://example.test/run/1" || st[0].Environment != "staging" {
		t.Errorf("log_url should set target_url and environment default to the deployment's: %+v", st[0])
	}
	if st[2].Environment != "staging-2" {
		t.Errorf("environment should default to the previous status's: %+v", st[2])
	}
	if d := s.Deployments()[0]; d.ProductionEnvironment || d.Task != "deploy" {
		t.Errorf("defaults: production=%v task=%q", d.ProductionEnvironment, d.Task)
	}
}

func TestListFiltersAndControlCalls(t *testing.T) {
	s := Start(t)
	create(t, s, `{"ref":"a","environment":"staging"}`)
	create(t, s, `{"ref":"b","environment":"qa"}`)
	_, _, out := do(t, s.URL, "GET", "/repos/o/r/deployments?environment=qa&per_page=10", "")
	var list []struct{ Ref string }
	if err := json.Unmarshal(out, &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Ref != "b" {
		t.Errorf("filtered list = %+v, want only ref b", list)
	}
	_, _, out = do(t, s.URL, "GET", "/_fake/calls", "")
	var calls []Call
	if err := json.Unmarshal(out, &calls); err != nil {
		t.Fatal(err)
	}
	ops := []string{}
	for _, c := range calls {
		ops = append(ops, c.Op)
	}
	want := []string{"repos/create-deployment", "repos/create-deployment", "repos/list-deployments"}
	if !slices.Equal(ops, want) {
		t.Errorf("/_fake/calls ops = %v, want %v", ops, want)
	}
	if calls[0].Accept != previewAccept {
		t.Errorf("Accept not recorded: %q", calls[0].Accept)
	}
}

func TestListenRefusesNonLoopback(t *testing.T) {
	if _, err := Listen("0.0.0.0:0"); err == nil {
		t.Fatal("Listen on 0.0.0.0 succeeded, want an error")
	}
}
