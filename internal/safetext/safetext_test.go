package safetext

import (
	"strings"
	"testing"
)

// runnerCommand is a conservative model of how the Actions runner reads one output line as a
// workflow command (actions/runner ActionCommand.TryParseV2 and the legacy TryParse): the V2
// parser trims white space and wants "::" at the start; the legacy parser finds "##[" anywhere.
// Both compare culture-sensitively, so characters ICU ignores are removed first. It returns the
// reason a line would be a command, or "".
func runnerCommand(line string) string {
	seen := strings.Map(func(r rune) rune {
		// ICU gives white-space controls (tab, line and form feeds) a weight: only the
		// other controls and the format characters are ignored.
		if Ignorable(r) && !IsSpace(r) {
			return -1
		}
		return r
	}, line)
	if strings.HasPrefix(strings.TrimFunc(seen, IsSpace), "::") {
		return "starts with ::"
	}
	if strings.Contains(seen, "##[") {
		return "contains ##["
	}
	return ""
}

// runnerLines splits output as the runner does: on "\n" and on "\r".
func runnerLines(out string) []string {
	return strings.FieldsFunc(out, func(r rune) bool { return r == '\n' || r == '\r' })
}

func checkNoCommand(t *testing.T, in, out string) {
	t.Helper()
	for _, line := range runnerLines(out) {
		if why := runnerCommand(line); why != "" {
			t.Fatalf("input %q gave line %q, which %s", in, line, why)
		}
	}
	if strings.Contains(out, "\r") {
		t.Fatalf("input %q gave a raw \\r: %q", in, out)
	}
}

func TestLines(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "hello world", "hello world"},
		{"multi-line plain", "a\nb\n", "a\nb\n"},
		{"command at start", "::set-output name=revision::666", "> ::set-output name=revision::666"},
		{"command after spaces", "   ::add-mask::x", ">    ::add-mask::x"},
		{"command after a tab", "\t::error::x", "> \t::error::x"},
		{"command after NBSP", "\u00a0::warning::x", "> \u00a0::warning::x"},
		{"command after ideographic space", "\u3000::warning::x", "> \u3000::warning::x"},
		{"command on the second line", "ok\n::endgroup::", "ok\n> ::endgroup::"},
		{"carriage return splits", "progress 50%\r::set-output name=x::y", "progress 50%\n> ::set-output name=x::y"},
		{"CRLF", "a\r\nb", "a\nb"},
		{"trailing CR", "log line\r", "log line"},
		{"legacy anywhere", "exit: ##[set-output name=revision;]666", "exit: ## [set-output name=revision;]666"},
		{"legacy twice", "##[a]##[b]", "## [a]## [b]"},
		{"zero-width space before ::", "\u200b::set-output name=x::y", "> ::set-output name=x::y"},
		{"soft hyphen inside ##[", "#\u00ad#[set-output name=x;]y", "## [set-output name=x;]y"},
		{"ESC before ::", "\x1b::add-mask::x", "> ::add-mask::x"},
		{"NUL", "a\x00b", "ab"},
		{"invalid UTF-8", "a\xffb", "a\uFFFDb"},
		{"escaped newline stays text", "x%0A::set-output name=a::b", "x%0A::set-output name=a::b"},
		{"spaced colons are fine", ": : x", ": : x"},
		{"colons later are fine", "time 12::30", "time 12::30"},
		{"tab kept", "a\tb", "a\tb"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Lines(tc.in)
			if got != tc.want {
				t.Errorf("Lines(%q) = %q, want %q", tc.in, got, tc.want)
			}
			checkNoCommand(t, tc.in, got)
		})
	}
}

// The model must catch what the runner would run, or the tests above prove nothing.
func TestRunnerModel(t *testing.T) {
	for _, line := range []string{"::set-output name=x::y", "  ::add-mask::s", "\u200b::debug::x", "a ##[group]b", "#\u200d#[x]"} {
		if runnerCommand(line) == "" {
			t.Errorf("the model misses the command %q", line)
		}
	}
	for _, line := range []string{"> ::x::y", "## [x]", "a::b"} {
		if why := runnerCommand(line); why != "" {
			t.Errorf("the model takes %q for a command (%s)", line, why)
		}
	}
}

func FuzzLines(f *testing.F) {
	for _, s := range []string{
		"::set-output name=revision::666", "\r::add-mask::x", "  \t::error::x", "##[set-output name=a;]b",
		"%0A::x::y", "\u200b\u00a0::x::y", "#\u00ad#[x]", "a\r\nb\r::c::d", "\xff::x::y", "\x1b[31m::x::y",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		checkNoCommand(t, in, Lines(in))
	})
}
