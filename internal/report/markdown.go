package report

import (
	"fmt"
	"strings"
)

func render(s Summary) string {
	var b strings.Builder
	what := s.Outcome
	if s.Task != "" && s.Task != "deploy" {
		what = s.Task + " " + s.Outcome
	}
	fmt.Fprintf(&b, "### %s Helm release %s %s\n\n", icon(s.Outcome), literal(s.Release), what)
	b.WriteString("| | |\n|---|---|\n")
	row(&b, "Release", literal(s.Release))
	row(&b, "Namespace", literal(s.Namespace))
	row(&b, "Chart", cell(chartLabel(s)))
	row(&b, "Revision", fmt.Sprintf("%s → %s", revision(s.RevisionBefore), revision(s.RevisionAfter)))
	if s.Status != "" {
		row(&b, "Status", "`"+code(s.Status)+"`")
	}
	if s.RolledBackTo > 0 {
		row(&b, "Rolled back to", fmt.Sprintf("revision %d", s.RolledBackTo))
	}
	row(&b, "Duration", duration(s.Duration))
	if s.LockWait > 0 {
		row(&b, "Waited for the lock", duration(s.LockWait))
	}
	if s.Recovered != "" {
		row(&b, "Recovered", cell(s.Recovered))
	}
	if s.DeploymentURL != "" {
		row(&b, "GitHub deployment", fmt.Sprintf("[#%d](%s)", s.DeploymentID, s.DeploymentURL))
	}
	if s.EnvironmentURL != "" {
		row(&b, "Environment", fmt.Sprintf("<%s>", s.EnvironmentURL))
	}
	b.WriteString("\n")

	if s.Error != "" {
		b.WriteString("#### What went wrong\n\n")
		b.WriteString(quote(s.Error))
		if len(s.Diagnosis) > 0 {
			b.WriteString("\n")
			for _, d := range s.Diagnosis {
				fmt.Fprintf(&b, "- %s\n", cell(d))
			}
		}
		if s.Hint != "" {
			fmt.Fprintf(&b, "\n**What you can do:** %s\n", cell(s.Hint))
		}
		b.WriteString("\n")
	}
	renderTask(&b, s)
	if len(s.LastLogLines) > 0 {
		fence(&b, "Last log lines", s.LastLogLines)
	}
	if len(s.Events) > 0 {
		fence(&b, "Warning events", s.Events)
	}
	if len(s.Warnings) > 0 {
		b.WriteString("#### Warnings\n\n")
		for _, w := range s.Warnings {
			fmt.Fprintf(&b, "- ⚠️ %s\n", cell(w))
		}
		b.WriteString("\n")
	}
	if len(s.Resources) > 0 {
		fmt.Fprintf(&b, "<details><summary>Resources (%d)</summary>\n\n| Kind | Name |\n|---|---|\n", len(s.Resources))
		for _, r := range s.Resources {
			fmt.Fprintf(&b, "| %s | `%s` |\n", cell(r.Kind), code(r.Name))
		}
		b.WriteString("\n</details>\n\n")
	}
	if len(s.Steps) > 0 {
		b.WriteString("<details><summary>Steps</summary>\n\n| Step | Duration | |\n|---|---|---|\n")
		for _, st := range s.Steps {
			mark := "✓"
			if st.Failed {
				mark = "✗"
			}
			fmt.Fprintf(&b, "| %s | %s | %s |\n", cell(st.Name), duration(st.Duration), mark)
		}
		b.WriteString("\n</details>\n")
	}
	return b.String()
}

// esc escapes what Markdown would read as HTML; quotes stay readable.
var esc = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func row(b *strings.Builder, k, v string) { fmt.Fprintf(b, "| **%s** | %s |\n", k, v) }

// cell escapes text for a Markdown table cell or list item: HTML, pipes and line breaks.
func cell(s string) string {
	s = esc.Replace(s)
	s = strings.ReplaceAll(s, "|", "\\|")
	s = strings.ReplaceAll(s, "\r", "")
	return strings.ReplaceAll(s, "\n", "<br>")
}

func literal(s string) string {
	if s == "" {
		return "—"
	}
	return "`" + code(s) + "`"
}

// code makes text safe inside a single-backtick span.
func code(s string) string {
	s = strings.ReplaceAll(s, "`", "'")
	s = strings.ReplaceAll(s, "|", "\\|")
	return strings.ReplaceAll(s, "\n", " ")
}

func quote(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		fmt.Fprintf(&b, "> %s\n", esc.Replace(strings.TrimRight(l, "\r")))
	}
	return b.String()
}

// fence writes lines in a code block whose fence is longer than any backtick run inside.
func fence(b *strings.Builder, title string, lines []string) {
	longest := 0
	for _, l := range lines {
		run := 0
		for _, r := range l {
			if r == '`' {
				run++
				longest = max(longest, run)
			} else {
				run = 0
			}
		}
	}
	f := strings.Repeat("`", max(3, longest+1))
	fmt.Fprintf(b, "<details><summary>%s (%d)</summary>\n\n%stext\n", title, len(lines), f)
	for _, l := range lines {
		b.WriteString(strings.TrimRight(l, "\r\n"))
		b.WriteString("\n")
	}
	fmt.Fprintf(b, "%s\n\n</details>\n\n", f)
}
