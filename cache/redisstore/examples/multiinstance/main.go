// Command multiinstance shows a fleet of instances of a program sharing
// what strata learns through one Redis (cache/redisstore), in three
// measured scenes and a demonstration:
//
//   - restart: instance A resolves a set of keys for a while, building
//     their history, and exits; instance B starts during a total provider
//     outage and resolves the same keys. It answers from the last good
//     answers A left in the shared tier (kept past their TTL for the stale
//     window) and from the fleet's history, where without them it could
//     only give defaults.
//   - fleet: five instances against a provider outage, against one
//     instance alone with the same load: the fleet shares its failures and
//     breaker openings (fleet_health), so it spends about what one
//     instance spends in failed calls before it stops calling.
//   - shared: three instances sharing the tier, against one alone with
//     the same load: an answer one pays for serves them all, so they make
//     about the provider calls one would.
//   - quota: the provider's rate limit holds for the fleet together.
//
// It needs a Redis server; each run works in a namespace of its own and
// deletes its keys at the end:
//
//	go run ./examples/multiinstance -redis 127.0.0.1:6379
//	go run ./examples/multiinstance -redis 127.0.0.1:6379 -json
//
// -json prints one object with the three scenes' figures:
//
//	{"restart": {"resolves": N, "layers": {"primary": n, "secondary": n, "cache": n, "statistical": n, "default": n}},
//	 "fleet": {"instances": 5, "failed_calls": n, "single_instance_failed_calls": n},
//	 "shared": {"calls_per_resolve": x, "single_instance_calls_per_resolve": y}}
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
