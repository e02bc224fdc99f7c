// Package safetext is the one sanitizer of untrusted text on its way to the job log. Pod logs,
// termination messages, event messages, Lease holder identities, API-server and Helm errors
// are written by whoever controls the workload; the runner reads the action's stdout and stderr
// as workflow commands. Text passed through Lines can never be one:
//
//   - the runner splits lines on "\n" and "\r": a "\r" never leaves, lines are split here;
//   - its command parser trims white space and looks for "::" at the start of a line: such a
//     line gets the visible prefix "> ";
//   - its legacy parser finds "##[" anywhere in a line: it becomes "## [";
//   - .NET compares strings culture-sensitively, and ICU ignores control and format characters
//     (zero-width spaces, soft hyphens, joiners, variation selectors, ESC...) in such
//     comparisons, so "\u200b::x" or "#\u00ad#[" could match: those characters are dropped.
//
// Invalid UTF-8 becomes U+FFFD. Tabs stay. The package imports only the standard library, so
// every package that prints (app, rollout) uses this one function.
package safetext

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// DefusePrefix is put before a line that would otherwise start a workflow command.
const DefusePrefix = "> "

// Lines returns s as lines that no workflow-command parser of the runner accepts, joined by
// "\n" (no trailing newline is added or removed).
func Lines(s string) string {
	s = Clean(s)
	if !strings.Contains(s, "::") && !strings.Contains(s, "##[") {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, line := range lines {
		lines[i] = Line(line)
	}
	return strings.Join(lines, "\n")
}

// Line defuses one line of cleaned text (see Clean): a line starting, after white space, with
// "::" gets DefusePrefix, and every "##[" becomes "## [".
func Line(line string) string {
	line = strings.ReplaceAll(line, "##[", "## [")
	if strings.HasPrefix(strings.TrimLeftFunc(line, IsSpace), "::") {
		line = DefusePrefix + line
	}
	return line
}

// Clean drops trailing "\r"s (CRLF log lines), turns "\r\n" and lone "\r" into "\n", makes the text valid UTF-8 and drops the
// characters a culture-sensitive comparison ignores (see Ignorable).
func Clean(s string) string {
	if isPlain(s) {
		return s
	}
	s = strings.ToValidUTF8(strings.TrimRight(s, "\r"), "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Map(func(r rune) rune {
		if r != '\n' && r != '\t' && Ignorable(r) {
			return -1
		}
		return r
	}, s)
}

// isPlain reports whether s is printable ASCII, tabs and "\n" only: nothing to clean.
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// Ignorable reports whether r is a control character, a format character (Cf: zero-width
// spaces and joiners, soft hyphen, bidi marks, tags), a variation selector or another default
// ignorable code point: characters ICU's collation gives no weight, so .NET's culture-sensitive
// StartsWith and IndexOf see through them.
func Ignorable(r rune) bool {
	return unicode.IsControl(r) ||
		unicode.Is(unicode.Cf, r) ||
		unicode.Is(unicode.Variation_Selector, r) ||
		unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) ||
		r == '\u034f' || r == '\u115f' || r == '\u1160' || r == '\u3164' || r == '\uffa0'
}

// IsSpace is .NET's char.IsWhiteSpace (what the runner's Trim removes): Unicode white space,
// which includes U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000.
func IsSpace(r rune) bool { return unicode.IsSpace(r) }
