package main

import (
	"os"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// soakPeakLimit bounds the heap in use during the soak: the resolver's
// cache (32 MiB of ristretto at most), its last-good store and history
// (bounded by entries), the 100 000 records the harness keeps (some 6 MB)
// and slack for the garbage collector.
const soakPeakLimit = 256 << 20

// TestSoak runs 100 000 resolves from 64 goroutines through strata, over
// a scenario with every event kind and a truth shift. It runs in a
// synctest bubble, so virtual time costs nothing and the bubble fails the
// test if any goroutine is left after the resolver's Close; a sampler
// outside the bubble records the peak heap in use.
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak: -short")
	}
	data, err := os.ReadFile("testdata/soak.yaml")
	require.NoError(t, err)
	sc, err := parseScenario(data)
	require.NoError(t, err)
	sc.Requests, sc.Concurrency = 100_000, 64
	cfg, err := mergeResolver(deriveConfig(sc), &sc.Resolver)
	require.NoError(t, err)
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
		res, err = runStrata(t.Context(), sc, cfg, keys, seqs, nil)
	})
	wall := time.Since(start)
	close(stop)
	peak := <-peakc
	require.NoError(t, err)

	// Every goroutine the run started has ended: the bubble checked its
	// own; nothing outside it may remain either.
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); !assert.LessOrEqual(t, n, before, "goroutines after Close, against before") {
		buf := make([]byte, 1<<20)
		t.Logf("the goroutines:\n%s", buf[:runtime.Stack(buf, true)])
	}

	s := summarize(sc, res)
	t.Logf("soak: %d resolves from %d goroutines in %.1fs wall (%.0f virtual s); peak heap in use %.1f MiB; availability %v, layers %+v, calls/request %.3f, within 5%% %.4f, garbage %d",
		s.Requests, sc.Concurrency, wall.Seconds(), res.wall.Seconds()/sc.TimeScale, float64(peak)/(1<<20),
		s.Availability, s.Layers, s.CallsPerRequest, s.Accuracy.Within5Pct, s.Accuracy.Garbage)
	assert.Equal(t, 100_000, s.Requests, "resolves")
	assert.Equal(t, 1.0, s.Availability, "availability (errors %v)", s.Errors)
	// The only garbage strata serves is a provider's in-bounds garbage
	// that no other provider could confirm or refute: served flagged.
	unflagged := 0
	for _, rec := range res.records {
		if garbage, _ := isGarbage(res.world, rec.answer.value, rec.index, rec.key); rec.answer.err == nil && garbage && !rec.answer.flagged {
			unflagged++
		}
	}
	assert.Zero(t, unflagged, "garbage served unflagged (%d garbage, %d in bounds: %v)", s.Accuracy.Garbage, s.Accuracy.ImplausibleServed, s.Accuracy.ImplausibleKinds)
	if !assert.Equal(t, s.Accuracy.Garbage, s.Accuracy.ImplausibleServed, "garbage other than in-bounds garbage") {
		// Say which: a CI run once served one such answer, in a run whose
		// statistical layer answered 30 % of resolves (5–10 % usually).
		for _, rec := range res.records {
			if garbage, kind := isGarbage(res.world, rec.answer.value, rec.index, rec.key); rec.answer.err == nil && garbage && kind == "" {
				t.Logf("request %d, %s: %v from layer %s (flagged %v), truth %v", rec.index, rec.key.canon, rec.answer.value, rec.answer.layer, rec.answer.flagged, rec.key.truthAt(rec.index))
			}
		}
	}
	assert.LessOrEqual(t, peak, uint64(soakPeakLimit), "peak heap in use, bytes")
}
