package release

import (
	"context"
	"reflect"
	"strings"
	"testing"
)

func TestMergeValues(t *testing.T) {
	tests := []struct {
		name    string
		files   []string
		layers  []map[string]any
		want    map[string]any
		wantErr string
	}{
		{
			name: "nothing",
			want: map[string]any{},
		},
		{
			name:  "files in order, later wins, maps merged deeply",
			files: []string{"testdata/values/base.yaml", "testdata/values/override.yaml"},
			want: map[string]any{
				"config":   map[string]any{"greeting": "from-base", "colour": "override", "nested": map[string]any{"a": "base", "b": "override"}},
				"replicas": float64(2),
			},
		},
		{
			name:  "layers after files",
			files: []string{"testdata/values/base.yaml"},
			layers: []map[string]any{
				{"config": map[string]any{"greeting": "from-values"}},
				{"config": map[string]any{"nested": map[string]any{"a": "from-set"}}, "replicas": 3},
				{"config": map[string]any{"greeting": "from-secret"}},
			},
			want: map[string]any{
				"config":   map[string]any{"greeting": "from-secret", "colour": "base", "nested": map[string]any{"a": "from-set"}},
				"replicas": 3,
			},
		},
		{
			name:   "a scalar replaces a map and a list is replaced whole",
			layers: []map[string]any{{"a": map[string]any{"x": 1}, "l": []any{1, 2}}, {"a": "flat", "l": []any{3}}},
			want:   map[string]any{"a": "flat", "l": []any{3}},
		},
		{
			name:   "null is kept for Helm to delete the key",
			layers: []map[string]any{{"a": map[string]any{"x": 1, "y": 2}}, {"a": map[string]any{"x": nil}}},
			want:   map[string]any{"a": map[string]any{"x": nil, "y": 2}},
		},
		{
			name:    "missing file",
			files:   []string{"testdata/values/missing.yaml"},
			wantErr: "values file testdata/values/missing.yaml",
		},
		{
			name:    "broken file",
			files:   []string{"testdata/values/broken.yaml"},
			wantErr: "values file testdata/values/broken.yaml",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := mergeValues(tt.files, tt.layers)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("merged = %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func TestMergeValuesDoesNotModifyInputs(t *testing.T) {
	first := map[string]any{"a": map[string]any{"x": 1}}
	second := map[string]any{"a": map[string]any{"y": 2}}
	if _, err := mergeValues(nil, []map[string]any{first, second}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(first, map[string]any{"a": map[string]any{"x": 1}}) {
		t.Errorf("first layer modified: %v", first)
	}
}

func TestRunRendersMergedValues(t *testing.T) {
	f := newFixture(t)
	o := demoOptions("web")
	o.ValuesFiles = []string{"testdata/values/base.yaml", "testdata/values/override.yaml"}
	o.Values = []map[string]any{{"config": map[string]any{"greeting": "from-values"}}, {"config": map[string]any{"nested": map[string]any{"a": "from-set"}}}}
	res, err := f.d.Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`greeting: "from-values"`, `colour: "override"`, `nested-a: "from-set"`, `nested-b: "override"`, "replicas: 2"} {
		if !strings.Contains(res.Manifest, want) {
			t.Errorf("manifest lacks %q:\n%s", want, res.Manifest)
		}
	}
}
