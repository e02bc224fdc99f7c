package ghdeploy_test

import (
	"context"
	"fmt"
	"log"

	"github.com/helmdeploy/helm-deploy-action/internal/ghdeploy"
	"github.com/helmdeploy/helm-deploy-action/internal/ghdeploy/ghfake"
)

// A deploy that waited for the lock, ran Helm and succeeded.
func ExampleTracker() {
	fake, err := ghfake.Listen("127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer fake.Close()

	c, err := ghdeploy.New(ghdeploy.Options{
		Token: "ghs_example", APIURL: fake.URL, ServerURL: "https://github.com", Owner: "octo", Repo: "app",
	})
	if err != nil {
		log.Fatal(err)
	}
	req := ghdeploy.DeploymentRequest{
		Ref: "main", Environment: "staging", Description: "app 1.2.3",
		Payload: map[string]any{"release": "app", "namespace": "web"},
	}
	warn := func(format string, args ...any) { fmt.Printf("::warning::"+format+"\n", args...) }
	tr := ghdeploy.NewTracker(c, req, "https://github.com/octo/app/actions/runs/1/attempts/1",
		"https://staging.example.com", true, warn)

	ctx := context.Background()
	tr.Queued(ctx)
	tr.InProgress(ctx)
	tr.Success(ctx)

	fmt.Println(tr.ID(), tr.URL())
	fmt.Println(fake.Deployments()[0].States())
	// Output:
	// 1 https://github.com/octo/app/deployments/staging
	// [queued in_progress success]
}
