package fallback

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
)

// Tests of documented behaviour that nothing else pinned (found by an
// audit that broke each and saw every test pass).

// The retry budget: in an outage, retries add at most
// max(budget_min_concurrency, budget_ratio × requests in flight) calls in
// flight to a provider, and a retry past it is skipped as retry_budget.
func TestRetryBudgetBoundsRetriesInAnOutage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Retry.MaxAttempts = 3 // the default budget: ratio 0.2, at least 3
		p1 := newStub(0)
		var inflight, peak atomic.Int64
		p1.set(func(ctx context.Context, _ providers.Request) (providers.Response, error) {
			n := inflight.Add(1)
			defer inflight.Add(-1)
			for {
				old := peak.Load()
				if n <= old || peak.CompareAndSwap(old, n) {
					break
				}
			}
			select {
			case <-time.After(100 * time.Millisecond):
			case <-ctx.Done():
			}
			return providers.Response{}, providers.Errorf(providers.Transient, "down")
		})
		r := newTestResolver(t, cfg, p1, newStub(2), WithHistory(noHistory{}))
		const n = 20
		var wg sync.WaitGroup
		var skipped atomic.Int64
		for i := range n {
			wg.Go(func() {
				res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprintf("k%d", i)})
				assert.NoError(t, err)
				assert.Equal(t, 2.0, res.Value)
				for _, a := range res.Attempts {
					if a.Skip == SkipRetryBudget {
						skipped.Add(1)
					}
				}
			})
		}
		wg.Wait()
		assert.LessOrEqual(t, peak.Load(), int64(n+max(3, n/5)), "first attempts plus the budget's extras")
		assert.Positive(t, skipped.Load(), "retries past the budget were skipped")
		assert.Less(t, p1.calls.Load(), int64(n*cfg.Retry.MaxAttempts), "fewer calls than every retry would make")
	})
}

// The deadline plan: an attempt's timeout is cut to leave the next tier's
// candidate its expected latency, and a retry that would cut into that
// time is not started (next_tier); the secondary answers.
func TestARetryThatWouldStarveTheNextTierIsSkipped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Providers[0].Timeout = 2 * time.Second
		cfg.Providers[1].ExpectedLatency = 500 * time.Millisecond
		p1 := newStub(0)
		p1.set(func(ctx context.Context, _ providers.Request) (providers.Response, error) {
			time.Sleep(900 * time.Millisecond) // fails slowly
			return providers.Response{}, providers.Errorf(providers.Transient, "slow failure")
		})
		s1 := newStub(2)
		r := newTestResolver(t, cfg, p1, s1, WithHistory(noHistory{}))
		start := time.Now()
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
		require.NoError(t, err)
		assert.Equal(t, LayerSecondary, res.Layer)
		assert.Less(t, time.Since(start), DefaultDeadline)
		var skips []SkipReason
		for _, a := range res.Attempts {
			if a.Provider == "p1" && a.Outcome == Skipped {
				skips = append(skips, a.Skip)
			}
		}
		assert.Equal(t, []SkipReason{SkipNextTier}, skips, "%+v", res.Attempts)
		// The first attempt fails at 900ms; the retry's timeout was cut
		// to leave s1 its 500ms; the third is skipped.
		assert.Equal(t, int64(2), p1.calls.Load())
		var failed []time.Duration
		for _, a := range res.Attempts {
			if a.Provider == "p1" && a.Outcome == Failed {
				failed = append(failed, a.Latency)
			}
		}
		require.Len(t, failed, 2)
		assert.Equal(t, 900*time.Millisecond, failed[0])
		assert.Less(t, failed[1], 900*time.Millisecond, "the retry's timeout was cut to fit")
		assert.Equal(t, int64(1), s1.calls.Load())
	})
}

// providerFault is a provider's own error type.
type providerFault struct{ code int }

func (e *providerFault) Error() string { return fmt.Sprintf("fault %d", e.code) }

// A provider's own error values are reachable from what the resolver
// reports only with WithProviderErrors; the class stays either way.
func TestProviderErrorsAreReachableOnlyOnRequest(t *testing.T) {
	for _, raw := range []bool{false, true} {
		t.Run(fmt.Sprint(raw), func(t *testing.T) {
			p1 := newStub(0)
			p1.set(func(context.Context, providers.Request) (providers.Response, error) {
				return providers.Response{}, providers.NewError(providers.Permanent, &providerFault{code: 7})
			})
			var opts []Option
			if raw {
				opts = append(opts, WithProviderErrors())
			}
			r := newTestResolver(t, testConfig(), p1, newStub(2), opts...)
			res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes"})
			require.NoError(t, err)
			perr := attemptsByProvider(res.Attempts)["p1"].Err
			require.Error(t, perr)
			assert.ErrorIs(t, perr, providers.ErrPermanent)
			var pf *providerFault
			assert.Equal(t, raw, errors.As(perr, &pf))
			if raw {
				assert.Equal(t, 7, pf.code)
			}
		})
	}
}

// failingLimiter is a SharedLimiter that always fails.
type failingLimiter struct{ calls atomic.Int64 }

func (l *failingLimiter) Allow(context.Context, string, float64, int) (bool, error) {
	l.calls.Add(1)
	return false, errors.New("limiter down")
}

// A shared limiter that fails leaves the decision to the process's own
// bucket: the provider is neither cut off nor let through unlimited.
func TestAFailingSharedLimiterFallsBackToTheLocalBucket(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Providers[0].RateLimit = RateLimitConfig{PerSecond: 1, Burst: 1}
		p1 := newStub(1)
		l := &failingLimiter{}
		r := newTestResolver(t, cfg, p1, newStub(2), WithSharedLimiter(l), WithHistory(noHistory{}))
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "a"})
		require.NoError(t, err)
		assert.Equal(t, LayerPrimary, res.Layer, "the local bucket's one token")
		res, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "b"})
		require.NoError(t, err)
		assert.Equal(t, SkipRateLimited, attemptsByProvider(res.Attempts)["p1"].Skip, "the local bucket is empty")
		assert.Positive(t, l.calls.Load())
		assert.Equal(t, int64(1), p1.calls.Load())
	})
}

// A negative negative_ttl turns negative caching off: a provider's "not
// found" is asked again at once.
func TestNegativeTTLBelowZeroTurnsNegativeCachingOff(t *testing.T) {
	for _, ttl := range []time.Duration{0, -1} { // 0: the default, 30s
		t.Run(fmt.Sprint(ttl), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := testConfig()
				cfg.DataTypes[0].NegativeTTL = ttl
				p1, s1 := newStub(0), newStub(0)
				p1.fail(providers.Permanent)
				s1.fail(providers.Permanent)
				r := newTestResolver(t, cfg, p1, s1, WithHistory(noHistory{}))
				for range 2 {
					_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "nothing"})
					require.NoError(t, err) // the default answers
				}
				want := int64(1)
				if ttl < 0 {
					want = 2
				}
				assert.Equal(t, want, p1.calls.Load())
			})
		})
	}
}

// By default keys are grouped with their peers by every param that is not
// sensitive: a person's e-mail never groups keys (and so never reaches
// Result.Market.Sources of another key).
func TestPeerGroupsLeaveSensitiveParamsOut(t *testing.T) {
	cfg := testConfig()
	cfg.DataTypes[0].Params = append(cfg.DataTypes[0].Params, ParamConfig{Name: "email", Sensitive: true})
	r := newTestResolver(t, cfg, newStub(1), newStub(1), WithHashKey([]byte("k")))
	groups := groupsOf(r.types["cpc"], Params{"keyword": "shoes", "market": "uk", "email": "alice@example.org"})
	assert.ElementsMatch(t, []string{"cpc\x00keyword\x00shoes", "cpc\x00market\x00uk"}, groups)
}

// refresh_ahead must be less than the TTL; a rate limit's burst defaults
// to its rate rounded up.
func TestRefreshAheadAndBurstDefaults(t *testing.T) {
	cfg := testConfig()
	cfg.DataTypes[0].RefreshAhead = cfg.DataTypes[0].TTL
	_, err := New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)))
	assert.ErrorContains(t, err, "data_types[0].refresh_ahead: must be less than the ttl")

	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Providers[0].RateLimit = RateLimitConfig{PerSecond: 2.5} // burst 3
		p1 := newStub(1)
		r := newTestResolver(t, cfg, p1, newStub(2), WithHistory(noHistory{}))
		var layers []Layer
		for i := range 4 {
			res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprintf("k%d", i)})
			require.NoError(t, err)
			layers = append(layers, res.Layer)
		}
		assert.Equal(t, []Layer{LayerPrimary, LayerPrimary, LayerPrimary, LayerSecondary}, layers, "a burst of 3, then the bucket is empty")
	})
}

// A TTL longer than the retention is refused (an answer is deleted at the
// retention, so it could never stay fresh that long); a learned TTL's
// maximum left to its default is cut to the retention, one set past it is
// refused.
func TestTTLMustNotExceedRetention(t *testing.T) {
	newWith := func(cfg Config) (*Resolver, error) {
		r, err := New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)))
		if r != nil {
			t.Cleanup(func() { _ = r.Close() })
		}
		return r, err
	}
	cfg := testConfig()
	cfg.Retention = time.Hour
	cfg.DataTypes[0].TTL = 2 * time.Hour
	_, err := newWith(cfg)
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.ErrorContains(t, err, "data_types[0].ttl: must not exceed retention (1h0m0s)")

	cfg.DataTypes[0].TTL = time.Hour
	cfg.DataTypes[0].AdaptiveTTL = AdaptiveTTLConfig{Enabled: true}
	r, err := newWith(cfg)
	require.NoError(t, err, "equal is fine; the learned TTL's default maximum (10h) is cut")
	assert.Equal(t, time.Hour, r.types["cpc"].cfg.AdaptiveTTL.Max)

	cfg.DataTypes[0].AdaptiveTTL.Max = 3 * time.Hour
	_, err = newWith(cfg)
	assert.ErrorContains(t, err, "data_types[0].adaptive_ttl.max: must not exceed retention (1h0m0s), got 3h0m0s")

	cfg.DataTypes[0].AdaptiveTTL = AdaptiveTTLConfig{Enabled: true, Min: 2 * time.Hour, Max: 3 * time.Hour}
	_, err = newWith(cfg)
	assert.ErrorContains(t, err, "data_types[0].adaptive_ttl.min: must not exceed retention (1h0m0s), got 2h0m0s")
	cfg.DataTypes[0].AdaptiveTTL.Max = 0

	cfg.Retention = 0
	_, err = newWith(cfg)
	assert.NoError(t, err, "no retention, no bound")
}

// A later tier's candidate that has answered in microseconds is still
// left time for the hand-off: the plan leaves it at least the resolve's
// reserve. A primary that hangs then cannot starve a fast, healthy
// secondary, resolve after resolve.
func TestAFastSecondaryIsNotStarvedByTheDeadlinePlan(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Providers[0].Timeout = 2 * time.Second
		p1 := newStub(0)
		p1.hang()
		s1 := newStub(2)
		s1.set(func(context.Context, providers.Request) (providers.Response, error) {
			time.Sleep(10 * time.Microsecond)
			return providers.Response{Value: 2}, nil
		})
		r := newTestResolver(t, cfg, p1, s1, WithHistory(noHistory{}))
		for i := range 5 {
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			res, err := r.Resolve(ctx, "cpc", Params{"keyword": fmt.Sprint("k", i)})
			cancel()
			require.NoError(t, err)
			assert.Equal(t, LayerSecondary, res.Layer, "resolve %d: %+v", i, res.Attempts)
			// The walk's deadline is 450 ms (50 ms kept back); the primary
			// had until 400 ms: the secondary was left the 50 ms reserve,
			// not its 10 µs (nor, before it had answered, its 22 ms).
			var cut time.Duration
			for _, a := range res.Attempts {
				if a.Provider == "p1" && a.Outcome == Failed {
					cut = a.Latency
				}
			}
			assert.Equal(t, 400*time.Millisecond, cut, "resolve %d", i)
		}
		assert.Equal(t, int64(5), s1.calls.Load())
	})
}

// A provider's expected latency holds back its retries, not its first
// attempt: with no later tier to keep time for, a deadline shorter than
// the expected latency still gets the call, its timeout cut to fit.
func TestAFirstAttemptIsMadeWhenTimeIsLeft(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Providers = cfg.Providers[:1] // no secondary
		cfg.Providers[0].ExpectedLatency = 3 * time.Second
		p1 := newStub(1.3)
		r, err := New(cfg, WithProvider("p1", p1), WithSeed(1))
		require.NoError(t, err)
		defer r.Close()
		for _, d := range []time.Duration{200 * time.Millisecond, time.Second} {
			ctx, cancel := context.WithTimeout(context.Background(), d)
			res, err := r.Resolve(ctx, "cpc", Params{"keyword": fmt.Sprint("k", d)})
			cancel()
			require.NoError(t, err)
			assert.Equal(t, LayerPrimary, res.Layer, "%v: %+v", d, res.Attempts)
		}
		assert.Equal(t, int64(2), p1.calls.Load())
	})
}

// slowLimiter answers after d with its own decision, ok.
type slowLimiter struct {
	d  time.Duration
	ok bool
}

func (l slowLimiter) Allow(ctx context.Context, _ string, _ float64, _ int) (bool, error) {
	time.Sleep(l.d)
	return l.ok, nil
}

// A shared limiter that takes up to the store timeout to decide by itself
// (redisstore's does, on a slow Redis, with its local share) is waited for:
// its refusal stands, and the resolver's own bucket — the whole quota — is
// not used instead. Only past twice the store timeout does the resolver
// fall back to it.
func TestASlowSharedLimiterDecides(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want Layer
	}{{60 * time.Millisecond, LayerSecondary}, {150 * time.Millisecond, LayerPrimary}} {
		t.Run(tc.d.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := testConfig()
				cfg.Providers[0].RateLimit = RateLimitConfig{PerSecond: 10, Burst: 10}
				r := newTestResolver(t, cfg, newStub(1), newStub(2), WithSharedLimiter(slowLimiter{d: tc.d, ok: false}), WithHistory(noHistory{}))
				res, err := r.Resolve(context.Background(), "cpc", shoes)
				require.NoError(t, err)
				assert.Equal(t, tc.want, res.Layer, "%+v", res.Attempts)
			})
		})
	}
}
