// Command ghfake serves the fake GitHub Deployments API on 127.0.0.1 for
// end-to-end tests. It prints its base URL on the first line of stdout and
// runs until interrupted; GET /_fake/calls returns the recorded calls.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/helmdeploy/helm-deploy-action/internal/ghdeploy/ghfake"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "loopback address to listen on")
	flag.Parse()
	s, err := ghfake.Listen(*addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.URL)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	<-stop
	if err := s.Close(); err != nil {
		log.Fatal(err)
	}
	if errs := s.ValidationErrors(); len(errs) > 0 {
		for _, e := range errs {
			fmt.Fprintln(os.Stderr, "validation:", e)
		}
		os.Exit(1)
	}
}
