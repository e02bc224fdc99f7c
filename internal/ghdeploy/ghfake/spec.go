package ghfake

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// deploymentsSpec is GitHub's OpenAPI description cut down to the operations
// the fake serves: Deployments, Environments, issue comments and GET /user
// (see testdata/NOTICE and internal/specgen).
//
//go:embed testdata/deployments-openapi.json
var deploymentsSpec []byte

// ErrValidation marks a request or response that does not match GitHub's
// OpenAPI description.
var ErrValidation = errors.New("does not match GitHub's OpenAPI description")

// specHost is where the description says the API lives; requests are
// matched as if they had been sent there.
const specHost = "api.github.com"

type validator struct {
	doc    *openapi3.T
	router routers.Router
}

var (
	loadOnce   sync.Once
	loaded     *validator
	errLoading error
)

// loadValidator parses the embedded description once per process.
func loadValidator() (*validator, error) {
	loadOnce.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(deploymentsSpec)
		if err != nil {
			errLoading = fmt.Errorf("load deployments OpenAPI description: %w", err)
			return
		}
		// GitHub's own examples for GET /user lack the discriminator its schema
		// requires; examples are not what requests and responses are checked
		// against, so they are not validated.
		if err := doc.Validate(context.Background(), openapi3.DisableExamplesValidation()); err != nil {
			errLoading = fmt.Errorf("deployments OpenAPI description is invalid: %w", err)
			return
		}
		router, err := gorillamux.NewRouter(doc)
		if err != nil {
			errLoading = fmt.Errorf("route deployments OpenAPI description: %w", err)
			return
		}
		loaded = &validator{doc: doc, router: router}
	})
	return loaded, errLoading
}

func filterOptions() *openapi3filter.Options {
	// Accept headers are not part of the description: go-github v60 sends the
	// ant-man and flash preview media types for deployment calls and that is
	// fine. Bodies, parameters and statuses are all checked.
	opts := &openapi3filter.Options{
		AuthenticationFunc:  openapi3filter.NoopAuthenticationFunc,
		SkipSettingDefaults: true,
		MultiError:          true,
	}
	// Say where and why, without dumping the whole schema.
	opts.WithCustomSchemaErrorFunc(func(e *openapi3.SchemaError) string {
		return fmt.Sprintf("at /%s: %s", strings.Join(e.JSONPointer(), "/"), e.Reason)
	})
	return opts
}

// route finds the operation for a request whose path has already been
// stripped of any /api/v3 prefix.
func (v *validator) route(method, path, rawQuery string, header http.Header, body []byte) (*openapi3filter.RequestValidationInput, error) {
	target := "https://" + specHost + path
	if rawQuery != "" {
		target += "?" + rawQuery
	}
	req, err := http.NewRequestWithContext(context.Background(), method, target, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header = header.Clone()
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: no such operation (%v): %w", method, path, err, ErrValidation)
	}
	return &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: params,
		Route:      route,
		Options:    filterOptions(),
	}, nil
}

// validateRequest checks parameters and body of a routed request.
func validateRequest(in *openapi3filter.RequestValidationInput, body []byte) error {
	in.Request.Body = io.NopCloser(bytes.NewReader(body))
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		return fmt.Errorf("request %s %s %w: %s", in.Request.Method, in.Request.URL.Path, ErrValidation, oneLine(err))
	}
	return nil
}

// validateResponse checks the status, headers and body the fake answers with.
func validateResponse(in *openapi3filter.RequestValidationInput, status int, header http.Header, body []byte) error {
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 status,
		Header:                 header,
		Options:                filterOptions(),
	}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		return fmt.Errorf("response %d to %s %s %w: %s", status, in.Request.Method, in.Request.URL.Path, ErrValidation, oneLine(err))
	}
	return nil
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
