package diff

import (
	"fmt"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
)

// unified returns a unified diff of a → b with "--- from" / "+++ to" headers, or "" when they
// are equal. difflib's matcher runs without its auto-junk heuristic, which on long YAML
// treats frequent lines ("- name: x", "protocol: TCP") as junk and misaligns hunks.
func unified(a, b, from, to string, context int) string {
	if context <= 0 {
		context = 3
	}
	al, bl := lines(a), lines(b)
	groups := difflib.NewMatcherWithJunk(al, bl, false, nil).GetGroupedOpCodes(context)
	if len(groups) == 0 {
		return ""
	}
	var w strings.Builder
	fmt.Fprintf(&w, "--- %s\n+++ %s\n", from, to)
	for _, g := range groups {
		first, last := g[0], g[len(g)-1]
		fmt.Fprintf(&w, "@@ -%s +%s @@\n", hunkRange(first.I1, last.I2), hunkRange(first.J1, last.J2))
		for _, c := range g {
			if c.Tag == 'e' {
				writeLines(&w, " ", al[c.I1:c.I2])
				continue
			}
			if c.Tag == 'r' || c.Tag == 'd' {
				writeLines(&w, "-", al[c.I1:c.I2])
			}
			if c.Tag == 'r' || c.Tag == 'i' {
				writeLines(&w, "+", bl[c.J1:c.J2])
			}
		}
	}
	return w.String()
}

func writeLines(w *strings.Builder, prefix string, ls []string) {
	for _, l := range ls {
		w.WriteString(prefix)
		w.WriteString(l)
	}
}

// hunkRange formats a line range as unified diff does: "start,length", "start" for one line.
func hunkRange(start, stop int) string {
	begin, n := start+1, stop-start
	switch n {
	case 1:
		return fmt.Sprint(begin)
	case 0:
		begin--
	}
	return fmt.Sprintf("%d,%d", begin, n)
}

// lines splits s into newline-terminated lines; "" has none.
func lines(s string) []string {
	if s == "" {
		return nil
	}
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	return strings.SplitAfter(s, "\n")[:strings.Count(s, "\n")]
}

// Text renders the report: a summary line, then per resource its notes ("# " lines: missing
// from the cluster, kept by resource policy, ownership conflict), its Diff and its LiveDiff.
// Unchanged resources without a LiveDiff are left out. max > 0 caps the length in bytes: the
// text is cut at a line end and ends with a "... diff truncated" note (for max below about 60
// bytes, the note alone, which may exceed max).
func (r Report) Text(max int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d changes: %d added, %d removed, %d changed, %d unchanged",
		r.Changes(), r.Added, r.Removed, r.Changed, r.Unchanged)
	if r.Drifted > 0 {
		fmt.Fprintf(&b, "; %d changed in the cluster since the last release", r.Drifted)
	}
	b.WriteString("\n")
	for _, res := range r.Resources {
		name := res.Title
		if res.LiveMissing {
			fmt.Fprintf(&b, "# %s: in the last release but not in the cluster\n", name)
		}
		if res.Kept {
			fmt.Fprintf(&b, "# %s: helm.sh/resource-policy: keep, Helm will not delete it\n", name)
		}
		if res.Conflict != "" {
			fmt.Fprintf(&b, "# %s\n", res.Conflict)
		}
		b.WriteString(res.Diff)
		b.WriteString(res.LiveDiff)
	}
	return truncate(b.String(), max)
}

func truncate(s string, max int) string {
	if max <= 0 || len(s) <= max {
		return s
	}
	note := func(shown int) string {
		return fmt.Sprintf("... diff truncated: %d of %d bytes shown\n", shown, len(s))
	}
	keep := max - len(note(max))
	if keep < 0 {
		keep = 0
	}
	cut := strings.LastIndexByte(s[:keep], '\n') + 1
	return s[:cut] + note(cut)
}
