// Command helm-deploy-action is the entry point of the container action: it wires signals and
// the process environment to internal/app.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	// The image is FROM scratch: time zones and the CA roots (used when the system has none,
	// e.g. for GitHub, chart repositories and OCI registries) are compiled into the binary.
	_ "time/tzdata"

	_ "golang.org/x/crypto/x509roots/fallback"

	"github.com/helmdeploy/helm-deploy-action/internal/app"
)

func main() {
	// The runner sends SIGINT on cancel, SIGTERM 7.5 s later, then kills: the first signal
	// cancels the context, the app stops waiting and runs its finalizers.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Main(ctx, os.Getenv, os.Stdout)
	stop()
	os.Exit(code)
}
