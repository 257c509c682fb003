package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/strata-go/strata/breaker"
	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/fake"
)

// The fleet scene: the same load — workers resolving keys never seen
// before, one every 10ms each — against a provider that fails every call
// (after 20ms), for a while, on one instance or spread over five.
const (
	fleetSize     = 5
	fleetWorkers  = 10
	fleetDuration = 1500 * time.Millisecond
	fleetThink    = 10 * time.Millisecond
)

// fleetScene measures the failed provider calls of five instances sharing
// fleet health against those of one instance alone with the same load,
// and, for the story, of five instances that do not share it.
func fleetScene(ctx context.Context, w io.Writer, addr, prefix string) (fleetReport, error) {
	down := fake.Config{Errors: map[providers.Class]float64{providers.Transient: 1}, Latency: fake.Latency{Median: 20 * time.Millisecond}}
	single, err := outage(ctx, addr, prefix+"-one", down, 1, false)
	if err != nil {
		return fleetReport{}, err
	}
	shared, err := outage(ctx, addr, prefix+"-five", down, fleetSize, true)
	if err != nil {
		return fleetReport{}, err
	}
	alone, err := outage(ctx, addr, prefix+"-alone", down, fleetSize, false)
	if err != nil {
		return fleetReport{}, err
	}
	fmt.Fprintf(w, "fleet: %d workers resolving new keys for %v against a provider that fails every call; the breaker opens after %d failures in a row\n",
		fleetWorkers, fleetDuration, breaker.DefaultConsecutiveFailures)
	fmt.Fprintf(w, "  one instance:                          %3d failed calls\n", single)
	fmt.Fprintf(w, "  %d instances sharing fleet health:      %3d failed calls (%.2f× one instance's)\n", fleetSize, shared, ratio(float64(shared), float64(single)))
	fmt.Fprintf(w, "  %d instances, each learning on its own: %3d failed calls (%.2f×)\n", fleetSize, alone, ratio(float64(alone), float64(single)))
	return fleetReport{Instances: fleetSize, FailedCalls: shared, SingleInstanceFailedCalls: single}, nil
}

// outage spreads fleetWorkers workers over n instances (with fleet health
// shared through Redis when health is set), lets them resolve new keys
// for fleetDuration against a provider that is down, and returns the
// provider's failed calls, all instances together.
func outage(ctx context.Context, addr, prefix string, down fake.Config, n int, health bool) (int64, error) {
	var fleet []*instance
	defer func() { closeAll(fleet) }()
	for i := range n {
		in, err := start(ctx, fmt.Sprint("I", i), addr, prefix, baseConfig(), down, parts{health: health})
		if err != nil {
			return 0, err
		}
		fleet = append(fleet, in)
	}
	if health {
		// Every instance has subscribed before the load starts.
		time.Sleep(200 * time.Millisecond)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	deadline := time.Now().Add(fleetDuration)
	for wk := range fleetWorkers {
		in := fleet[wk%n]
		wg.Go(func() {
			for i := 0; time.Now().Before(deadline); i++ {
				if _, err := in.r.Resolve(ctx, "cpc", map[string]string{"keyword": fmt.Sprintf("w%d-%d", wk, i)}); err != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
					return
				}
				time.Sleep(fleetThink)
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return 0, firstErr
	}
	var calls int64
	for _, in := range fleet {
		calls += in.ads.Stats().Failed()
	}
	return calls, nil
}
