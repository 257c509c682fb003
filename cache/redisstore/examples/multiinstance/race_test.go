//go:build race

package main

import "time"

// Under the race detector on a loaded CI machine a Redis round trip can
// outlast the example's 250ms, and a claimant's answer the 25ms its
// waiters wait: each timeout put the shared tier or history into a
// second's cooldown, out of the restart scene, and each wait cut short
// paid the provider again, counted by the shared scene (TestRunJSON
// failed every run under -race with two CPU hogs). The scenes measure
// what sharing saves, not the machine: under the race detector the tests
// give Redis and the claims the room it takes. Without it they run with
// the figures' own settings.
func init() {
	redisTimeout = 2 * time.Second
	sharedClaim = 250 * time.Millisecond
}
