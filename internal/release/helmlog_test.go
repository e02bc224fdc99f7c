package release

import (
	"reflect"
	"strconv"
	"testing"
)

func TestHelmLogKeepsLastLines(t *testing.T) {
	tests := []struct {
		name  string
		max   int
		lines int
		want  []string
	}{
		{"empty", 3, 0, []string{}},
		{"fewer than max", 3, 2, []string{"line 0", "line 1"}},
		{"exactly max", 3, 3, []string{"line 0", "line 1", "line 2"}},
		{"wraps around", 3, 7, []string{"line 4", "line 5", "line 6"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var forwarded []string
			h := NewHelmLog(tt.max, func(format string, v ...any) { forwarded = append(forwarded, v[0].(string)) })
			for i := 0; i < tt.lines; i++ {
				h.Printf("line %d\n", i)
			}
			if got := h.Lines(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Lines = %q, want %q", got, tt.want)
			}
			if len(forwarded) != tt.lines {
				t.Errorf("forwarded %d lines, want %d", len(forwarded), tt.lines)
			}
		})
	}
}

func TestHelmLogTailAndReset(t *testing.T) {
	h := NewHelmLog(2, nil)
	if h.Tail() != "" {
		t.Errorf("Tail of empty log = %q", h.Tail())
	}
	for i := 0; i < 3; i++ {
		h.Printf("step %s", strconv.Itoa(i))
	}
	if want := "last Helm log lines:\n  step 1\n  step 2"; h.Tail() != want {
		t.Errorf("Tail = %q, want %q", h.Tail(), want)
	}
	h.Reset()
	h.Printf("again")
	if got := h.Lines(); !reflect.DeepEqual(got, []string{"again"}) {
		t.Errorf("after Reset Lines = %q", got)
	}
}
