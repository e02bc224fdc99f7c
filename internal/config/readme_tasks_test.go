package config

import (
	"os"
	"strings"
	"testing"
)

// TestREADMETaskTable: the README's "Which inputs each task reads" table says exactly what
// taskInputs says, for every input in it.
func TestREADMETaskTable(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var header []string
	rows := 0
	for _, line := range strings.Split(string(b), "\n") {
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if len(cells) > 2 && cells[0] == "input" && cells[1] == TaskDeploy {
			header = cells
			continue
		}
		if header == nil || len(cells) != len(header) || !strings.HasPrefix(cells[0], "`") {
			if header != nil && rows > 0 && !strings.HasPrefix(strings.TrimSpace(line), "|") {
				break
			}
			continue
		}
		name := strings.Trim(cells[0], "`")
		tasks := TasksReading(name)
		rows++
		for i, task := range header[1:] {
			says := strings.HasPrefix(cells[i+1], "✓")
			if want := tasks == nil || contains(tasks, task); says != want {
				t.Errorf("README says task %s reads %s: %v; taskInputs says %v", task, name, says, want)
			}
		}
	}
	if header == nil || rows < 20 {
		t.Fatalf("the README's task table was not found (header %v, %d rows)", header, rows)
	}
	for _, task := range Tasks {
		if !contains(header, task) {
			t.Errorf("the README's task table has no column for task %s", task)
		}
	}
}
