package config

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	mergeSHA = "1111111111111111111111111111111111111111" // GITHUB_SHA of a pull_request run
	headSHA  = "2222222222222222222222222222222222222222" // the pull request's head commit
	prEvent  = `{"action":"synchronize","number":7,"pull_request":{"number":7,"head":{"ref":"feature-x","sha":"` + headSHA + `"}}}`
)

// The deployment's ref defaults to the commit deployed, never to a branch that GitHub would
// resolve at creation time; an explicit ref input wins.
func TestDefaultRefIsTheCommit(t *testing.T) {
	tests := []struct {
		name     string
		vars     map[string]string
		event    string // content of GITHUB_EVENT_PATH; "" = no such file
		wantRef  string
		wantFrom string // substring of RefFrom
	}{
		{name: "push: GITHUB_SHA, not the branch",
			vars:    map[string]string{"GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/main", "GITHUB_SHA": mergeSHA},
			event:   `{"ref":"refs/heads/main","after":"` + mergeSHA + `"}`,
			wantRef: mergeSHA, wantFrom: "GITHUB_SHA"},
		{name: "pull_request: the head commit, not the head branch or the merge commit",
			vars:    map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_HEAD_REF": "feature-x", "GITHUB_REF": "refs/pull/7/merge", "GITHUB_SHA": mergeSHA},
			event:   prEvent,
			wantRef: headSHA, wantFrom: "head commit"},
		{name: "pull_request_target: the head commit, not the base branch's",
			vars:    map[string]string{"GITHUB_EVENT_NAME": "pull_request_target", "GITHUB_HEAD_REF": "feature-x", "GITHUB_SHA": mergeSHA},
			event:   prEvent,
			wantRef: headSHA, wantFrom: "head commit"},
		{name: "a workflow_dispatch payload is not read",
			vars:    map[string]string{"GITHUB_EVENT_NAME": "workflow_dispatch", "GITHUB_SHA": mergeSHA},
			event:   prEvent,
			wantRef: mergeSHA, wantFrom: "GITHUB_SHA"},
		{name: "explicit ref wins",
			vars:    map[string]string{"ref": "v1.2.0", "GITHUB_EVENT_NAME": "pull_request", "GITHUB_SHA": mergeSHA},
			event:   prEvent,
			wantRef: "v1.2.0", wantFrom: "ref input"},
		{name: "pull_request without a readable payload falls back to GITHUB_SHA",
			vars:    map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_SHA": mergeSHA},
			wantRef: mergeSHA, wantFrom: "read the event payload"},
		{name: "payload without pull_request",
			vars:    map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_SHA": mergeSHA},
			event:   `{"action":"opened"}`,
			wantRef: mergeSHA, wantFrom: "has no pull_request"},
		{name: "head sha that is not a commit",
			vars:    map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_SHA": mergeSHA},
			event:   `{"pull_request":{"head":{"sha":"feature-x"}}}`,
			wantRef: mergeSHA, wantFrom: "not a commit SHA"},
		{name: "payload that is not JSON",
			vars:    map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_SHA": mergeSHA},
			event:   `{"pull_request":`,
			wantRef: mergeSHA, wantFrom: "not JSON"},
		{name: "SHA-256 repository",
			vars:    map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_SHA": mergeSHA},
			event:   `{"pull_request":{"head":{"sha":"` + strings.Repeat("ab", 32) + `"}}}`,
			wantRef: strings.Repeat("ab", 32), wantFrom: "head commit"},
	}
	const eventPath = "/github/workflow/event.json"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := map[string]string{"GITHUB_EVENT_PATH": eventPath}
			for k, v := range tt.vars {
				vars[k] = v
			}
			read := func(name string) ([]byte, error) {
				if name != eventPath || tt.event == "" {
					return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
				}
				return []byte(tt.event), nil
			}
			c, err := ParseWith(env(vars), read)
			if err != nil {
				t.Fatalf("ParseWith: %v", err)
			}
			if c.GitHub.Ref != tt.wantRef || !strings.Contains(c.GitHub.RefFrom, tt.wantFrom) {
				t.Errorf("ref %q from %q, want %q from %q", c.GitHub.Ref, c.GitHub.RefFrom, tt.wantRef, tt.wantFrom)
			}
		})
	}
}

// Parse reads the event payload the runner wrote.
func TestParseReadsTheEventFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(path, []byte(prEvent), 0o600); err != nil {
		t.Fatal(err)
	}
	c := parseOK(t, map[string]string{"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": path, "GITHUB_SHA": mergeSHA})
	if c.GitHub.Ref != headSHA {
		t.Errorf("ref = %q, want the head commit %q", c.GitHub.Ref, headSHA)
	}
}
