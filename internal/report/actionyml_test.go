package report

import (
	"os"
	"slices"
	"sort"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestOutputsMatchActionYML: every output written is declared in action.yml, and every
// declared output is written.
func TestOutputsMatchActionYML(t *testing.T) {
	b, err := os.ReadFile("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Outputs map[string]any `json:"outputs"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	var declared, written []string
	for k := range doc.Outputs {
		declared = append(declared, k)
	}
	for _, o := range Outputs(Summary{}) {
		written = append(written, o.Name)
	}
	sort.Strings(declared)
	sort.Strings(written)
	if !slices.Equal(declared, written) {
		t.Errorf("action.yml declares %v, the action writes %v", declared, written)
	}
}
