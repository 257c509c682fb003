// Command multiinstance shows two instances of a program sharing one
// Redis through cache/redisstore: the answer the first instance paid for
// serves the second without a provider call, and the provider's quota
// holds for both together.
//
// It needs a Redis server (nothing is kept: the example's keys are
// deleted at the start and the end):
//
//	go run ./examples/multiinstance -redis 127.0.0.1:6379
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
		fmt.Fprintln(os.Stderr, "multiinstance:", err)
		os.Exit(1)
	}
}
