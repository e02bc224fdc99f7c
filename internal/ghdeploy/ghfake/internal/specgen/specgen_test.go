package specgen

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

const (
	sharedSpec = "../../../../../../shared/github-openapi/api.github.com.json"
	extracted  = "../../testdata/deployments-openapi.json"
)

// TestExtractedFileIsCurrent fails when testdata/deployments-openapi.json is
// not what the generator produces from ../shared; run `go generate`.
func TestExtractedFileIsCurrent(t *testing.T) {
	full, err := os.ReadFile(filepath.FromSlash(sharedSpec))
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("%s is absent", sharedSpec)
	}
	if err != nil {
		t.Fatal(err)
	}
	want, err := Extract(full, Paths)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.FromSlash(extracted))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is stale: run go generate ./internal/ghdeploy/ghfake", extracted)
	}
}

func TestExtract(t *testing.T) {
	src := `{
  "openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "servers": [{"url": "https://x"}],
  "paths": {
    "/a": {"get": {"responses": {"200": {"$ref": "#/components/responses/ok"}}}},
    "/b": {"get": {"responses": {"200": {"description": "unused", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/unused"}}}}}}}
  },
  "components": {
    "responses": {"ok": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/thing"}}}}},
    "schemas": {
      "thing": {"type": "object", "properties": {"user": {"$ref": "#/components/schemas/user"}, "n": {"type": "integer", "maximum": 12345678901234567890}}},
      "user": {"type": "object", "properties": {"self": {"$ref": "#/components/schemas/user"}}},
      "unused": {"type": "string"}
    }
  }
}`
	tests := []struct {
		name        string
		paths       []string
		wantSchemas []string
		wantErr     error
	}{
		{name: "transitive and cyclic references", paths: []string{"/a"}, wantSchemas: []string{"thing", "user"}},
		{name: "other path pulls its own schema", paths: []string{"/b"}, wantSchemas: []string{"unused"}},
		{name: "missing path", paths: []string{"/c"}, wantErr: ErrMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Extract([]byte(src), tt.paths)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			var doc struct {
				Paths      map[string]any `json:"paths"`
				Components struct {
					Schemas map[string]json.RawMessage `json:"schemas"`
				} `json:"components"`
			}
			if err := json.Unmarshal(out, &doc); err != nil {
				t.Fatal(err)
			}
			if len(doc.Paths) != len(tt.paths) {
				t.Errorf("paths = %v, want %v", doc.Paths, tt.paths)
			}
			if len(doc.Components.Schemas) != len(tt.wantSchemas) {
				t.Errorf("schemas = %d, want %v", len(doc.Components.Schemas), tt.wantSchemas)
			}
			for _, s := range tt.wantSchemas {
				if _, ok := doc.Components.Schemas[s]; !ok {
					t.Errorf("schema %s missing", s)
				}
			}
			if tt.paths[0] == "/a" && !bytes.Contains(out, []byte("12345678901234567890")) {
				t.Errorf("large number not kept verbatim:\n%s", out)
			}
		})
	}
}

func TestExtractRejectsNonLocalRef(t *testing.T) {
	src := `{"paths": {"/a": {"$ref": "other.json#/x"}}, "components": {}}`
	if _, err := Extract([]byte(src), []string{"/a"}); !errors.Is(err, ErrMissing) {
		t.Fatalf("err = %v, want ErrMissing", err)
	}
}
