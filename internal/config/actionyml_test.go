package config

import (
	"fmt"
	"os"
	"testing"

	yamlv3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/yaml"
)

// actionInput is one input of action.yml; Default is any because YAML may
// spell it as a string, a boolean or a number.
type actionInput struct {
	Default  any  `json:"default"`
	Required bool `json:"required"`
}

func readActionYML(t *testing.T) map[string]actionInput {
	t.Helper()
	data, err := os.ReadFile("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Inputs map[string]actionInput `json:"inputs"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	return doc.Inputs
}

func defaultString(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func TestActionYMLMatchesInputs(t *testing.T) {
	inputs := readActionYML(t)
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			spec := findSpec(name)
			if spec == nil {
				t.Fatalf("action.yml declares input %q, which config.Inputs does not know", name)
			}
			if got := defaultString(in.Default); got != spec.Default {
				t.Errorf("action.yml default %q, config.Inputs default %q", got, spec.Default)
			}
			if in.Required != spec.Required {
				t.Errorf("action.yml required=%v, config.Inputs required=%v", in.Required, spec.Required)
			}
		})
	}
	for _, spec := range Inputs {
		if _, ok := inputs[spec.Name]; !ok {
			t.Errorf("config.Inputs has %q, which action.yml does not declare", spec.Name)
		}
	}
}

func TestInputsAreWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, in := range Inputs {
		if seen[in.Name] {
			t.Errorf("input %q listed twice", in.Name)
		}
		seen[in.Name] = true
		if in.Description == "" {
			t.Errorf("input %q has no description", in.Name)
		}
		if in.Required && in.Default != "" {
			t.Errorf("input %q is required but has a default", in.Name)
		}
	}
}

// TestDefaultsParse checks that every default in Inputs is itself valid:
// parsing with only the required inputs set exercises all of them.
func TestDefaultsParse(t *testing.T) {
	vars := map[string]string{}
	for _, in := range Inputs {
		if in.Default != "" && in.Default[0] != '$' {
			vars[in.Name] = in.Default
		}
	}
	if _, err := Parse(env(vars)); err != nil {
		t.Fatalf("the defaults of Inputs do not parse: %v", err)
	}
}

func findSpec(name string) *InputSpec {
	for i := range Inputs {
		if Inputs[i].Name == name {
			return &Inputs[i]
		}
	}
	return nil
}

// actionMeta is action.yml in declaration order.
type actionMeta struct {
	description     string
	inputs, outputs []actionEntry
}

type actionEntry struct {
	name, description, def string
	required               bool
}

func readActionMeta(t *testing.T) actionMeta {
	t.Helper()
	data, err := os.ReadFile("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc yamlv3.Node
	if err := yamlv3.Unmarshal(data, &doc); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	var m actionMeta
	root := doc.Content[0]
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i].Value, root.Content[i+1]
		switch key {
		case "description":
			m.description = val.Value
		case "inputs", "outputs":
			var list []actionEntry
			for j := 0; j+1 < len(val.Content); j += 2 {
				e := actionEntry{name: val.Content[j].Value}
				f := val.Content[j+1]
				for k := 0; k+1 < len(f.Content); k += 2 {
					switch v := f.Content[k+1].Value; f.Content[k].Value {
					case "description":
						e.description = v
					case "default":
						e.def = v
					case "required":
						e.required = v == "true"
					}
				}
				list = append(list, e)
			}
			if key == "inputs" {
				m.inputs = list
			} else {
				m.outputs = list
			}
		}
	}
	return m
}

// The Marketplace rejects an action whose description is 125 characters or longer.
func TestActionDescriptionFitsTheMarketplace(t *testing.T) {
	m := readActionMeta(t)
	if m.description == "" || len(m.description) >= 125 {
		t.Errorf("action.yml description is %d characters, want 1 to 124: %q", len(m.description), m.description)
	}
}
