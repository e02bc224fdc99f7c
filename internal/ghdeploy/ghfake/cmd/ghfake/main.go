// Command ghfake serves the fake GitHub Deployments API (with environments,
// issue comments and GET /user) on 127.0.0.1 for end-to-end tests. It prints
// its base URL on the first line of stdout and runs until SIGINT/SIGTERM.
// GET /_fake/calls returns the recorded calls, GET /_fake/deployments the
// deployments with their statuses, and POST /_fake/fail scripts failures
// (see package ghfake for the other controls). It exits 1 when a
// request or response broke GitHub's OpenAPI description.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/helmdeploy/helm-deploy-action/internal/ghdeploy/ghfake"
)

var errInvalidTraffic = errors.New("traffic did not match GitHub's OpenAPI description")

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "loopback address to listen on")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, os.Stdout, os.Stderr); err != nil {
		log.Fatal(err)
	}
}

// run serves until ctx ends, printing the URL to out first.
func run(ctx context.Context, addr string, out, errOut io.Writer) error {
	s, err := ghfake.Listen(addr)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, s.URL)
	<-ctx.Done()
	if err := s.Close(); err != nil {
		return err
	}
	errs := s.ValidationErrors()
	for _, e := range errs {
		fmt.Fprintln(errOut, "validation:", e)
	}
	if len(errs) > 0 {
		return fmt.Errorf("%d requests or responses: %w", len(errs), errInvalidTraffic)
	}
	return nil
}
