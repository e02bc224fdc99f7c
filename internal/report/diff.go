package report

import (
	"fmt"
	"strconv"
	"strings"
)

// Diff is the diff task's result: counts and one block per resource that changes.
type Diff struct {
	Added, Removed, Changed, Unchanged, Drifted int
	Resources                                   []DiffResource
	Text                                        string // the whole diff, already bounded
}

// DiffResource is one changed resource: its title, added/removed/changed and a unified diff.
type DiffResource struct{ Title, Status, Diff string }

// Changes counts the objects the upgrade adds, removes or changes.
func (d *Diff) Changes() int { return d.Added + d.Removed + d.Changed }

// maxDiffOutput bounds the diff output (outputs share the runner's 1 MiB).
const maxDiffOutput = 32 << 10

func diffOutputs(s Summary) []Output {
	if s.Diff == nil {
		return []Output{{"changes", ""}, {"diff", ""}}
	}
	text := s.Diff.Text
	if len(text) > maxDiffOutput {
		text = text[:maxDiffOutput] + "\n... (diff output truncated; the job log has the rest)"
	}
	return []Output{{"changes", strconv.Itoa(s.Diff.Changes())}, {"diff", text}}
}

// diffCounts is the headline of a diff: "3 changes: 1 added, 0 removed, 2 changed (5 unchanged)".
func diffCounts(d *Diff) string {
	line := fmt.Sprintf("%d change(s): %d added, %d removed, %d changed (%d unchanged)", d.Changes(), d.Added, d.Removed, d.Changed, d.Unchanged)
	if d.Drifted > 0 {
		line += fmt.Sprintf("; %d changed by hand since the last deploy", d.Drifted)
	}
	return line
}

// renderDiff writes the counts and one collapsible block per changed resource, within max bytes.
func renderDiff(b *strings.Builder, d *Diff, max int) {
	fmt.Fprintf(b, "**%s**\n\n", diffCounts(d))
	start := b.Len()
	for i, r := range d.Resources {
		block := fmt.Sprintf("<details><summary>%s %s</summary>\n\n```diff\n%s\n```\n\n</details>\n\n",
			cell(r.Status), cell(r.Title), strings.ReplaceAll(strings.TrimRight(r.Diff, "\n"), "```", "` ` `"))
		if b.Len()-start+len(block) > max {
			fmt.Fprintf(b, "*%d more resource(s) not shown: the job log has the whole diff.*\n\n", len(d.Resources)-i)
			return
		}
		b.WriteString(block)
	}
}

// DiffComment is the pull-request comment of a diff: the release, the counts and the blocks.
func DiffComment(s Summary, max int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### Helm diff of release %s in namespace %s\n\n", literal(s.Release), literal(s.Namespace))
	if s.Diff == nil {
		b.WriteString("No diff was computed.\n")
		return b.String()
	}
	if s.Chart != "" || s.RevisionBefore > 0 {
		fmt.Fprintf(&b, "Against revision %d (%s).\n\n", s.RevisionBefore, cell(chartLabel(s)))
	}
	renderDiff(&b, s.Diff, max)
	return b.String()
}
