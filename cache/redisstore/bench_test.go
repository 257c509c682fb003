package redisstore

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/strata-go/strata/cache"
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
