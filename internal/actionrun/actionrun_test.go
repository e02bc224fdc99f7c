package actionrun

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

func TestEnvSetsEveryInput(t *testing.T) {
	j := Job{Root: "/repo", Dir: t.TempDir()}
	env, err := Env(j, map[string]string{"release": "web", "timeout": "90s"})
	if err != nil {
		t.Fatal(err)
	}
	joined := "\n" + strings.Join(env, "\n") + "\n"
	for _, want := range []string{"\nINPUT_RELEASE=web\n", "\nINPUT_TIMEOUT=90s\n", "\nINPUT_ATOMIC=true\n", "\nINPUT_GITHUB-TOKEN=\n",
		"\nGITHUB_WORKSPACE=/repo\n", "\nGITHUB_OUTPUT=" + j.OutputFile() + "\n"} {
		if !strings.Contains(joined, want) {
			t.Errorf("env lacks %q", strings.TrimSpace(want))
		}
	}
	if _, err := os.Stat(j.SummaryFile()); err != nil {
		t.Error("no summary file")
	}
	if _, err := Env(j, map[string]string{"no-such-input": "x"}); err == nil {
		t.Error("an undeclared input was accepted")
	}
}

func TestStartRunsAStep(t *testing.T) {
	dir := t.TempDir()
	script := dir + "/step.sh"
	body := "#!/bin/sh\necho \"release=$INPUT_RELEASE extra=$EXTRA\"\necho out >> \"$GITHUB_OUTPUT\"\nexit 3\n"
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	j := Job{Root: dir, Dir: t.TempDir()}
	p, err := Start("step", script, j, map[string]string{"release": "web"}, "EXTRA=x")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := p.WaitLine(ctx, "release=web extra=x"); err != nil {
		t.Fatal(err)
	}
	if code, err := p.ExitCode(10 * time.Second); err != nil || code != 3 {
		t.Fatalf("exit %d, %v", code, err)
	}
	if b, _ := os.ReadFile(j.OutputFile()); string(b) != "out\n" {
		t.Fatalf("GITHUB_OUTPUT holds %q", b)
	}
	if _, err := p.WaitLine(ctx, "never printed"); err == nil || !strings.Contains(err.Error(), "exited without") {
		t.Fatalf("waiting for a line after the exit: %v", err)
	}
}
