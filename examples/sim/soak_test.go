package main

import (
	"os"
	"runtime"
	"testing"
	"testing/synctest"
	"time"
)

// soakPeakLimit bounds the heap in use during the soak: the resolver's
// cache (32 MiB of ristretto at most), its last-good store and history
// (bounded by entries), the 100 000 records the harness keeps (some 6 MB)
// and slack for the garbage collector.
const soakPeakLimit = 256 << 20

// TestSoak runs 100 000 resolves from 64 goroutines through strata, over
// a scenario with every event kind on every provider. It runs in a
// synctest bubble, so virtual time costs nothing and the bubble fails the
// test if any goroutine is left after the resolver's Close; a sampler
// outside the bubble records the peak heap in use.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak: -short")
	}
	data, err := os.ReadFile("testdata/soak.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := parseScenario(data)
	if err != nil {
		t.Fatal(err)
	}
	sc.Requests, sc.Concurrency = 100_000, 64
	cfg, err := mergeResolver(deriveConfig(sc), &sc.Resolver)
	if err != nil {
		t.Fatal(err)
	}
	keys := compileKeys(sc)
	seqs := workload(sc, keys)

	runtime.GC()
	before := runtime.NumGoroutine()
	stop := make(chan struct{})
	peakc := make(chan uint64)
	go func() {
		var ms runtime.MemStats
		var peak uint64
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				peakc <- peak
				return
			case <-tick.C:
			}
		}
	}()

	var res runResult
	start := time.Now()
	synctest.Test(t, func(t *testing.T) {
		res, err = runStrata(t.Context(), sc, cfg, keys, seqs)
	})
	wall := time.Since(start)
	close(stop)
	peak := <-peakc
	if err != nil {
		t.Fatal(err)
	}

	// Every goroutine the run started has ended: the bubble checked its
	// own; nothing outside it may remain either.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after Close, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}

	s := summarize(sc, res)
	t.Logf("soak: %d resolves from %d goroutines in %.1fs wall (%.0f virtual s); peak heap in use %.1f MiB; availability %v, layers %+v, calls/request %.3f, within 5%% %.4f, garbage %d",
		s.Requests, sc.Concurrency, wall.Seconds(), res.wall.Seconds()/sc.TimeScale, float64(peak)/(1<<20),
		s.Availability, s.Layers, s.CallsPerRequest, s.Accuracy.Within5Pct, s.Accuracy.Garbage)
	if s.Requests != 100_000 {
		t.Errorf("%d resolves, want 100000", s.Requests)
	}
	if s.Availability != 1 || s.Accuracy.Garbage != 0 {
		t.Errorf("availability %v (errors %v), garbage %d; want 1 and 0", s.Availability, s.Errors, s.Accuracy.Garbage)
	}
	if peak > soakPeakLimit {
		t.Errorf("peak heap in use %.1f MiB, over the %d MiB bound", float64(peak)/(1<<20), soakPeakLimit>>20)
	}
}
