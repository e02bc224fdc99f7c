package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func post(t *testing.T, url, body string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestRunServesAndReportsCalls(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantErr error
	}{
		{name: "valid traffic exits cleanly", body: `{"ref":"main"}`},
		{name: "invalid request makes the run fail", body: `{"environment":"x"}`, wantErr: errInvalidTraffic},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			pr, pw := io.Pipe()
			done := make(chan error, 1)
			var stderr strings.Builder
			go func() { done <- run(ctx, "127.0.0.1:0", pw, &stderr); pw.Close() }()
			line, err := bufio.NewReader(pr).ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			go func() { _, _ = io.Copy(io.Discard, pr) }()
			base := strings.TrimSpace(line)
			if !strings.HasPrefix(base, "http://127.0.0.1:") {
				t.Fatalf("first line %q is not a loopback URL", line)
			}
			if status := post(t, base+"/_fake/fail", `{"match":"repos/create-deployment","status":502}`); status != 200 {
				t.Fatalf("/_fake/fail: %d", status)
			}
			first := post(t, base+"/repos/o/r/deployments", tt.body)
			second := post(t, base+"/repos/o/r/deployments", tt.body)
			resp, err := http.Get(base + "/_fake/calls")
			if err != nil {
				t.Fatal(err)
			}
			var calls []struct {
				Op     string
				Status int
			}
			err = json.NewDecoder(resp.Body).Decode(&calls)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if len(calls) != 2 || calls[0].Status != first || calls[1].Status != second {
				t.Errorf("calls = %+v, answered %d then %d", calls, first, second)
			}
			if tt.wantErr == nil && (first != 502 || second != 201) {
				t.Errorf("answers = %d, %d, want the scripted 502 then 201", first, second)
			}
			cancel()
			select {
			case err := <-done:
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("run = %v, want %v (stderr %q)", err, tt.wantErr, stderr.String())
				}
			case <-time.After(10 * time.Second):
				t.Fatal("run did not stop")
			}
		})
	}
}
