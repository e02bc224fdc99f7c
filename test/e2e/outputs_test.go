//go:build e2e

package e2e

import (
	"maps"
	"testing"
)

func TestParseOutputs(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		want    map[string]string
		wantErr bool
	}{
		{name: "empty", in: "", want: map[string]string{}},
		{name: "name=value lines", in: "a=1\nb=x=y\n", want: map[string]string{"a": "1", "b": "x=y"}},
		{
			name: "heredoc blocks",
			in:   "revision<<ghadelimiter_1\n3\nghadelimiter_1\nreason<<EOF\nline one\nline two\nEOF\n",
			want: map[string]string{"revision": "3", "reason": "line one\nline two"},
		},
		{name: "empty heredoc value", in: "x<<D\nD\n", want: map[string]string{"x": ""}},
		{name: "mixed", in: "a=1\nb<<D\nv\nD\nc=\n", want: map[string]string{"a": "1", "b": "v", "c": ""}},
		{name: "unclosed heredoc", in: "a<<D\nvalue\n", wantErr: true},
		{name: "garbage line", in: "just text\n", wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseOutputs(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if !tc.wantErr && !maps.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
