package fallback

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/dgraph-io/ristretto/v2"
)

// BenchmarkResolveCacheHit measures the read-through path: validation,
// key building and a fresh cache hit, no provider and no failsafe-go
// executor. Compare with BenchmarkRistrettoGetHit in the same run.
func BenchmarkResolveCacheHit(b *testing.B) {
	r, err := New(testConfig(), WithProvider("p1", newStub(1.25)), WithProvider("s1", newStub(1)), WithSeed(1))
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()
	params := Params{"keyword": "running shoes", "market": "us"}
	if _, err := r.Resolve(ctx, "cpc", params); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := r.Resolve(ctx, "cpc", params)
		if err != nil || res.Layer != LayerCache {
			b.Fatalf("got %v, %v", res.Layer, err)
		}
	}
}

// BenchmarkResolveCacheHitParallel is the same under contention.
func BenchmarkResolveCacheHitParallel(b *testing.B) {
	r, err := New(testConfig(), WithProvider("p1", newStub(1.25)), WithProvider("s1", newStub(1)), WithSeed(1))
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	ctx := context.Background()
	params := Params{"keyword": "running shoes", "market": "us"}
	if _, err := r.Resolve(ctx, "cpc", params); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := r.Resolve(ctx, "cpc", params); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkRistrettoGetHit is the baseline: a bare ristretto Get of one
// key that is present.
func BenchmarkRistrettoGetHit(b *testing.B) {
	c, err := ristretto.NewCache(&ristretto.Config[string, *int]{NumCounters: 1e6, MaxCost: 32 << 20, BufferItems: 64, IgnoreInternalCost: true})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	v := 1
	key := "cpc?keyword=running shoes&market=us"
	c.Set(key, &v, 1)
	c.Wait()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, ok := c.Get(key); !ok {
			b.Fatal("miss")
		}
	}
}

// BenchmarkZipfWorkload resolves keys drawn from a zipf distribution
// (s = 1.1 over 100 000 keys) with the read-through tier bounded to
// 4 MiB and the last-known-good store to 20 000 keys, and reports the
// cache hit ratio beside ns/op.
func BenchmarkZipfWorkload(b *testing.B) {
	cfg := testConfig()
	cfg.Cache.MaxCost = 4 << 20
	cfg.Cache.LastGoodCapacity = 20000
	cfg.DataTypes[0].TTL = time.Hour
	cfg.DataTypes[0].Params[0].MaxLength = 64
	r, err := New(cfg, WithProvider("p1", benchFetch), WithProvider("s1", benchFetch), WithSeed(1), WithHistory(noHistory{}))
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	zipf := rand.NewZipf(rand.New(rand.NewPCG(1, 2)), 1.1, 1, 99999)
	const warm = 1 << 17
	keys := make([]Params, 1<<20)
	for i := range keys {
		keys[i] = Params{"keyword": fmt.Sprintf("keyword-%05d", zipf.Uint64())}
	}
	ctx := context.Background()
	// Warm up on the first draws so the hit ratio is the steady state's;
	// then every iteration takes a fresh draw.
	for _, p := range keys[:warm] {
		if _, err := r.Resolve(ctx, "cpc", p); err != nil {
			b.Fatal(err)
		}
	}
	hits := 0
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		res, err := r.Resolve(ctx, "cpc", keys[warm+i%(len(keys)-warm)])
		if err != nil {
			b.Fatal(err)
		}
		if res.Layer == LayerCache {
			hits++
		}
		i++
	}
	b.ReportMetric(float64(hits)/float64(i), "hit-ratio")
}
