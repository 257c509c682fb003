package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/providers/fake"
)

// BenchmarkGet compares the Store's Get (the guard's goroutine, decode and
// checksum included) with a bare GET of the same value by the same client:
// the ratio is the Store's overhead over the round trip.
func BenchmarkGet(b *testing.B) {
	addr := redisAddr(b)
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	s, err := New(c, Config{Prefix: "strata-bench", Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	e := cache.Entry{Value: 1.32, ObservedAt: time.Now(), StoredAt: time.Now(), Source: "ads", Confidence: 0.95, Layer: 1}
	if err := s.Set(ctx, "cpc|keyword=shoes", e, time.Minute); err != nil {
		b.Fatal(err)
	}
	b.Run("baseline=raw-GET", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := c.Get(ctx, s.Key("cpc|keyword=shoes")).Bytes(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("store", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, ok, err := s.Get(ctx, "cpc|keyword=shoes"); !ok || err != nil {
					b.Error(ok, err)
					return
				}
			}
		})
	})
}

// BenchmarkAllow compares the Limiter's Allow with redis_rate's Allow on
// the same client (the baseline), and the local share's decision.
func BenchmarkAllow(b *testing.B) {
	addr := redisAddr(b)
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	l, err := NewLimiter(c, LimiterConfig{Prefix: "strata-bench", Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	ctx := context.Background()
	limit, _ := gcraLimit(1e6, 1000)
	b.Run("baseline=redis_rate", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := l.rl.Allow(ctx, l.ns+"bench", limit); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("limiter", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := l.Allow(ctx, "bench", 1e6, 1000); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("local-share", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			l.localLimiter("bench", 1e6, 1000).Allow()
		}
	})
}

// BenchmarkResolveCacheHit is a resolver's fresh hit in process, without
// a shared tier (the baseline) and with the Store, a History and a
// HealthBus on a real Redis: a hit never touches Redis, so the two should
// not differ (the Stats prove no call was made).
func BenchmarkResolveCacheHit(b *testing.B) {
	addr := redisAddr(b)
	c := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true})
	defer c.Close()
	ctx := context.Background()
	params := fallback.Params{"keyword": "running shoes"}
	bench := func(b *testing.B, r *fallback.Resolver) {
		if _, err := r.Resolve(ctx, "cpc", params); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			res, err := r.Resolve(ctx, "cpc", params)
			if err != nil || res.Layer != fallback.LayerCache {
				b.Fatalf("got %v, %v", res.Layer, err)
			}
		}
	}
	newResolver := func(b *testing.B, opts ...fallback.Option) *fallback.Resolver {
		p, err := fake.New(fake.Config{Name: "ads", Value: 1.32})
		if err != nil {
			b.Fatal(err)
		}
		cfg := resolverConfig(fallback.RateLimitConfig{})
		cfg.FleetHealth.Enabled = len(opts) > 0
		r, err := fallback.New(cfg, append(opts, fallback.WithProvider("ads", p), fallback.WithSeed(1))...)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { r.Close() })
		return r
	}
	b.Run("baseline=no-store", func(b *testing.B) { bench(b, newResolver(b)) })
	b.Run("redis", func(b *testing.B) {
		s, err := New(c, Config{Prefix: "strata-bench"})
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		h, err := NewHistory(c, HistoryConfig{Prefix: "strata-bench"})
		if err != nil {
			b.Fatal(err)
		}
		defer h.Close()
		bus, err := NewHealthBus(c, HealthBusConfig{Prefix: "strata-bench"})
		if err != nil {
			b.Fatal(err)
		}
		defer bus.Close()
		r := newResolver(b, fallback.WithStore(s), fallback.WithSharedHistory(h), fallback.WithHealthBus(bus))
		if _, err := r.Resolve(ctx, "cpc", params); err != nil {
			b.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond) // the writer's writes of that answer
		before, hbefore := s.Stats(), h.Stats()
		bench(b, r)
		if after := s.Stats(); after != before {
			b.Fatalf("a fresh hit reached the store: %+v, then %+v", before, after)
		}
		if after := h.Stats(); after != hbefore {
			b.Fatalf("a fresh hit reached the history: %+v, then %+v", hbefore, after)
		}
	})
}
