// Command campaign is strata's first host: a campaign generator that
// resolves the market and advertising figures a campaign plan needs, through
// one resolver, and prints where each figure came from.
//
// It runs offline on fake providers; one of them goes down halfway through
// so the fallbacks can be seen at work:
//
//	go run ./examples/campaign
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
		fmt.Fprintln(os.Stderr, "campaign:", err)
		os.Exit(1)
	}
}
