package fallback

import (
	"context"
	"fmt"
	"io"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/fake"
)

func TestCoalescingOneProviderCallFor100Resolves(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, err := fake.New(fake.Config{Value: 1.5, Latency: fake.Latency{Median: 100 * time.Millisecond}})
		require.NoError(t, err)
		r := newTestResolver(t, testConfig(), p1, newStub(9))
		var wg sync.WaitGroup
		var shared, leaders atomic.Int32
		var cost atomic.Int64
		for range 100 {
			wg.Go(func() {
				res, err := r.Resolve(context.Background(), "cpc", shoes)
				if !assert.NoError(t, err) {
					return
				}
				assert.Equal(t, 1.5, res.Value)
				assert.Equal(t, LayerPrimary, res.Layer)
				if res.Shared {
					shared.Add(1)
				} else {
					leaders.Add(1)
				}
				cost.Add(toNano(res.Cost))
			})
		}
		wg.Wait()
		assert.EqualValues(t, 1, p1.Calls(), "one walk for all")
		assert.EqualValues(t, 1, leaders.Load())
		assert.EqualValues(t, 99, shared.Load(), "the others are marked shared")
		assert.EqualValues(t, toNano(0.02), cost.Load(), "the leader paid, once")
	})
}

func TestCoalescedFollowerKeepsItsOwnDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, err := fake.New(fake.Config{Value: 1.5, Latency: fake.Latency{Median: 800 * time.Millisecond}})
		require.NoError(t, err)
		cfg := testConfig()
		cfg.Providers[0].Timeout = time.Second
		r := newTestResolver(t, cfg, p1, newStub(9), WithHistory(noHistory{}))
		var wg sync.WaitGroup
		wg.Go(func() {
			res, err := r.Resolve(context.Background(), "cpc", shoes) // 2s default deadline
			assert.NoError(t, err)
			assert.Equal(t, LayerPrimary, res.Layer)
		})
		synctest.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		res, err := r.Resolve(ctx, "cpc", shoes)
		require.NoError(t, err)
		assert.Less(t, time.Since(start), 200*time.Millisecond, "the follower answers inside its own deadline")
		assert.Equal(t, LayerDefault, res.Layer)
		assert.False(t, res.Shared, "the walk's answer came after it left")
		wg.Wait()
	})
}

func TestRefreshAheadServesAndRefreshesOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.DataTypes[0].TTL = 10 * time.Minute
		cfg.DataTypes[0].RefreshAhead = 5 * time.Minute
		p1, err := fake.New(fake.Config{Value: 1, Latency: fake.Latency{Median: 50 * time.Millisecond}})
		require.NoError(t, err)
		r := newTestResolver(t, cfg, p1, newStub(9))
		_, err = r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		time.Sleep(6 * time.Minute)
		// Ten hits past the refresh-ahead age: all served from cache at
		// once, one background refresh.
		for range 10 {
			start := time.Now()
			res, err := r.Resolve(context.Background(), "cpc", shoes)
			require.NoError(t, err)
			assert.Equal(t, LayerCache, res.Layer)
			assert.Zero(t, time.Since(start), "served at once")
		}
		synctest.Wait()
		assert.EqualValues(t, 2, p1.Calls(), "exactly one refresh")
		time.Sleep(time.Second) // the refresh's call takes 50ms
		assert.InDelta(t, 0.04, r.Snapshot().Overall.Cost, 1e-12, "the background refresh is paid for too")
		// The refreshed entry is young again: no refresh for 5 minutes.
		time.Sleep(4 * time.Minute)
		_, err = r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		synctest.Wait()
		assert.EqualValues(t, 2, p1.Calls())
	})
}

// A refresh-ahead walk runs on the budget of the resolve whose hit
// started it: a caller with no money left causes no paid call, even in
// the background. The refresh ran with no budget at all, so a campaign
// with a zero budget bought a provider call on every stale-ish hit.
func TestRefreshAheadSpendsTheCallersBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.DataTypes[0].TTL = 10 * time.Minute
		cfg.DataTypes[0].RefreshAhead = 5 * time.Minute
		p1, s1 := newStub(1), newStub(2)
		r := newTestResolver(t, cfg, p1, s1)
		_, err := r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		time.Sleep(6 * time.Minute)

		broke := WithBudget(context.Background(), 0)
		res, err := r.Resolve(broke, "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, LayerCache, res.Layer)
		assert.Equal(t, 1.0, res.Value)
		synctest.Wait()
		time.Sleep(time.Second)
		assert.EqualValues(t, 1, p1.calls.Load()+s1.calls.Load(), "no paid call for a caller with nothing to spend")
		assert.InDelta(t, 0.02, r.Snapshot().Overall.Cost, 1e-12)

		b := NewBudget(1)
		_, err = r.Resolve(WithBudgetOf(context.Background(), b), "cpc", shoes)
		require.NoError(t, err)
		synctest.Wait()
		time.Sleep(time.Second)
		assert.EqualValues(t, 2, p1.calls.Load(), "refreshed for a caller who can pay")
		assert.InDelta(t, 0.02, b.Spent(), 1e-12, "on that caller's budget")
		assert.InDelta(t, 0.04, r.Snapshot().Overall.Cost, 1e-12)
	})
}

func TestRefreshAheadNothingLeftAfterClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.DataTypes[0].TTL = 10 * time.Minute
		cfg.DataTypes[0].RefreshAhead = time.Minute
		p1, err := fake.New(fake.Config{Value: 1})
		require.NoError(t, err)
		r, err := New(cfg, WithProvider("p1", p1), WithProvider("s1", newStub(1)))
		require.NoError(t, err)
		_, err = r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		p1.Force(fake.Hang())
		time.Sleep(2 * time.Minute)
		for i := range 20 {
			_, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "shoes", "market": "us"})
			require.NoError(t, err, i)
		}
		require.NoError(t, r.Close())
		// synctest fails the test if a goroutine the resolver started is
		// still running when the bubble ends.
	})
}

func TestNegativeCacheSkipsProvidersUntilExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.DataTypes[0].NegativeTTL = 30 * time.Second
		p1, s1 := newStub(0), newStub(0)
		p1.fail(providers.Permanent)
		s1.fail(providers.Permanent)
		r := newTestResolver(t, cfg, p1, s1, WithHistory(noHistory{}))
		res, err := r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, LayerDefault, res.Layer)
		for range 5 {
			res, err = r.Resolve(context.Background(), "cpc", shoes)
			require.NoError(t, err)
			assert.Equal(t, LayerDefault, res.Layer)
			assert.Empty(t, res.Attempts)
		}
		assert.EqualValues(t, 1, p1.calls.Load()+s1.calls.Load()-1, "one call each, then none")
		time.Sleep(31 * time.Second)
		p1.answer(2)
		res, err = r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, LayerPrimary, res.Layer, "after expiry the providers are asked again")
		assert.Equal(t, 2.0, res.Value)
	})
}

func TestNegativeCacheOnlyForPermanent(t *testing.T) {
	p1, s1 := newStub(0), newStub(0)
	p1.fail(providers.Permanent)
	s1.fail(providers.Unavailable) // not "not found": the next resolve asks again
	r := newTestResolver(t, testConfig(), p1, s1, WithHistory(noHistory{}))
	for range 3 {
		_, err := r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
	}
	assert.EqualValues(t, 3, p1.calls.Load())
}

// "Not found" is cached only when no provider went unasked: a provider the
// walk skipped — for this caller's budget or deadline, or its own breaker
// or rate limit — has not said it has nothing. Before, a resolve whose
// budget paid for the primary only (not found there) cached "not found",
// and the next resolve, which could pay the secondary that has the value,
// got the default with no provider asked.
func TestNegativeCacheNotWhileAProviderWentUnasked(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.DataTypes[0].NegativeTTL = 30 * time.Second
		p1, s1 := newStub(0), newStub(1.1)
		p1.fail(providers.Permanent)
		r := newTestResolver(t, cfg, p1, s1, WithHistory(noHistory{}))
		res, err := r.Resolve(WithBudget(context.Background(), 0.02), "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, LayerDefault, res.Layer)
		require.Len(t, res.Attempts, 2)
		assert.Equal(t, SkipOverBudget, res.Attempts[1].Skip, "s1 not asked: the budget could not pay it")
		res, err = r.Resolve(WithBudget(context.Background(), 1), "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, LayerSecondary, res.Layer, "a budget that pays s1 gets its answer: %+v", res.Attempts)
		assert.Equal(t, 1.1, res.Value)
		assert.EqualValues(t, 1, s1.calls.Load())
	})
}

// TestAdaptiveTTLSavesCostOnStableData: the same workload over a stable
// and a volatile data type; the learned TTLs differ by the data's change
// rate, and so do the provider calls.
func TestAdaptiveTTLSavesCostOnStableData(t *testing.T) {
	run := func(volatility float64, adaptive bool) (calls int64, ttl time.Duration) {
		synctest.Test(t, func(t *testing.T) {
			cfg := testConfig()
			cfg.DataTypes[0].TTL = 10 * time.Minute
			cfg.DataTypes[0].AdaptiveTTL = AdaptiveTTLConfig{Enabled: adaptive, Min: time.Minute, Max: 2 * time.Hour, Tolerance: 0.02}
			start := time.Now()
			p1, err := fake.New(fake.Config{ValueFunc: func(providers.Request) float64 {
				// A value swinging by ±volatility every two hours.
				return 10 * (1 + volatility*math.Sin(math.Pi*time.Since(start).Hours()))
			}})
			require.NoError(t, err)
			r := newTestResolver(t, cfg, p1, newStub(9))
			for range 24 * 60 { // one resolve a minute for a day
				_, err := r.Resolve(context.Background(), "cpc", shoes)
				require.NoError(t, err)
				time.Sleep(time.Minute)
			}
			calls, ttl = p1.Calls(), ttlOf(r, "cpc")
		})
		return calls, ttl
	}
	fixedCalls, fixedTTL := run(0.001, false)
	stableCalls, stableTTL := run(0.001, true)
	volatileCalls, volatileTTL := run(0.3, true)
	t.Logf("fixed ttl %v: %d calls; stable data: ttl %v, %d calls; volatile data: ttl %v, %d calls",
		fixedTTL, fixedCalls, stableTTL, stableCalls, volatileTTL, volatileCalls)
	assert.Equal(t, 10*time.Minute, fixedTTL)
	assert.EqualValues(t, 144, fixedCalls, "a call every 10 minutes")
	assert.Equal(t, 2*time.Hour, stableTTL, "a ±0.1% swing takes hours to move 2%: capped at max")
	assert.Less(t, stableCalls, fixedCalls/5, "stable data costs far fewer calls")
	assert.EqualValues(t, 13, stableCalls, "the figure README.md quotes")
	assert.Less(t, volatileTTL, 10*time.Minute, "volatile data is refetched sooner")
	assert.Greater(t, volatileCalls, fixedCalls, "and costs more calls, as it should")
}

func TestBatchingCollectsConcurrentMisses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Providers[0].Batch = BatchConfig{MaxSize: 4, Window: 20 * time.Millisecond, ItemCost: 0.005}
		bp, err := fake.NewBatch(fake.Config{ValueFunc: func(req providers.Request) float64 { return float64(len(req.Params["keyword"])) }, Latency: fake.Latency{Median: 10 * time.Millisecond}})
		require.NoError(t, err)
		r := newTestResolver(t, cfg, bp, newStub(9))
		var wg sync.WaitGroup
		results := make([]Result, 6)
		starts := make([]time.Time, 6)
		for i := range 6 {
			wg.Go(func() {
				starts[i] = time.Now()
				res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprintf("%0*d", i+1, 0)})
				assert.NoError(t, err)
				results[i] = res
			})
		}
		wg.Wait()
		st := bp.Stats()
		assert.EqualValues(t, 2, st.Batches, "a full batch of 4, then the 2 left after the window")
		assert.Equal(t, 4, st.LargestBatch)
		assert.EqualValues(t, 6, st.Calls)
		for i, res := range results {
			assert.Equal(t, float64(i+1), res.Value, "each request gets its own answer")
			assert.Equal(t, "p1", res.Source)
			assert.InDelta(t, 0.005, res.Cost, 1e-12, "batch pricing")
		}
	})
}

func TestWarmResolvesKeysWithProgress(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var progress []int
		var dataTypes []string
		obs := ObserverFunc(func(_ context.Context, e Event) {
			if e.Kind == EventWarm {
				mu.Lock()
				if e.Total == 8 {
					progress = append(progress, e.Done)
					dataTypes = append(dataTypes, e.DataType)
				}
				mu.Unlock()
			}
		})
		p1, err := fake.New(fake.Config{Value: 1, Latency: fake.Latency{Median: 50 * time.Millisecond}})
		require.NoError(t, err)
		cfg := testConfig()
		cfg.Plausibility.AuditRate = -1 // no sampled second opinion: the calls are counted exactly
		r := newTestResolver(t, cfg, p1, newStub(9), WithObserver(obs))
		keys := make([]WarmKey, 6)
		for i := range keys {
			keys[i] = WarmKey{DataType: "cpc", Params: Params{"keyword": fmt.Sprint("k", i)}}
		}
		keys = append(keys, WarmKey{DataType: "cpc", Params: Params{"bad": "x"}})
		// A data type nobody declared: its event names none (the host's
		// string, of any length, stays in the error, cut short).
		keys = append(keys, WarmKey{DataType: strings.Repeat("x", 1<<16), Params: Params{"keyword": "k"}})
		ctx := WithBudget(context.Background(), 1)
		rep, err := r.Warm(ctx, keys)
		require.NoError(t, err)
		assert.Equal(t, 8, rep.Keys)
		assert.Equal(t, 6, rep.Answered)
		assert.Equal(t, 2, rep.Failed)
		assert.Equal(t, 6, rep.Layers[LayerPrimary])
		assert.InDelta(t, 0.12, rep.Cost, 1e-12)
		flushEvents(r)
		mu.Lock()
		assert.ElementsMatch(t, []int{1, 2, 3, 4, 5, 6, 7, 8}, progress)
		assert.ElementsMatch(t, []string{"cpc", "cpc", "cpc", "cpc", "cpc", "cpc", "cpc", ""}, dataTypes)
		mu.Unlock()
		// Warmed: the keys now answer from cache without a call.
		before := p1.Calls()
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "k3"})
		require.NoError(t, err)
		assert.Equal(t, LayerCache, res.Layer)
		assert.Equal(t, before, p1.Calls())

		// Cancelled half-way: the keys not yet started are skipped.
		short, cancel := context.WithCancel(context.Background())
		time.AfterFunc(120*time.Millisecond, cancel)
		more := make([]WarmKey, 40)
		for i := range more {
			more[i] = WarmKey{DataType: "cpc", Params: Params{"keyword": fmt.Sprint("m", i)}}
		}
		rep, err = r.Warm(short, more)
		assert.ErrorIs(t, err, context.Canceled)
		assert.Greater(t, rep.Skipped, 0)
		assert.Equal(t, 40, rep.Answered+rep.Failed+rep.Skipped)
	})
}

func TestFreshnessAndAcceptanceOverTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1 := newStub(1), newStub(0)
		s1.fail(providers.Unavailable)
		r := newTestResolver(t, testConfig(), p1, s1, WithHistory(noHistory{}))
		_, err := r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		p1.fail(providers.Unavailable)
		// Confidence 0.95: accepted while 0.57 + 0.4 f ≥ 0.65, f ≥ 0.2,
		// i.e. up to log2(5) = 2.32 half-lives (139 minutes).
		for _, tc := range []struct {
			at    time.Duration
			layer Layer
		}{
			{30 * time.Minute, LayerCache}, {2 * time.Hour, LayerCache}, {2*time.Hour + 18*time.Minute, LayerCache},
			{2*time.Hour + 21*time.Minute, LayerDefault}, {5 * time.Hour, LayerDefault},
		} {
			synctest.Wait()
			time.Sleep(tc.at - sinceStart(r))
			res, err := r.Resolve(context.Background(), "cpc", shoes)
			require.NoError(t, err)
			assert.Equal(t, tc.layer, res.Layer, "at %v", tc.at)
			if tc.layer == LayerCache {
				f := math.Exp2(-tc.at.Hours())
				assert.InDelta(t, f, res.Freshness, 1e-3)
			}
		}
	})
}

func sinceStart(r *Resolver) time.Duration { return time.Since(r.started) }

func TestFreshHitIsNotTimedAndAgesByTheClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var latencies []time.Duration
		obs := ObserverFunc(func(_ context.Context, e Event) {
			if e.Kind == EventResolve {
				mu.Lock()
				latencies = append(latencies, e.Latency)
				mu.Unlock()
			}
		})
		p1 := newStub(2)
		p1.set(func(ctx context.Context, _ providers.Request) (providers.Response, error) {
			time.Sleep(40 * time.Millisecond)
			return providers.Response{Value: 2}, nil
		})
		cfg := testConfig()
		cfg.DataTypes[0].HalfLife = time.Minute
		r := newTestResolver(t, cfg, p1, newStub(9), WithObserver(obs))
		params := Params{"keyword": "shoes"}
		first, err := r.Resolve(context.Background(), "cpc", params)
		require.NoError(t, err)
		require.Equal(t, LayerPrimary, first.Layer)

		time.Sleep(30 * time.Second) // half a half-life after it was observed
		hit, err := r.Resolve(context.Background(), "cpc", params)
		require.NoError(t, err)
		require.Equal(t, LayerCache, hit.Layer)
		assert.InDelta(t, math.Sqrt(0.5), hit.Freshness, 1e-9, "a fresh hit's freshness is its age since it was observed")
		assert.InDelta(t, first.Confidence*math.Sqrt(0.5), hit.Confidence, 1e-9)

		flushEvents(r)
		mu.Lock()
		defer mu.Unlock()
		assert.Equal(t, []time.Duration{40 * time.Millisecond, 0}, latencies, "a miss is timed; a fresh cache hit is not")
	})
}

func TestEventsNameTheirResolve(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var events []Event
		obs := ObserverFunc(func(_ context.Context, e Event) {
			mu.Lock()
			events = append(events, e)
			mu.Unlock()
		})
		p1 := newStub(2)
		p1.set(func(ctx context.Context, _ providers.Request) (providers.Response, error) {
			time.Sleep(10 * time.Millisecond)
			return providers.Response{Value: 2}, nil
		})
		s1 := newStub(1)
		s1.fail(providers.Unavailable)
		r := newTestResolver(t, testConfig(), p1, s1, WithObserver(obs))
		var wg sync.WaitGroup
		for _, kw := range []string{"a", "a", "b"} { // two resolves of a share one walk
			wg.Go(func() {
				_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": kw})
				assert.NoError(t, err)
			})
		}
		wg.Wait()
		_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "a"}) // a fresh hit
		require.NoError(t, err)
		flushEvents(r)
		mu.Lock()
		defer mu.Unlock()
		resolves := map[uint64]Event{}
		for _, e := range events {
			if e.Kind == EventResolve {
				require.NotZero(t, e.Resolve)
				_, dup := resolves[e.Resolve]
				require.False(t, dup, "each resolve its own number")
				resolves[e.Resolve] = e
			}
		}
		require.Len(t, resolves, 4)
		for _, e := range events {
			if e.Kind == EventAttempt || e.Kind == EventAttemptStart {
				res, ok := resolves[e.Resolve]
				require.True(t, ok, "an attempt names a resolve that was reported")
				assert.False(t, res.Shared, "a walk's attempts are its leader's")
				assert.Equal(t, e.Params, res.Params)
			}
		}
	})
}

// Without Min and Max the learned TTL stays within a tenth and ten times
// the data type's TTL: a value that doubles in a minute asks for 1.2 s
// and gets 6 s; a value that does not move gets 10 minutes.
func TestAdaptiveTTLBoundsDefaultToATenthAndTenTimesTheTTL(t *testing.T) {
	learned := func(second float64) (ttl time.Duration) {
		synctest.Test(t, func(t *testing.T) {
			cfg := testConfig()
			cfg.DataTypes[0].TTL = time.Minute
			cfg.DataTypes[0].AdaptiveTTL = AdaptiveTTLConfig{Enabled: true}
			p1 := newStub(1)
			r := newTestResolver(t, cfg, p1, newStub(9))
			_, err := r.Resolve(context.Background(), "cpc", shoes)
			require.NoError(t, err)
			assert.Equal(t, time.Minute, ttlOf(r, "cpc"), "the configured TTL until a change is seen")
			time.Sleep(time.Minute + time.Second)
			p1.answer(second)
			res, err := r.Resolve(context.Background(), "cpc", shoes)
			require.NoError(t, err)
			require.Equal(t, LayerPrimary, res.Layer)
			ttl = ttlOf(r, "cpc")
		})
		return ttl
	}
	assert.Equal(t, 6*time.Second, learned(2), "volatile: the default min, TTL/10")
	assert.Equal(t, 10*time.Minute, learned(1), "still: the default max, 10 × TTL")
}

// A move from a value near zero that no float64 rate holds (5e-324 to 1)
// teaches the adaptive TTL nothing: learned, the mean rate stayed +Inf
// for good — the TTL at its minimum for the life of the process, and
// every Export failing with "json: unsupported value: +Inf".
func TestAdaptiveTTLIgnoresAnInfiniteRate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.DataTypes[0].AdaptiveTTL = AdaptiveTTLConfig{Enabled: true}
		cfg.Plausibility.Disabled = true
		p1 := newStub(5e-324)
		r := newTestResolver(t, cfg, p1, newStub(9))
		ctx := context.Background()
		_, err := r.Resolve(ctx, "cpc", shoes)
		require.NoError(t, err)
		time.Sleep(time.Minute + time.Second)
		p1.answer(1)
		res, err := r.Resolve(ctx, "cpc", shoes)
		require.NoError(t, err)
		require.Equal(t, LayerPrimary, res.Layer)
		_, learned := r.types["cpc"].rate()
		assert.False(t, learned, "no rate learned from the move")
		assert.Equal(t, time.Minute, ttlOf(r, "cpc"))
		_, err = r.Export(ctx, io.Discard)
		require.NoError(t, err)
		// The next move is learned as ever.
		time.Sleep(time.Minute + time.Second)
		p1.answer(2)
		_, err = r.Resolve(ctx, "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, 6*time.Second, ttlOf(r, "cpc"))
	})
}

// A coalesced walk whose leader is cancelled goes on for the follower
// waiting, on the leader's budget; what it spends after the leader left
// is reported by the follower it serves: the Results of the walk add up
// to what the budget paid (p1's 0.02 by the leader, s1's 0.01 by the
// follower) and the follower's Attempts say where its answer came from.
func TestAWalkItsLeaderLeftReportsItsCostToTheFollower(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1 := newStub(1), newStub(2)
		p1.set(func(ctx context.Context, _ providers.Request) (providers.Response, error) {
			time.Sleep(30 * time.Millisecond)
			return providers.Response{}, providers.Errorf(providers.Permanent, "no")
		})
		r := newTestResolver(t, testConfig(), p1, s1, WithHistory(noHistory{}))
		budget := NewBudget(1)
		ctx, cancel := context.WithCancel(WithBudgetOf(context.Background(), budget))
		time.AfterFunc(10*time.Millisecond, cancel)
		var follower Result
		var wg sync.WaitGroup
		wg.Go(func() {
			time.Sleep(5 * time.Millisecond)
			var err error
			follower, err = r.Resolve(WithBudgetOf(context.Background(), budget), "cpc", shoes)
			assert.NoError(t, err)
		})
		leader, err := r.Resolve(ctx, "cpc", shoes)
		require.ErrorIs(t, err, context.Canceled)
		wg.Wait()

		assert.InDelta(t, 0.02, leader.Cost, 1e-12)
		require.Len(t, leader.Attempts, 1)
		assert.Equal(t, Lost, leader.Attempts[0].Outcome)
		assert.True(t, follower.Shared)
		assert.Equal(t, LayerSecondary, follower.Layer)
		assert.InDelta(t, 0.01, follower.Cost, 1e-12)
		require.Len(t, follower.Attempts, 1)
		assert.Equal(t, "s1", follower.Attempts[0].Provider)
		assert.Equal(t, Succeeded, follower.Attempts[0].Outcome)
		assert.InDelta(t, budget.Spent(), leader.Cost+follower.Cost, 1e-12)
	})
}

// A coalesced walk nobody waits for any more makes no call it has not
// made yet: the leader, cancelled while its attempt waited for its
// credential and with no follower, leaves an attempt that is never made
// nor paid, where the call used to go out — paid from the leader's
// budget, reported by nobody.
func TestAWalkNobodyWaitsForMakesNoNewCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1 := newStub(1)
		creds := providers.CredentialsFunc(func(ctx context.Context, _ string) (providers.Secret, error) {
			time.Sleep(20 * time.Millisecond)
			return providers.NewSecret("k"), nil
		})
		r := newTestResolver(t, testConfig(), p1, newStub(2), WithHistory(noHistory{}), WithCredentials(creds))
		budget := NewBudget(1)
		ctx, cancel := context.WithCancel(WithBudgetOf(context.Background(), budget))
		time.AfterFunc(10*time.Millisecond, cancel)
		res, err := r.Resolve(ctx, "cpc", shoes)
		require.ErrorIs(t, err, context.Canceled)
		time.Sleep(time.Second)
		synctest.Wait()
		assert.Zero(t, p1.calls.Load(), "no call for nobody")
		assert.Zero(t, budget.Spent())
		assert.InDelta(t, budget.Spent(), res.Cost, 1e-12)
	})
}

// Shared says a resolve got another's walk's answer, and only that: a
// follower whose deadline ends before the walk it waits for, answered by
// the local layers, shares nothing (it said Shared, and so did its
// EventResolve, as a walk of microseconds' deadline does).
func TestAFollowerAnsweredLocallyIsNotShared(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1 := newStub(1)
		p1.set(func(ctx context.Context, _ providers.Request) (providers.Response, error) {
			time.Sleep(200 * time.Millisecond)
			return providers.Response{Value: 1.5}, nil
		})
		r := newTestResolver(t, testConfig(), p1, newStub(2), WithHistory(noHistory{}))
		var leader Result
		var wg sync.WaitGroup
		wg.Go(func() {
			var err error
			leader, err = r.Resolve(context.Background(), "cpc", shoes)
			assert.NoError(t, err)
		})
		time.Sleep(5 * time.Millisecond)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		follower, err := r.Resolve(ctx, "cpc", shoes)
		require.NoError(t, err)
		wg.Wait()

		assert.Equal(t, LayerDefault, follower.Layer, "its deadline ended before the walk's answer")
		assert.False(t, follower.Shared)
		assert.Equal(t, LayerPrimary, leader.Layer)
		assert.Equal(t, 1.5, leader.Value)
		assert.False(t, leader.Shared)
	})
}
