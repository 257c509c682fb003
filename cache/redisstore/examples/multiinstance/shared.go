package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/strata-go/strata/providers/fake"
)

// The shared scene: the same load — workers resolving keys drawn from a
// small set, one every 5ms each, 800 each — on one instance or spread
// over three sharing the tier, after one pass over the keys has warmed
// it; answers stay fresh for a second, and the provider answers in about
// 2ms (a compressed clock: a real TTL is minutes, a provider's latency
// hundreds of milliseconds).
const (
	sharedSize     = 3
	sharedKeys     = 30
	sharedWorkers  = 6
	sharedResolves = 800
	sharedThink    = 5 * time.Millisecond
	sharedTTL      = time.Second
)

// sharedClaim is how long an instance sharing the tier that finds a key
// claimed waits for the claimant's answer: a provider's 2ms, a Redis
// round trip, and room for a loaded machine. A var: the tests lengthen
// it under the race detector (race_test.go).
var sharedClaim = 25 * time.Millisecond

// sharedScene measures the provider calls per resolve of three instances
// sharing the tier against those of one instance alone with the same
// load, and, for the story, of three that share nothing. The three loads
// run at once, so that they meet the same machine.
func sharedScene(ctx context.Context, w io.Writer, addr, prefix string) (sharedReport, error) {
	arms := []struct {
		suffix string
		n      int
		share  bool
		cpr    float64
		err    error
	}{{"-one", 1, true, 0, nil}, {"-three", sharedSize, true, 0, nil}, {"-alone", sharedSize, false, 0, nil}}
	var wg sync.WaitGroup
	for i := range arms {
		a := &arms[i]
		wg.Go(func() { a.cpr, a.err = load(ctx, addr, prefix+a.suffix, a.n, a.share) })
	}
	wg.Wait()
	for _, a := range arms {
		if a.err != nil {
			return sharedReport{}, a.err
		}
	}
	single, three, alone := arms[0].cpr, arms[1].cpr, arms[2].cpr
	fmt.Fprintf(w, "shared: %d workers resolving %d keys %d times each, one every %v, after a warm-up; answers stay fresh for %v;\n",
		sharedWorkers, sharedKeys, sharedResolves, sharedThink, sharedTTL)
	fmt.Fprintf(w, "  an instance sharing the tier claims a key before it fetches it, and one that finds the claim taken waits up to %v for that answer\n", sharedClaim)
	fmt.Fprintf(w, "  one instance:                     %.4f provider calls per resolve\n", single)
	fmt.Fprintf(w, "  %d instances sharing the tier:     %.4f (%.2f× one instance's)\n", sharedSize, three, ratio(three, single))
	fmt.Fprintf(w, "  %d instances sharing nothing:      %.4f (%.2f×)\n", sharedSize, alone, ratio(alone, single))
	return sharedReport{CallsPerResolve: three, SingleInstanceCallsPerResolve: single}, nil
}

// load spreads sharedWorkers workers over n instances (sharing the tier
// when share is set) and returns the provider calls per resolve, all
// instances together.
func load(ctx context.Context, addr, prefix string, n int, share bool) (float64, error) {
	cfg := baseConfig()
	cfg.DataTypes[0].TTL = sharedTTL
	if share {
		// Fill claims: an instance that misses a key another is fetching
		// waits up to 25ms for that answer instead of paying for its own
		// (a provider's 2ms, a Redis round trip, and room for a loaded
		// machine).
		cfg.Cache.Claim = sharedClaim
	}
	healthy := fake.Config{Value: 1.32, Latency: fake.Latency{Median: 2 * time.Millisecond}}
	var fleet []*instance
	defer func() { closeAll(fleet) }()
	for i := range n {
		in, err := start(ctx, fmt.Sprint("I", i), addr, prefix, cfg, healthy, parts{store: share})
		if err != nil {
			return 0, err
		}
		fleet = append(fleet, in)
	}
	// The warm-up: one pass over the keys, by the first instance.
	for k := range sharedKeys {
		if _, err := fleet[0].r.Resolve(ctx, "cpc", keyword(k)); err != nil {
			return 0, err
		}
	}
	var warm int64
	for _, in := range fleet {
		warm += in.ads.Calls()
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	start := time.Now()
	for wk := range sharedWorkers {
		in := fleet[wk%n]
		rng := rand.New(rand.NewPCG(uint64(wk), 7)) // the same keys in every run
		wg.Go(func() {
			// On a schedule, not a sleep after each: a slow moment is
			// caught up, so every load spans the same time.
			next := start
			for range sharedResolves {
				if _, err := in.r.Resolve(ctx, "cpc", keyword(rng.IntN(sharedKeys))); err != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
					return
				}
				next = next.Add(sharedThink)
				time.Sleep(time.Until(next))
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return 0, firstErr
	}
	calls := -warm
	for _, in := range fleet {
		calls += in.ads.Calls()
	}
	return ratio(float64(calls), float64(sharedWorkers*sharedResolves)), nil
}
