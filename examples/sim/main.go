// Command sim is strata's fault-scenario simulator. It runs one scenario
// twice on the same seeded workload — once through a strata Resolver, once
// through a baseline of failsafe-go policies — and prints the two side by
// side:
//
//	go run ./examples/sim -scenario examples/sim/scenarios/primary-outage.yaml
//	go run ./examples/sim -scenario my.yaml -json    # one JSON object
//	go run ./examples/sim -all                       # every shipped scenario, a markdown table and the targets
//
// The scenario format, the baseline, the derived resolver configuration
// and the time scaling are described in docs/sim.md.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sim:", err)
		os.Exit(1)
	}
}
