// Command sim is strata's fault-scenario simulator. It runs one scenario
// twice on the same seeded workload — once through a strata Resolver, once
// through a baseline of failsafe-go policies — and prints the two side by
// side:
//
//	go run ./examples/sim -scenario examples/sim/scenarios/primary-outage.yaml
//	go run ./examples/sim -scenario my.yaml -json    # one JSON object
//	go run ./examples/sim -all                       # every shipped scenario, a markdown table and the targets
//	go run ./examples/sim -help                      # every flag
//
// -all takes about 5 minutes; a line per finished scenario goes to stderr
// when stderr is a terminal (never with -q, never to stdout).
//
// The scenario format, the baseline, the derived resolver configuration
// and the time scaling are described in docs/sim.md.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var progress io.Writer
	if isTerminal(os.Stderr) {
		progress = os.Stderr
	}
	if err := run(ctx, os.Args[1:], os.Stdout, progress); err != nil {
		fmt.Fprintln(os.Stderr, "sim:", err)
		os.Exit(1)
	}
}

// isTerminal reports whether f is a terminal (a character device), where
// progress lines are welcome; a pipe or a file gets none.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
