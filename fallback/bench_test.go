package fallback

import (
	"context"
	"testing"

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
