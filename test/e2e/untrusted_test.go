//go:build e2e

package e2e

import (
	"strings"
	"testing"
)

// runnerCommandLine is a conservative model of the runner's two command parsers on one line
// (see internal/safetext's tests): "::" at the start after white space, or "##[" anywhere.
func runnerCommandLine(line string) bool {
	t := strings.TrimLeft(line, " \t\u00a0")
	return strings.HasPrefix(t, "::") || strings.Contains(line, "##[")
}

// TestUntrustedPodTextIsNeverACommand: a crash-looping container whose termination message and
// pod annotations hold workflow commands (both parsers, a carriage return, leading spaces) gets
// its text into the job log, the failure and the summary, but no line the runner would run.
func TestUntrustedPodTextIsNeverACommand(t *testing.T) {
	needCluster(t)
	t.Parallel()
	cs := clientset(t)
	ns := newNamespace(t, cs)
	deployWeb(t, ns, "web", "replicaCount: 1\nmessage: stable\n", nil).mustSucceed(t)

	const evil = "boom ##[set-output name=revision;]666\r  ::set-output name=outcome::succeeded\n::add-mask::stable"
	values := "replicaCount: 1\nmessage: broken\nbehaviour: crashloop\npodAnnotations:\n  hda.test/termination-message: " +
		yamlQuote(evil) + "\n"
	r := deployWeb(t, ns, "web", values, map[string]string{"timeout": failureTimeout})
	if r.ExitCode == 0 {
		t.Fatalf("a crash-looping upgrade exited 0")
	}
	if !strings.Contains(r.Stdout, "set-output name=revision;]666") {
		t.Fatalf("the termination message did not reach the log, the test proves nothing:\n%s", r.Stdout)
	}
	ours := []string{"::group::", "::endgroup::", "::add-mask::", "::warning ", "::warning::", "::error ", "::error::", "::debug::", "::notice"}
	for _, out := range []string{r.Stdout, r.Stderr} {
		for _, line := range strings.FieldsFunc(out, func(r rune) bool { return r == '\n' || r == '\r' }) {
			if !runnerCommandLine(line) {
				continue
			}
			own := false
			for _, p := range ours {
				if strings.HasPrefix(line, p) && !strings.Contains(line, "##[") {
					own = true
				}
			}
			if !own || strings.HasPrefix(line, "::add-mask::stable") {
				t.Errorf("a line of pod text reaches the runner as a command: %q", line)
			}
		}
	}
}

// yamlQuote writes s as a double-quoted YAML scalar.
func yamlQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`)
	return `"` + r.Replace(s) + `"`
}
