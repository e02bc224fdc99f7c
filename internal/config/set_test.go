package config

import (
	"fmt"
	"reflect"
	"testing"
)

func TestParseSet(t *testing.T) {
	tests := []struct {
		name string
		set  string
		want map[string]any
	}{
		{name: "comma and spaces need no escaping", set: "image.tag: v1,2\nargs.line: --a --b, --c",
			want: map[string]any{"image": map[string]any{"tag": "v1,2"}, "args": map[string]any{"line": "--a --b, --c"}}},
		{name: "typed values", set: "replicas: 3\nfeature.enabled: true\nratio: 0.5\nbig: 12345678901\nquoted: \"true\"\nnothing: null",
			want: map[string]any{"replicas": int64(3), "feature": map[string]any{"enabled": true}, "ratio": 0.5,
				"big": int64(12345678901), "quoted": "true", "nothing": nil}},
		{name: "escaped dot", set: `podAnnotations.prometheus\.io/scrape: "true"`,
			want: map[string]any{"podAnnotations": map[string]any{"prometheus.io/scrape": "true"}}},
		{name: "escaped backslash", set: `a.b\\c: 1`,
			want: map[string]any{"a": map[string]any{`b\c`: int64(1)}}},
		{name: "other backslash kept", set: `a.b\n: 1`,
			want: map[string]any{"a": map[string]any{`b\n`: int64(1)}}},
		{name: "list indices", set: "ingress.hosts[0]: a.example.com\ningress.hosts[1]: b.example.com",
			want: map[string]any{"ingress": map[string]any{"hosts": []any{"a.example.com", "b.example.com"}}}},
		{name: "index gap filled with null", set: "a[2]: z",
			want: map[string]any{"a": []any{nil, nil, "z"}}},
		{name: "list of maps", set: "env[0].name: A\nenv[0].value: '1'\nenv[1].name: B",
			want: map[string]any{"env": []any{map[string]any{"name": "A", "value": "1"}, map[string]any{"name": "B"}}}},
		{name: "nested indices", set: "m[0][1]: x",
			want: map[string]any{"m": []any{[]any{nil, "x"}}}},
		{name: "list and map values", set: "args: [--a, --b]\nresources: {limits: {cpu: 500m}}",
			want: map[string]any{"args": []any{"--a", "--b"}, "resources": map[string]any{"limits": map[string]any{"cpu": "500m"}}}},
		{name: "mapping value merged with dotted key", set: "image: {repository: r}\nimage.tag: t",
			want: map[string]any{"image": map[string]any{"repository": "r", "tag": "t"}}},
		{name: "null then dotted key", set: "a: null\na.b: 1",
			want: map[string]any{"a": map[string]any{"b": int64(1)}}},
		{name: "numeric key", set: "ports.80: http",
			want: map[string]any{"ports": map[string]any{"80": "http"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := parseOK(t, map[string]string{"set": tc.set})
			if !reflect.DeepEqual(c.Set, tc.want) {
				t.Errorf("Set = %#v\nwant %#v", c.Set, tc.want)
			}
			if layers := c.ValueLayers(); len(layers) != 1 || !reflect.DeepEqual(layers[0], tc.want) {
				t.Errorf("ValueLayers = %#v, want only the set layer", layers)
			}
		})
	}
}

func TestParseSetKey(t *testing.T) {
	tests := []struct {
		key     string
		want    []segment
		wantErr bool
	}{
		{key: "a", want: []segment{{name: "a"}}},
		{key: "a.b[2].c", want: []segment{{name: "a"}, {name: "b"}, {index: 2, isIdx: true}, {name: "c"}}},
		{key: `x\.y\[0\]`, want: []segment{{name: "x.y[0]"}}},
		{key: `\.`, want: []segment{{name: "."}}},
		{key: "", wantErr: true},
		{key: ".a", wantErr: true},
		{key: "a.", wantErr: true},
		{key: "a[0]b", wantErr: true},
		{key: "a]", wantErr: true},
		{key: "a[-1]", wantErr: true},
		{key: "a[+1]", wantErr: true},
		{key: "a[]", wantErr: true},
		{key: "a.[0]", wantErr: true},
		{key: "a[0].", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			got, err := parseSetKey(tc.key)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("parseSetKey(%q) = %v, want an error", tc.key, got)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("parseSetKey(%q) = %v, %v; want %v", tc.key, got, err, tc.want)
			}
		})
	}
}

func TestParseSetAtLimits(t *testing.T) {
	// Index 1000 is the largest; nine lists of 1001 and one of 991 entries
	// fill the 10000 entries all set keys may build together.
	set := "b[990]: last"
	for i := 0; i < 9; i++ {
		set += fmt.Sprintf("\na%d[1000]: x", i)
	}
	c := parseOK(t, map[string]string{"set": set})
	for i := 0; i < 9; i++ {
		if l, _ := c.Set[fmt.Sprintf("a%d", i)].([]any); len(l) != 1001 || l[1000] != "x" || l[999] != nil {
			t.Errorf("a%d has %d entries, want 1001 ending in x", i, len(l))
		}
	}
	if l, _ := c.Set["b"].([]any); len(l) != 991 || l[990] != "last" {
		t.Errorf("b has %d entries, want 991 ending in last", len(l))
	}
	if _, err := Parse(env(map[string]string{"set": set + "\nc[0]: one too many"})); err == nil {
		t.Error("one entry past the 10000 in all parsed")
	}
}
