//go:build ignore

// gen writes ../../testdata/deployments-openapi.json from GitHub's full
// OpenAPI description. Run it with `go generate ./internal/ghdeploy/ghfake`.
package main

import (
	"flag"
	"log"
	"os"

	"github.com/helmdeploy/helm-deploy-action/internal/ghdeploy/ghfake/internal/specgen"
)

func main() {
	src := flag.String("src", "../../../../shared/github-openapi/api.github.com.json", "full OpenAPI description")
	dst := flag.String("out", "testdata/deployments-openapi.json", "extracted description")
	flag.Parse()
	full, err := os.ReadFile(*src)
	if err != nil {
		log.Fatal(err)
	}
	out, err := specgen.Extract(full, specgen.Paths)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*dst, out, 0o644); err != nil {
		log.Fatal(err)
	}
}
