package config

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEDocumentsEveryInput keeps the README's input reference in step with Inputs.
func TestREADMEDocumentsEveryInput(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, in := range Inputs {
		if !strings.Contains(readme, "| `"+in.Name+"` |") {
			t.Errorf("README.md has no reference row for input %q", in.Name)
		}
	}
}

// readmeTable returns the rows of the README table that follows the heading, each split into
// its cells on unescaped "|", with "\|" unescaped.
func readmeTable(t *testing.T, readme, heading string) [][]string {
	t.Helper()
	_, rest, ok := strings.Cut(readme, "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README.md has no %q section", heading)
	}
	var rows [][]string
	started := false
	for _, line := range strings.Split(rest, "\n") {
		if !strings.HasPrefix(line, "|") {
			if started {
				break
			}
			continue
		}
		started = true
		if strings.HasPrefix(line, "|---") {
			continue
		}
		var cells []string
		var cur strings.Builder
		inner := strings.TrimSuffix(strings.TrimPrefix(line, "|"), "|")
		for i := 0; i < len(inner); i++ {
			switch {
			case inner[i] == '\\' && i+1 < len(inner) && inner[i+1] == '|':
				cur.WriteByte('|')
				i++
			case inner[i] == '|':
				cells = append(cells, strings.TrimSpace(cur.String()))
				cur.Reset()
			default:
				cur.WriteByte(inner[i])
			}
		}
		cells = append(cells, strings.TrimSpace(cur.String()))
		rows = append(rows, cells)
	}
	return rows[1:] // the header
}

// TestREADMETablesMatchActionYML: the README's Inputs and Outputs tables render (each row has
// exactly its columns: a stray "|" adds one) and say what action.yml says: same names, defaults
// and descriptions, in the same order.
func TestREADMETablesMatchActionYML(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	meta := readActionMeta(t)
	oneLine := func(s string) string { return strings.Join(strings.Fields(s), " ") }

	rows := readmeTable(t, readme, "## Inputs")
	if len(rows) != len(meta.inputs) {
		t.Errorf("README has %d input rows, action.yml %d inputs", len(rows), len(meta.inputs))
	}
	for i, row := range rows {
		if len(row) != 3 {
			t.Errorf("input row %d has %d cells, want 3 (an unescaped |?): %q", i, len(row), row)
			continue
		}
		if i >= len(meta.inputs) {
			break
		}
		in := meta.inputs[i]
		if row[0] != "`"+in.name+"`" {
			t.Errorf("input row %d is %s, action.yml has %s there", i, row[0], in.name)
			continue
		}
		want := "—"
		switch {
		case in.required:
			want = "**required**"
		case in.def != "":
			want = "`" + in.def + "`"
		}
		if row[1] != want {
			t.Errorf("input %s: README default %s, action.yml %s", in.name, row[1], want)
		}
		if row[2] != oneLine(in.description) {
			t.Errorf("input %s: README description\n  %q\naction.yml\n  %q", in.name, row[2], oneLine(in.description))
		}
	}

	rows = readmeTable(t, readme, "## Outputs")
	if len(rows) != len(meta.outputs) {
		t.Errorf("README has %d output rows, action.yml %d outputs", len(rows), len(meta.outputs))
	}
	for i, row := range rows {
		if len(row) != 2 {
			t.Errorf("output row %d has %d cells, want 2 (an unescaped |?): %q", i, len(row), row)
			continue
		}
		if i >= len(meta.outputs) {
			break
		}
		out := meta.outputs[i]
		if row[0] != "`"+out.name+"`" || row[1] != oneLine(out.description) {
			t.Errorf("output row %d: README %q, action.yml %s: %q", i, row, out.name, oneLine(out.description))
		}
	}
}
