package fallback

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/stats"
)

// BenchmarkResolveBlackout measures a resolve in a blackout as a herd
// meets it, from many goroutines at once: every provider down with its breaker open, 64 keys with 120
// days of history each and a forecast memoised for every key, the cache
// holding nothing. Each resolve skips the providers, reads the key's
// history and answers from the forecast. Its bytes per resolve are what
// drives the garbage collector in a blackout: a collection's mark phase
// can park an allocating resolve until it ends (see docs/sim.md).
func BenchmarkResolveBlackout(b *testing.B) {
	h, err := stats.NewMemoryHistory(stats.MemoryConfig{})
	if err != nil {
		b.Fatal(err)
	}
	p1, s1 := newStub(1), newStub(1)
	p1.fail(providers.Unavailable)
	s1.fail(providers.Unavailable)
	r, err := New(testConfig(), WithProvider("p1", p1), WithProvider("s1", s1), WithSeed(1), WithHistory(h))
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()
	now := time.Now()
	keys := make([]Params, 64)
	for k := range keys {
		keys[k] = Params{"keyword": fmt.Sprintf("keyword-%02d", k)}
		key, err := r.Key("cpc", keys[k])
		if err != nil {
			b.Fatal(err)
		}
		for i := range 120 {
			v := 1 + 0.01*float64(i) + 0.05*float64((i*7+k)%5)
			if err := h.Append(ctx, key, stats.Observation{At: now.Add(time.Duration(i-120) * 24 * time.Hour), Value: v}); err != nil {
				b.Fatal(err)
			}
		}
	}
	// Open the breakers, then fit every key's forecast once.
	for range 3 {
		for _, p := range keys {
			if _, err := r.Resolve(ctx, "cpc", p); err != nil {
				b.Fatal(err)
			}
		}
	}
	for _, p := range keys {
		res, err := r.Resolve(ctx, "cpc", p)
		if err != nil || res.Layer != LayerStatistical {
			b.Fatalf("warm-up: got %v, %v; want a forecast", res.Layer, err)
		}
		for _, a := range res.Attempts {
			if a.Skip != SkipBreakerOpen {
				b.Fatalf("warm-up: attempt %+v; want every breaker open", a)
			}
		}
	}
	// As a herd: many goroutines at once (GOMAXPROCS × 8), each walking
	// the keys from its own offset.
	b.ReportAllocs()
	b.SetParallelism(8)
	b.ResetTimer()
	var offset atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		i := int(offset.Add(7))
		for pb.Next() {
			res, err := r.Resolve(ctx, "cpc", keys[i%len(keys)])
			if err != nil || res.Layer != LayerStatistical {
				b.Errorf("got %v, %v", res.Layer, err)
				return
			}
			i++
		}
	})
}
