package config

import (
	"os"
	"strings"
	"testing"
)

// TestREADMEDocumentsEveryInput keeps the README's input reference in step with Inputs.
func TestREADMEDocumentsEveryInput(t *testing.T) {
	b, err := os.ReadFile("../../README.md")
	if os.IsNotExist(err) {
		t.Skip("no README.md")
	}
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
