package ghfake

//go:generate go run ./internal/specgen/gen.go -src ../../../../shared/github-openapi/api.github.com.json -out testdata/deployments-openapi.json
