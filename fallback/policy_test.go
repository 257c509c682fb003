package fallback

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/breaker"
	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/fake"
)

func testProvider(t *testing.T, rc RetryConfig) *provider {
	t.Helper()
	rc = rc.merge(retryDefaults)
	p, err := newProvider(ProviderConfig{Name: "p", Tier: Primary, Retry: &rc}, 0, newStub(1), 42, breaker.Config{}, new(tasks), context.Background())
	require.NoError(t, err)
	return p
}

func TestBackoffDelayPerClass(t *testing.T) {
	p := testProvider(t, RetryConfig{})
	transient := providers.NewError(providers.Transient, nil)
	within := func(d, want time.Duration, frac float64) {
		t.Helper()
		lo := time.Duration(float64(want) * (1 - frac))
		hi := time.Duration(float64(want) * (1 + frac))
		assert.GreaterOrEqual(t, d, lo)
		assert.LessOrEqual(t, d, hi)
	}
	for range 200 {
		within(p.backoffDelay(1, transient, providers.Transient, false), 100*time.Millisecond, 0.1)
		within(p.backoffDelay(2, transient, providers.Transient, false), 200*time.Millisecond, 0.1)
		within(p.backoffDelay(3, transient, providers.Transient, false), 400*time.Millisecond, 0.1)
		within(p.backoffDelay(10, transient, providers.Transient, false), 2*time.Second, 0.1) // capped
		within(p.backoffDelay(1, transient, providers.Transient, true), 50*time.Millisecond, 0.1)
		within(p.backoffDelay(1, providers.NewError(providers.RateLimit, nil), providers.RateLimit, false), 200*time.Millisecond, 0.1)
	}
	ra := &providers.Error{Class: providers.RateLimit, RetryAfter: 1500 * time.Millisecond}
	assert.Equal(t, 1500*time.Millisecond, p.backoffDelay(1, ra, providers.RateLimit, false), "Retry-After is honoured as given")
	assert.Zero(t, p.backoffDelay(1, providers.NewError(providers.Auth, nil), providers.Auth, false), "after a refresh, retry at once")

	// The jitter is spread over its range, not stuck at one end.
	var lo, hi int
	for range 400 {
		d := p.backoffDelay(1, transient, providers.Transient, false)
		if d < 95*time.Millisecond {
			lo++
		}
		if d > 105*time.Millisecond {
			hi++
		}
	}
	assert.Greater(t, lo, 50)
	assert.Greater(t, hi, 50)

	full := testProvider(t, RetryConfig{Jitter: JitterFull})
	var small int
	for range 400 {
		d := full.backoffDelay(2, transient, providers.Transient, false)
		assert.GreaterOrEqual(t, d, time.Duration(0))
		assert.LessOrEqual(t, d, 200*time.Millisecond)
		if d < 100*time.Millisecond {
			small++
		}
	}
	assert.InDelta(t, 200, small, 60, "full jitter is uniform over [0, delay]")
	none := testProvider(t, RetryConfig{Jitter: JitterNone})
	assert.Equal(t, 400*time.Millisecond, none.backoffDelay(3, transient, providers.Transient, false))
}

// timedStub records when each call started.
type timedStub struct {
	mu     sync.Mutex
	starts []time.Time
	script []error // one per call; past the end: success
}

func (s *timedStub) Fetch(ctx context.Context, _ providers.Request) (providers.Response, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := len(s.starts)
	s.starts = append(s.starts, time.Now())
	if i < len(s.script) {
		return providers.Response{}, s.script[i]
	}
	return providers.Response{Value: 2}, nil
}

func TestRetryTimingUnderVirtualTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ts := &timedStub{script: []error{
			providers.NewError(providers.Transient, nil),
			&providers.Error{Class: providers.RateLimit, RetryAfter: 300 * time.Millisecond},
		}}
		cfg := testConfig()
		cfg.Retry = RetryConfig{BaseDelay: 100 * time.Millisecond, Jitter: JitterNone}
		r := newTestResolver(t, cfg, ts, newStub(9))
		res, err := r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, LayerPrimary, res.Layer)
		assert.Equal(t, 2.0, res.Value)
		require.Len(t, ts.starts, 3)
		assert.Equal(t, 100*time.Millisecond, ts.starts[1].Sub(ts.starts[0]), "transient: base delay")
		assert.Equal(t, 300*time.Millisecond, ts.starts[2].Sub(ts.starts[1]), "rate limit: Retry-After")
		require.Len(t, res.Attempts, 3)
		assert.Equal(t, []int{0, 1, 2}, []int{res.Attempts[0].Retry, res.Attempts[1].Retry, res.Attempts[2].Retry})
		assert.InDelta(t, 0.06, res.Cost, 1e-12, "every attempt is paid")
	})
}

func TestNoRetryPastDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ts := &timedStub{script: []error{providers.NewError(providers.Transient, nil), providers.NewError(providers.Transient, nil)}}
		cfg := testConfig()
		cfg.Retry = RetryConfig{BaseDelay: 400 * time.Millisecond, Jitter: JitterNone}
		s1 := newStub(1.1)
		r := newTestResolver(t, cfg, ts, s1)
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		res, err := r.Resolve(ctx, "cpc", shoes)
		require.NoError(t, err)
		assert.Len(t, ts.starts, 1, "a 400ms delay does not fit a 300ms deadline: move on")
		assert.Equal(t, LayerSecondary, res.Layer)
	})
}

// A Retry-After no retry could wait out — an HTTP-date in the year 9999,
// which time.Time.Sub saturates at math.MaxInt64 — does not fit the
// deadline: the walk moves on at once, rather than waiting the tier out
// because the delay plus the expected latency overflowed.
func TestADelayBeyondEveryDurationIsNotWaitedFor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ts := &timedStub{script: []error{&providers.Error{Class: providers.RateLimit, RetryAfter: math.MaxInt64}}}
		s1 := newStub(1.1)
		r := newTestResolver(t, testConfig(), ts, s1)
		start := time.Now()
		res, err := r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, LayerSecondary, res.Layer)
		assert.Len(t, ts.starts, 1)
		assert.Zero(t, time.Since(start), "the walk moves on at once")
	})
}

// A delay scaled past the longest duration (a large rate_limit_factor or
// timeout_factor, or jitter on a max_delay near it) stays the longest: a
// float64 out of int64's range does not convert to zero or a negative
// delay, which would retry at once.
func TestABackoffDelayScaledPastEveryDurationSaturates(t *testing.T) {
	transient := providers.NewError(providers.Transient, nil)
	huge := testProvider(t, RetryConfig{RateLimitFactor: 1e12, TimeoutFactor: 1e12})
	longest := testProvider(t, RetryConfig{BaseDelay: math.MaxInt64, MaxDelay: math.MaxInt64})
	for range 100 {
		assert.GreaterOrEqual(t, huge.backoffDelay(1, providers.NewError(providers.RateLimit, nil), providers.RateLimit, false), DefaultMaxDelay)
		assert.GreaterOrEqual(t, huge.backoffDelay(1, transient, providers.Transient, true), DefaultMaxDelay)
		assert.Greater(t, longest.backoffDelay(1, transient, providers.Transient, false), time.Duration(math.MaxInt64/2))
	}
}

func TestAuthRefreshesOnceAndRetries(t *testing.T) {
	var refreshed atomic.Int32
	creds := &refreshingCreds{refreshed: &refreshed}
	ts := &timedStub{script: []error{providers.NewError(providers.Auth, nil)}}
	r := newTestResolver(t, testConfig(), ts, newStub(9), WithCredentials(creds))
	res, err := r.Resolve(context.Background(), "cpc", shoes)
	require.NoError(t, err)
	assert.Equal(t, LayerPrimary, res.Layer)
	assert.EqualValues(t, 1, refreshed.Load())
	assert.Len(t, ts.starts, 2)

	// A second Auth failure in the same resolve is not refreshed again.
	ts2 := &timedStub{script: []error{providers.NewError(providers.Auth, nil), providers.NewError(providers.Auth, nil)}}
	refreshed.Store(0)
	r2 := newTestResolver(t, testConfig(), ts2, newStub(9), WithCredentials(creds))
	res, err = r2.Resolve(context.Background(), "cpc", shoes)
	require.NoError(t, err)
	assert.Equal(t, LayerSecondary, res.Layer)
	assert.EqualValues(t, 1, refreshed.Load())
	assert.Len(t, ts2.starts, 2)
}

type refreshingCreds struct{ refreshed *atomic.Int32 }

func (c *refreshingCreds) Credential(context.Context, string) (providers.Secret, error) {
	return providers.NewSecret("k"), nil
}
func (c *refreshingCreds) Refresh(context.Context, string) error { c.refreshed.Add(1); return nil }

func TestRateLimitedProviderIsSkipped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Providers[0].RateLimit = RateLimitConfig{PerSecond: 1, Burst: 1}
		p1, s1 := newStub(1), newStub(2)
		r := newTestResolver(t, cfg, p1, s1)
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "a"})
		require.NoError(t, err)
		assert.Equal(t, "p1", res.Source)
		res, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "b"})
		require.NoError(t, err)
		assert.Equal(t, "s1", res.Source, "p1 has no capacity: skipped, not queued for")
		assert.Equal(t, Skipped, res.Attempts[0].Outcome)
		assert.Equal(t, SkipRateLimited, res.Attempts[0].Skip)
		assert.EqualValues(t, 1, p1.calls.Load())
		time.Sleep(time.Second) // the bucket refills
		res, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "c"})
		require.NoError(t, err)
		assert.Equal(t, "p1", res.Source)
	})
}

// A rate-limit token is taken only for an attempt the other gates
// admitted: the resolves a half-open breaker turns away while its probe
// is out (they find the provider eligible, not open) leave its tokens as
// they were. The token was taken first, so a recovery rush spent a
// limited provider's capacity on calls never made, and the provider,
// closed again, was skipped as rate limited.
func TestRateTokensOnlyForAdmittedAttempts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Providers[0].RateLimit = RateLimitConfig{PerSecond: 0.001, Burst: 10}
		cfg.Breaker.HalfOpenProbes = 1
		p1, s1 := newStub(0), newStub(2)
		p1.fail(providers.Unavailable)
		r := newTestResolver(t, cfg, p1, s1)
		for i := range 5 { // five failures open p1's breaker: 5 tokens left
			_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint("k", i)})
			require.NoError(t, err)
		}
		require.EqualValues(t, 5, p1.calls.Load())
		time.Sleep(61 * time.Second) // the seed's 60s open duration

		release := make(chan struct{})
		p1.set(func(ctx context.Context, _ providers.Request) (providers.Response, error) {
			select {
			case <-release:
			case <-ctx.Done():
			}
			return providers.Response{Value: 1}, nil
		})
		probe := make(chan Result)
		go func() {
			res, _ := r.Resolve(context.Background(), "cpc", Params{"keyword": "probe"})
			probe <- res
		}()
		synctest.Wait() // the probe is out, with a token: 4 left
		for i := range 5 {
			res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint("rush", i)})
			require.NoError(t, err)
			assert.Equal(t, "s1", res.Source)
			assert.Equal(t, SkipBreakerOpen, attemptsByProvider(res.Attempts)["p1"].Skip, "rush %d: turned away by the breaker, not the rate limit", i)
		}
		close(release)
		assert.Equal(t, "p1", (<-probe).Source, "the probe closes the breaker")
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "after"})
		require.NoError(t, err)
		assert.Equal(t, "p1", res.Source, "p1's tokens are still there")
		assert.EqualValues(t, 7, p1.calls.Load())
	})
}

func TestBulkheadSkipsWhenFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Providers[0].MaxConcurrent = 1
		cfg.Resolve.DisableCoalescing = true
		p1 := newStub(1)
		release := make(chan struct{})
		p1.set(func(ctx context.Context, _ providers.Request) (providers.Response, error) {
			select {
			case <-release:
			case <-ctx.Done():
			}
			return providers.Response{Value: 1}, nil
		})
		r := newTestResolver(t, cfg, p1, newStub(2))
		done := make(chan Result)
		go func() {
			res, _ := r.Resolve(context.Background(), "cpc", Params{"keyword": "a"})
			done <- res
		}()
		synctest.Wait() // the first resolve holds p1's only slot
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "b"})
		require.NoError(t, err)
		assert.Equal(t, "s1", res.Source)
		assert.Equal(t, SkipBusy, res.Attempts[0].Skip)
		close(release)
		assert.Equal(t, "p1", (<-done).Source)
	})
}

func TestBreakerOpensSkipsAndProbes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var events []Event
		var mu sync.Mutex
		obs := ObserverFunc(func(_ context.Context, e Event) {
			if e.Kind == EventBreaker {
				mu.Lock()
				events = append(events, e)
				mu.Unlock()
			}
		})
		p1, s1 := newStub(0), newStub(2)
		p1.fail(providers.Unavailable)
		r := newTestResolver(t, testConfig(), p1, s1, WithObserver(obs))
		for i := range 5 {
			_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint("k", i)})
			require.NoError(t, err)
		}
		assert.EqualValues(t, 5, p1.calls.Load())
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "k5"})
		require.NoError(t, err)
		assert.EqualValues(t, 5, p1.calls.Load(), "open: p1 is not called")
		assert.Equal(t, SkipBreakerOpen, res.Attempts[0].Skip)
		flushEvents(r)
		mu.Lock()
		got := slices.Clone(events)
		mu.Unlock()
		require.Len(t, got, 1)
		assert.Equal(t, "closed", got[0].From)
		assert.Equal(t, "open", got[0].To)

		time.Sleep(61 * time.Second) // the seed's 60s open duration
		p1.answer(1)
		for i := range 3 {
			res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint("probe", i)})
			require.NoError(t, err)
			assert.Equal(t, "p1", res.Source)
		}
		snap := r.Snapshot()
		assert.Equal(t, "closed", snap.Providers[0].Breaker, "three good probes close it")
		assert.EqualValues(t, 1, snap.Providers[0].BreakerTrips)
	})
}

func TestPermanentAndCancelAreNeutralForBreaker(t *testing.T) {
	p1, s1 := newStub(0), newStub(2)
	p1.fail(providers.Permanent)
	r := newTestResolver(t, testConfig(), p1, s1)
	for i := range 10 {
		_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint("k", i)})
		require.NoError(t, err)
	}
	assert.EqualValues(t, 10, p1.calls.Load(), "Permanent never trips the breaker")
	assert.Equal(t, "closed", r.Snapshot().Providers[0].Breaker)
}

// A provider that says it was cancelled when its caller was not (its own
// context, a transport shut down) has failed: counted as Transient, it
// trips its breaker, instead of being called, and paid, on every resolve
// while its health stays HEALTHY.
func TestACancellationTheCallerDidNotMakeIsTheProvidersFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1 := newStub(0), newStub(2)
		p1.set(func(context.Context, providers.Request) (providers.Response, error) {
			return providers.Response{}, fmt.Errorf("transport closed: %w", context.Canceled)
		})
		r := newTestResolver(t, testConfig(), p1, s1)
		for i := range 10 {
			res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint("k", i)})
			require.NoError(t, err)
			assert.Equal(t, "s1", res.Source)
			if i == 0 {
				require.NotEmpty(t, res.Attempts)
				assert.Equal(t, Failed, res.Attempts[0].Outcome)
				assert.Equal(t, providers.Transient, res.Attempts[0].Class)
			}
		}
		snap := r.Snapshot()
		assert.Equal(t, "open", snap.Providers[0].Breaker, "5 consecutive failures")
		assert.Less(t, p1.calls.Load(), int64(10))
		assert.NotEqual(t, "HEALTHY", snap.Providers[0].Status)
	})
}

func TestHedgingStartsAtDelayAndCancelsLoser(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Providers = append(cfg.Providers, ProviderConfig{Name: "p2", Tier: Primary, Confidence: 0.9, Cost: 0.02, DataTypes: []string{"cpc"}, Timeout: time.Second, ExpectedLatency: 20 * time.Millisecond})
		cfg.DataTypes[0].Hedge = HedgeConfig{Enabled: true, Delay: 50 * time.Millisecond}
		cfg.Providers[0].Timeout = time.Second
		slow, err := fake.New(fake.Config{Value: 1, Latency: fake.Latency{Median: 400 * time.Millisecond}})
		require.NoError(t, err)
		quick, err := fake.New(fake.Config{Value: 2, Latency: fake.Latency{Median: 10 * time.Millisecond}})
		require.NoError(t, err)
		r := newTestResolver(t, cfg, slow, newStub(9), WithProvider("p2", quick))
		start := time.Now()
		res, err := r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, "p2", res.Source)
		assert.Equal(t, 2.0, res.Value)
		assert.Equal(t, 60*time.Millisecond, time.Since(start), "hedge at 50ms, answer 10ms later")
		require.Len(t, res.Attempts, 2)
		byProvider := attemptsByProvider(res.Attempts)
		assert.Equal(t, Lost, byProvider["p1"].Outcome)
		assert.Equal(t, Succeeded, byProvider["p2"].Outcome)
		assert.True(t, byProvider["p2"].Hedge)
		assert.InDelta(t, 0.04, res.Cost, 1e-12, "the hedge is paid too")
		synctest.Wait()
		assert.Zero(t, slow.Stats().InFlight, "the loser was cancelled")
	})
}

func TestHedgeRespectsBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Providers = append(cfg.Providers, ProviderConfig{Name: "p2", Tier: Primary, Confidence: 0.9, Cost: 0.02, DataTypes: []string{"cpc"}, ExpectedLatency: 20 * time.Millisecond})
		cfg.DataTypes[0].Hedge = HedgeConfig{Enabled: true, Delay: 50 * time.Millisecond}
		slow, err := fake.New(fake.Config{Value: 1, Latency: fake.Latency{Median: 200 * time.Millisecond}})
		require.NoError(t, err)
		r := newTestResolver(t, cfg, slow, newStub(9), WithProvider("p2", newStub(2)))
		ctx := WithBudget(context.Background(), 0.03) // pays p1 (0.02) but not a hedge to p2 too
		res, err := r.Resolve(ctx, "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, "p1", res.Source)
		assert.InDelta(t, 0.02, res.Cost, 1e-12)
		assert.InDelta(t, 0.01, BudgetFrom(ctx).Remaining(), 1e-12)
	})
}

// With a single primary, a hedge can only cross into the secondary tier:
// off by default, on with AcrossTiers; the answer is the secondary's,
// and the slow primary is cancelled.
func TestHedgeAcrossTiers(t *testing.T) {
	for _, across := range []bool{false, true} {
		t.Run(fmt.Sprint("across=", across), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := testConfig()
				cfg.Providers[0].Timeout = time.Second
				cfg.DataTypes[0].Hedge = HedgeConfig{Enabled: true, Delay: 50 * time.Millisecond, AcrossTiers: across}
				slow, err := fake.New(fake.Config{Value: 1, Latency: fake.Latency{Median: 400 * time.Millisecond}})
				require.NoError(t, err)
				quick, err := fake.New(fake.Config{Value: 2, Latency: fake.Latency{Median: 10 * time.Millisecond}})
				require.NoError(t, err)
				r := newTestResolver(t, cfg, slow, quick)
				start := time.Now()
				res, err := r.Resolve(context.Background(), "cpc", shoes)
				require.NoError(t, err)
				if !across {
					assert.Equal(t, "p1", res.Source)
					assert.Equal(t, LayerPrimary, res.Layer)
					assert.Equal(t, 400*time.Millisecond, time.Since(start), "nothing to hedge to in the tier")
					assert.Zero(t, quick.Stats().Calls)
					return
				}
				assert.Equal(t, "s1", res.Source)
				assert.Equal(t, LayerSecondary, res.Layer, "the answer is the tier it came from")
				assert.Equal(t, 2.0, res.Value)
				assert.Equal(t, 60*time.Millisecond, time.Since(start), "hedged at 50ms, answered 10ms later")
				require.Len(t, res.Attempts, 2)
				byProvider := attemptsByProvider(res.Attempts)
				assert.Equal(t, Lost, byProvider["p1"].Outcome)
				assert.Equal(t, Succeeded, byProvider["s1"].Outcome)
				assert.True(t, byProvider["s1"].Hedge)
				assert.InDelta(t, 0.03, res.Cost, 1e-12, "both calls are paid")
				synctest.Wait()
				assert.Zero(t, slow.Stats().InFlight, "the loser was cancelled")
			})
		})
	}
}

// Across tiers, a failing primary still falls to the secondary, and when
// both fail the error names both tiers.
func TestHedgeAcrossTiersFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Retry.MaxAttempts = 1
		cfg.DataTypes[0].Hedge = HedgeConfig{Enabled: true, Delay: 50 * time.Millisecond, AcrossTiers: true}
		p1, s1 := newStub(1), newStub(2)
		p1.fail(providers.Unavailable)
		r := newTestResolver(t, cfg, p1, s1, WithHistory(noHistory{}))
		res, err := r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, LayerSecondary, res.Layer)
		assert.Equal(t, "s1", res.Source)

		s1.fail(providers.Unavailable)
		cfg.DataTypes[0].Default = nil
		r = newTestResolver(t, cfg, p1, s1, WithHistory(noHistory{}))
		_, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "boots"})
		var re *ResolveError
		require.ErrorAs(t, err, &re)
		var layers []Layer
		for _, e := range re.Errs {
			var le *LayerError
			if errors.As(e, &le) {
				layers = append(layers, le.Layer)
			}
		}
		assert.Equal(t, []Layer{LayerPrimary, LayerSecondary}, layers[:2])
		assert.ErrorContains(t, err, "p1")
		assert.ErrorContains(t, err, "s1")
	})
}

// TestAttemptsAndBudgetBoundProperty: whatever the providers do, a resolve
// makes at most the configured attempts and never spends past its budget.
func TestAttemptsAndBudgetBoundProperty(t *testing.T) {
	for seed := range uint64(20) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(seed, 7))
				errs := map[providers.Class]float64{}
				for _, c := range []providers.Class{providers.Transient, providers.RateLimit, providers.Unavailable, providers.DataQuality, providers.Auth} {
					errs[c] = rng.Float64() * 0.15
				}
				mk := func(s uint64) *fake.Provider {
					p, err := fake.New(fake.Config{Value: 1, Errors: errs, Seed: s, Latency: fake.Latency{Median: 5 * time.Millisecond, P99: 80 * time.Millisecond},
						Garbage: map[fake.Garbage]float64{fake.NaN: 0.05}})
					require.NoError(t, err)
					return p
				}
				cfg := testConfig()
				cfg.Retry = RetryConfig{MaxAttempts: 1 + int(seed%4), BaseDelay: 5 * time.Millisecond}
				p1, s1 := mk(seed), mk(seed+100)
				r := newTestResolver(t, cfg, p1, s1)
				budget := NewBudget(0.05 + rng.Float64()*0.3)
				ctx := WithBudgetOf(context.Background(), budget)
				for i := range 40 {
					res, err := r.Resolve(ctx, "cpc", Params{"keyword": fmt.Sprint("k", i)})
					made := 0
					for _, a := range res.Attempts {
						if a.Outcome != Skipped {
							made++
						}
					}
					if err != nil {
						var re *ResolveError
						require.ErrorAs(t, err, &re)
					}
					assert.LessOrEqual(t, made, 2*cfg.Retry.MaxAttempts, "attempts bounded")
				}
				assert.GreaterOrEqual(t, budget.Remaining(), -1e-12, "never overspent")
				spent := budget.Spent()
				calls := p1.Calls()*2 + s1.Calls() // p1 costs 0.02, s1 0.01
				assert.InDelta(t, float64(calls)*0.01, spent, 1e-9, "every call paid exactly once")
			})
		})
	}
}

func TestConcurrentFlappingExactAccounting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Resolve.DisableCoalescing = true
		cfg.Breaker = breaker.Config{ConsecutiveFailures: 5, OpenDuration: time.Second, HalfOpenProbes: 3}
		cfg.Retry = RetryConfig{MaxAttempts: 2, BaseDelay: 5 * time.Millisecond}
		cfg.Plausibility.AuditRate = -1 // no sampled second opinion: every call is counted below
		// Down for 10 calls, up for 10, forever.
		flap, err := fake.New(fake.Config{Value: 1, Latency: fake.Latency{Median: 2 * time.Millisecond},
			Script: []fake.Step{{Times: 10, Do: fake.Fail(providers.Unavailable)}, {Times: 10, Do: fake.Succeed()}}, RepeatScript: true})
		require.NoError(t, err)
		var trips atomic.Int64
		obs := ObserverFunc(func(_ context.Context, e Event) {
			if e.Kind == EventBreaker && e.To == "open" {
				trips.Add(1)
			}
		})
		s1 := newStub(2)
		r := newTestResolver(t, cfg, flap, s1, WithObserver(obs))
		var made, succeeded, resolves atomic.Int64
		var wg sync.WaitGroup
		for g := range 64 {
			wg.Go(func() {
				for i := range 20 {
					res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprintf("g%d-%d", g, i)})
					if err != nil {
						t.Error(err)
						return
					}
					resolves.Add(1)
					for _, a := range res.Attempts {
						if a.Provider != "p1" {
							continue
						}
						if a.Outcome != Skipped {
							made.Add(1)
						}
						if a.Outcome == Succeeded {
							succeeded.Add(1)
						}
					}
					time.Sleep(time.Duration(i%3) * 10 * time.Millisecond)
				}
			})
		}
		wg.Wait()
		st := flap.Stats()
		assert.EqualValues(t, 64*20, resolves.Load())
		assert.Equal(t, st.Calls, made.Load(), "every call is an attempt and vice versa")
		assert.Equal(t, st.Successes, succeeded.Load())
		snap := r.Snapshot()
		flushEvents(r)
		assert.Equal(t, uint64(trips.Load()), snap.Providers[0].BreakerTrips, "every trip observed")
		assert.Greater(t, trips.Load(), int64(0))
		assert.Equal(t, st.Calls, snap.Providers[0].Requests, "health counts every provider-fault or success outcome")
	})
}

func TestAdaptiveThrottlingRejectsLocally(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Resolve.DisableCoalescing = true
		cfg.Retry = RetryConfig{MaxAttempts: 1}
		cfg.Breaker = breaker.Config{ConsecutiveFailures: -1, FailureRateThreshold: -1, SlowCallThreshold: time.Hour}
		cfg.Providers[0].Throttle = ThrottleConfig{Enabled: true, K: 2, MinRequests: 10, MaxRejection: 0.9}
		p1, s1 := newStub(0), newStub(2)
		p1.fail(providers.Transient)
		r := newTestResolver(t, cfg, p1, s1)
		throttled := 0
		for i := range 200 {
			res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint("k", i)})
			require.NoError(t, err)
			if res.Attempts[0].Skip == SkipThrottled {
				throttled++
			}
		}
		// Every request fails: past 10 requests, (n − 2·0)/(n + 1) → the
		// 0.9 cap: about nine in ten are rejected without calling p1.
		assert.Greater(t, throttled, 150)
		assert.Less(t, p1.calls.Load(), int64(50))
		assert.InDelta(t, 0.9, throttleRejection(r, "p1"), 1e-9)
	})
}

// failsafe-go counts a throttle's window in 20 buckets and divides the
// clock by a bucket's length: a window under 20ns made that zero, and the
// first call settled panicked the process in a walk's goroutine. A window
// under MinThrottleWindow is a ConfigError naming the field.
func TestAThrottleWindowTooShortIsRefused(t *testing.T) {
	for _, w := range []time.Duration{time.Nanosecond, 19, MinThrottleWindow - 1} {
		cfg := testConfig()
		cfg.Providers[0].Throttle = ThrottleConfig{Enabled: true, Window: w}
		r, err := New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(2)))
		if r != nil {
			_, _ = r.Resolve(context.Background(), "cpc", shoes)
			_ = r.Close()
		}
		require.ErrorIs(t, err, ErrInvalidConfig, "window %v", w)
		var ce *ConfigError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, "providers[0].throttle.window", ce.Field)
		assert.Contains(t, ce.Msg, "at least 1ms")
	}
	cfg := testConfig()
	cfg.Providers[0].Throttle = ThrottleConfig{Enabled: true, Window: MinThrottleWindow}
	r := newTestResolver(t, cfg, newStub(1), newStub(2))
	_, err := r.Resolve(context.Background(), "cpc", shoes)
	assert.NoError(t, err)
}

// A hedge that could not start into the secondary tier (its limiter was
// empty then) does not decide the secondary tier for later: when the
// primary fails, the secondary is read again, and answers.
func TestHedgeAcrossTiersReadsTheSecondaryAgain(t *testing.T) {
	for _, across := range []bool{false, true} {
		t.Run(fmt.Sprint("across=", across), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := testConfig()
				cfg.Retry.MaxAttempts = 1
				cfg.Providers[1].RateLimit = RateLimitConfig{PerSecond: 10, Burst: 1}
				cfg.DataTypes[0].Hedge = HedgeConfig{Enabled: true, Delay: 50 * time.Millisecond, AcrossTiers: across}
				p1, s1 := newStub(1), newStub(2)
				p1.set(func(ctx context.Context, _ providers.Request) (providers.Response, error) {
					time.Sleep(200 * time.Millisecond)
					return providers.Response{}, providers.Errorf(providers.Unavailable, "down")
				})
				r := newTestResolver(t, cfg, p1, s1, WithHistory(noHistory{}))
				spendRateToken(r, "s1") // s1's token is spent now, back in 100ms
				start := time.Now()
				res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "x"})
				require.NoError(t, err)
				assert.Equal(t, "s1", res.Source)
				assert.Equal(t, LayerSecondary, res.Layer)
				assert.Equal(t, 200*time.Millisecond, time.Since(start), "after p1 failed")
				assert.EqualValues(t, 1, s1.calls.Load())
				for _, a := range res.Attempts {
					assert.NotEqual(t, Skipped, a.Outcome, "%s: nothing is skipped", a.Provider)
				}
			})
		})
	}
}

// TestEveryBreakerOpenWalksNobody: with every provider's breaker open a
// resolve calls nobody and shares nothing — each of several concurrent
// resolves of one key records both providers as skipped and both tiers as
// failed, and answers from the local layers — and once the breakers let
// a probe through the providers are walked again.
func TestEveryBreakerOpenWalksNobody(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1 := newStub(0), newStub(0)
		p1.fail(providers.Unavailable)
		s1.fail(providers.Unavailable)
		r := newTestResolver(t, testConfig(), p1, s1, WithHistory(noHistory{}))
		for i := range 5 {
			_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint("k", i)})
			require.NoError(t, err)
		}
		calls := p1.calls.Load() + s1.calls.Load()
		require.EqualValues(t, 10, calls, "five failures each open both breakers")

		results := make([]Result, 8)
		var wg sync.WaitGroup
		for i := range results {
			wg.Go(func() {
				var err error
				results[i], err = r.Resolve(context.Background(), "cpc", Params{"keyword": "same"})
				assert.NoError(t, err)
			})
		}
		wg.Wait()
		assert.Equal(t, calls, p1.calls.Load()+s1.calls.Load(), "nobody called")
		for i, res := range results {
			assert.Equal(t, LayerDefault, res.Layer, "resolve %d", i)
			assert.False(t, res.Shared, "resolve %d: nothing to share", i)
			require.Len(t, res.Attempts, 2, "resolve %d", i)
			for _, a := range res.Attempts {
				assert.Equal(t, SkipBreakerOpen, a.Skip, "resolve %d: %s", i, a.Provider)
			}
		}

		// The breakers half-open: the next resolve walks the providers.
		time.Sleep(61 * time.Second)
		p1.answer(1.5)
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "after"})
		require.NoError(t, err)
		assert.Equal(t, "p1", res.Source)
		assert.Equal(t, 1.5, res.Value)
	})
}

// MaxHedges bounds the extra attempts a tier starts: with four slow
// primaries and a 50 ms hedge delay, the first answer (p1's, at 400 ms)
// finds exactly MaxHedges hedges started (1 by default), never more.
func TestHedgeStartsAtMostMaxHedges(t *testing.T) {
	for _, tc := range []struct{ set, want int }{{0, 1}, {1, 1}, {2, 2}, {3, 3}, {5, 3}} {
		t.Run(fmt.Sprint("max_hedges=", tc.set), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := testConfig()
				opts := []Option{}
				fakes := map[string]*fake.Provider{}
				for i := 1; i <= 4; i++ {
					name := fmt.Sprint("p", i)
					f, err := fake.New(fake.Config{Value: float64(i), Latency: fake.Latency{Median: 400 * time.Millisecond}})
					require.NoError(t, err)
					fakes[name] = f
					if i == 1 {
						cfg.Providers[0].Timeout = time.Second
						continue
					}
					cfg.Providers = append(cfg.Providers, ProviderConfig{Name: name, Tier: Primary, Confidence: 0.9, Cost: 0.02, DataTypes: []string{"cpc"}, Timeout: time.Second, ExpectedLatency: 20 * time.Millisecond})
					opts = append(opts, WithProvider(name, f))
				}
				cfg.DataTypes[0].Hedge = HedgeConfig{Enabled: true, Delay: 50 * time.Millisecond, MaxHedges: tc.set}
				r := newTestResolver(t, cfg, fakes["p1"], newStub(9), opts...)
				res, err := r.Resolve(context.Background(), "cpc", shoes)
				require.NoError(t, err)
				assert.Equal(t, "p1", res.Source)
				hedges, started := 0, 0
				for _, a := range res.Attempts {
					if a.Hedge {
						hedges++
					}
				}
				for _, f := range fakes {
					started += int(f.Stats().Calls)
				}
				assert.Equal(t, tc.want, hedges, "hedges in Attempts")
				assert.Equal(t, 1+tc.want, started, "calls the providers saw")
				assert.Len(t, res.Attempts, 1+tc.want)
			})
		})
	}
}

// WithSeed makes the retry jitter repeatable; without it the seed comes
// from the clock, so two instances started apart do not retry in step.
func TestRetryJitterSeededOrFromTheClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		gaps := func(opts ...Option) []time.Duration {
			cfg := testConfig()
			cfg.Retry = RetryConfig{MaxAttempts: 3, BaseDelay: 50 * time.Millisecond, MaxDelay: 200 * time.Millisecond, Jitter: "full"}
			var calls []time.Time
			p1 := newStub(1)
			p1.set(func(context.Context, providers.Request) (providers.Response, error) {
				calls = append(calls, time.Now())
				return providers.Response{}, providers.NewError(providers.Transient, errors.New("flaky"))
			})
			r, err := New(cfg, append([]Option{WithProvider("p1", p1), WithProvider("s1", newStub(2))}, opts...)...)
			require.NoError(t, err)
			defer r.Close()
			_, err = r.Resolve(context.Background(), "cpc", shoes)
			require.NoError(t, err)
			require.Len(t, calls, 3)
			time.Sleep(time.Millisecond) // the next instance starts later
			return []time.Duration{calls[1].Sub(calls[0]), calls[2].Sub(calls[1])}
		}
		a, b := gaps(WithSeed(5)), gaps(WithSeed(5))
		assert.Equal(t, a, b, "the same seed, the same delays")
		c, d := gaps(), gaps()
		assert.NotEqual(t, c, d, "seeds from the clock differ")
	})
}

// A hedge's loser was paid for: its cost is in its provider's snapshot,
// so the providers' costs add up to the resolver's.
func TestALostHedgeCostsItsProvider(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Providers = append(cfg.Providers, ProviderConfig{Name: "p2", Tier: Primary, Confidence: 0.9, Cost: 0.02, DataTypes: []string{"cpc"}, Timeout: time.Second, ExpectedLatency: 20 * time.Millisecond})
		cfg.DataTypes[0].Hedge = HedgeConfig{Enabled: true, Delay: 50 * time.Millisecond}
		cfg.Providers[0].Timeout = time.Second
		slow, err := fake.New(fake.Config{Value: 1, Latency: fake.Latency{Median: 400 * time.Millisecond}})
		require.NoError(t, err)
		quick, err := fake.New(fake.Config{Value: 2, Latency: fake.Latency{Median: 10 * time.Millisecond}})
		require.NoError(t, err)
		r := newTestResolver(t, cfg, slow, newStub(9), WithProvider("p2", quick))
		res, err := r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		require.Equal(t, Lost, attemptsByProvider(res.Attempts)["p1"].Outcome)
		snap := r.Snapshot()
		byName := map[string]float64{}
		sum := 0.0
		for _, p := range snap.Providers {
			byName[p.Name] = p.Cost
			sum += p.Cost
		}
		assert.InDelta(t, 0.02, byName["p1"], 1e-12, "the loser's cost")
		assert.InDelta(t, 0.02, byName["p2"], 1e-12)
		assert.InDelta(t, snap.Overall.Cost, sum, 1e-12)
		assert.InDelta(t, res.Cost, sum, 1e-12)
	})
}

func TestLostHedgesTeachTheRouterASlowProvider(t *testing.T) {
	// p1 is configured (and ranked) as the faster primary but takes 400 ms;
	// every call to it loses to the hedge to p2. What it ran before it was
	// cut is a lower bound of its latency: the router learns it, ranks p2
	// first, and the resolves stop paying for two calls.
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Providers[0].ExpectedLatency = 10 * time.Millisecond
		cfg.Providers[0].Timeout = time.Second
		cfg.Providers = append(cfg.Providers, ProviderConfig{Name: "p2", Tier: Primary, Confidence: 0.9, Cost: 0.02, DataTypes: []string{"cpc"}, Timeout: time.Second, ExpectedLatency: 30 * time.Millisecond})
		cfg.DataTypes[0].Hedge = HedgeConfig{Enabled: true, Delay: 50 * time.Millisecond}
		cfg.Plausibility.AuditRate = -1 // no sampled second opinion: the calls below are the hedges'
		slow, err := fake.New(fake.Config{Value: 1, Latency: fake.Latency{Median: 400 * time.Millisecond}})
		require.NoError(t, err)
		quick, err := fake.New(fake.Config{Value: 2, Latency: fake.Latency{Median: 10 * time.Millisecond}})
		require.NoError(t, err)
		r := newTestResolver(t, cfg, slow, newStub(9), WithProvider("p2", quick))
		cost := 0.0
		for i := range 20 {
			res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint("k", i)})
			require.NoError(t, err)
			assert.Equal(t, "p2", res.Source)
			if i >= 10 {
				cost += res.Cost
			}
		}
		synctest.Wait()
		assert.LessOrEqual(t, slow.Stats().Calls, int64(3), "p1 is first only until its lost hedges show it slow")
		assert.InDelta(t, 10*0.02, cost, 1e-12, "one call per resolve once p2 ranks first")
		var p1 ProviderSnapshot
		for _, p := range r.Snapshot().Providers {
			if p.Name == "p1" {
				p1 = p
			}
		}
		assert.Greater(t, p1.P95Ms, 30.0, "its lower bounds")
	})
}

// A quota report with a reset far ahead (a misread header) holds its
// provider out for router.quota_max_age at most: then it is asked again,
// and its answer brings the quota up to date (it was skipped as rate
// limited for the life of the process).
func TestAFarQuotaResetHoldsAProviderOutForQuotaMaxAgeAtMost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.DataTypes[0].TTL = time.Second
		p1 := newStub(0)
		var calls atomic.Int64
		p1.set(func(context.Context, providers.Request) (providers.Response, error) {
			resp := providers.Response{Value: 1.3}
			if calls.Add(1) == 1 {
				resp.Quota = &providers.Quota{Limit: 1000, Remaining: 0, Reset: time.Now().AddDate(100, 0, 0)}
			}
			return resp, nil
		})
		r := newTestResolver(t, cfg, p1, newStub(1.25))
		sources := map[string]int{}
		for range 20 { // a resolve a minute
			res, err := r.Resolve(context.Background(), "cpc", shoes)
			require.NoError(t, err)
			sources[res.Source]++
			time.Sleep(time.Minute)
		}
		assert.Greater(t, calls.Load(), int64(10), "asked again after five minutes, and its quota is renewed")
		assert.Equal(t, 4, sources["s1"], "skipped within the five minutes after the report")
	})
}

// A refusal for quota that says when to come back (429 with Retry-After)
// holds the provider out until then, and does not count against its
// breaker: it is busy, not failing (a few of them in a recovery rush
// re-opened healthy providers' breakers for minutes). Without a
// Retry-After it counts as before.
func TestARateLimitWithRetryAfterHoldsTheProviderAndSparesItsBreaker(t *testing.T) {
	for _, retryAfter := range []time.Duration{30 * time.Second, 0} {
		t.Run(fmt.Sprint("retry-after=", retryAfter), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := testConfig()
				cfg.Retry.MaxAttempts = 1
				cfg.Breaker.ConsecutiveFailures = 2
				p1 := newStub(0)
				busy := true
				p1.set(func(context.Context, providers.Request) (providers.Response, error) {
					if busy {
						return providers.Response{}, &providers.Error{Class: providers.RateLimit, Err: errors.New("429"), RetryAfter: retryAfter}
					}
					return providers.Response{Value: 1.3}, nil
				})
				r := newTestResolver(t, cfg, p1, newStub(1.25), WithHistory(noHistory{}))
				var skips []SkipReason
				for i := range 5 {
					res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint("k", i)})
					require.NoError(t, err)
					assert.Equal(t, 1.25, res.Value)
					skips = append(skips, attemptsByProvider(res.Attempts)["p1"].Skip)
					time.Sleep(time.Second)
				}
				if retryAfter > 0 {
					assert.Equal(t, []SkipReason{SkipNone, SkipRateLimited, SkipRateLimited, SkipRateLimited, SkipRateLimited}, skips, "held until its Retry-After")
					assert.Equal(t, "closed", r.Snapshot().Providers[0].Breaker)
					busy = false
					time.Sleep(retryAfter)
					res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "after"})
					require.NoError(t, err)
					assert.Equal(t, LayerPrimary, res.Layer, "asked again once the time it gave has passed")
					return
				}
				assert.Equal(t, []SkipReason{SkipNone, SkipNone, SkipBreakerOpen, SkipBreakerOpen, SkipBreakerOpen}, skips, "no Retry-After: failures, as before")
			})
		})
	}
}

// An attempt that failed at its credentials, before its provider was
// called, matches ErrCredentials (and providers.ErrAuth), with no latency
// and no cost, raw provider errors or not, in the Result and in its event
// (which has no start); one the provider refused does not match it.
func TestCredentialFailureMatchesErrCredentials(t *testing.T) {
	down := providers.CredentialsFunc(func(_ context.Context, provider string) (providers.Secret, error) {
		if provider == "p1" {
			return providers.Secret{}, errors.New("vault: down")
		}
		return providers.NewSecret("k"), nil
	})
	refused := providers.Func(func(context.Context, providers.Request) (providers.Response, error) {
		return providers.Response{}, providers.Errorf(providers.Auth, "key refused")
	})
	for _, raw := range []bool{false, true} {
		var opts []Option
		if raw {
			opts = append(opts, WithProviderErrors())
		}
		var mu sync.Mutex
		var events []Event
		obs := ObserverFunc(func(_ context.Context, e Event) {
			if e.Kind == EventAttempt || e.Kind == EventAttemptStart {
				mu.Lock()
				events = append(events, e)
				mu.Unlock()
			}
		})
		r := newTestResolver(t, testConfig(), newStub(1), refused, append(opts, WithCredentials(down), WithObserver(obs))...)
		res, err := r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err, "raw %v", raw)
		require.NoError(t, r.Close()) // hands the observer every event
		var p1Events int
		for _, e := range events {
			if e.Provider == "p1" {
				p1Events++
				assert.Equal(t, EventAttempt, e.Kind, "no start: p1 was not called")
				assert.ErrorIs(t, e.Err, ErrCredentials)
			} else if e.Kind == EventAttempt {
				assert.NotErrorIs(t, e.Err, ErrCredentials)
			}
		}
		assert.Equal(t, 1, p1Events)
		by := attemptsByProvider(res.Attempts)
		p1, s1 := by["p1"], by["s1"]
		assert.Equal(t, Failed, p1.Outcome)
		assert.ErrorIs(t, p1.Err, ErrCredentials, "raw %v", raw)
		assert.ErrorIs(t, p1.Err, providers.ErrAuth, "raw %v", raw)
		assert.Zero(t, p1.Latency)
		assert.Zero(t, p1.Cost)
		assert.Equal(t, Failed, s1.Outcome)
		assert.ErrorIs(t, s1.Err, providers.ErrAuth)
		assert.NotErrorIs(t, s1.Err, ErrCredentials, "raw %v", raw)
	}
}

// rotatingCreds hands out the host's current key; Refresh rotates it, as a
// host's secret store would after an Auth failure.
type rotatingCreds struct {
	mu        sync.Mutex
	key, next string
}

func (c *rotatingCreds) Credential(context.Context, string) (providers.Secret, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return providers.NewSecret(c.key), nil
}

func (c *rotatingCreds) Refresh(context.Context, string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.key = c.next
	return nil
}

func (c *rotatingCreds) set(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.key = key
}

// Credentials' and Refresher's docs: strata asks for the credential
// before every attempt, so a rotated key takes effect at the next call,
// and after an Auth failure it refreshes once and retries with the
// credential asked anew — not the one the provider refused.
func TestAuthRetryAndNextCallUseTheRotatedCredential(t *testing.T) {
	creds := &rotatingCreds{key: "old", next: "new"}
	var mu sync.Mutex
	var seen []string
	p1 := newStub(0)
	p1.set(func(_ context.Context, req providers.Request) (providers.Response, error) {
		key := req.Credential.Reveal()
		mu.Lock()
		seen = append(seen, key)
		mu.Unlock()
		if key == "old" {
			return providers.Response{}, providers.Errorf(providers.Auth, "key revoked")
		}
		return providers.Response{Value: 1.5}, nil
	})
	r := newTestResolver(t, testConfig(), p1, newStub(9), WithCredentials(creds))

	res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "a"})
	require.NoError(t, err)
	assert.Equal(t, "p1", res.Source, "the retry with the refreshed key answered")
	assert.Equal(t, 1.5, res.Value)
	assert.Equal(t, []string{"old", "new"}, seen)

	creds.set("rotated") // by the host, between calls, without a refresh
	res, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "b"})
	require.NoError(t, err)
	assert.Equal(t, "p1", res.Source)
	assert.Equal(t, []string{"old", "new", "rotated"}, seen, "the next call carries the rotated key")
}

// secretsOf's promise: what a resolve reports is scrubbed of the
// credential it used and of the one a rotation has just replaced — an
// upstream that answers the new key's call by quoting the revoked one
// leaks neither, in the attempts or the events.
func TestTheKeyARotationReplacedIsRedactedToo(t *testing.T) {
	const oldKey, newKey = "sk-old-0123456789abcdef", "sk-new-fedcba9876543210"
	creds := &rotatingCreds{key: oldKey, next: newKey}
	p1 := newStub(0)
	p1.set(func(_ context.Context, req providers.Request) (providers.Response, error) {
		if req.Credential.Reveal() == oldKey {
			return providers.Response{}, providers.Errorf(providers.Auth, "key %s revoked", oldKey)
		}
		return providers.Response{}, providers.Errorf(providers.Permanent, "key %s was revoked; this call used %s", oldKey, req.Credential.Reveal())
	})
	var mu sync.Mutex
	var events []Event
	obs := ObserverFunc(func(_ context.Context, e Event) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, e)
	})
	r := newTestResolver(t, testConfig(), p1, newStub(9), WithCredentials(creds), WithObserver(obs))
	res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "a"})
	require.NoError(t, err)
	assert.Equal(t, 9.0, res.Value, "the secondary answered")
	require.NoError(t, r.Close()) // hands the observer every event
	var texts []string
	for _, a := range res.Attempts {
		if a.Provider == "p1" && a.Err != nil {
			texts = append(texts, a.Err.Error())
		}
	}
	for _, e := range events {
		if e.Err != nil {
			texts = append(texts, e.Err.Error())
		}
	}
	require.GreaterOrEqual(t, len(texts), 2, "p1's two failures are reported")
	for _, s := range texts {
		assert.NotContains(t, s, oldKey)
		assert.NotContains(t, s, newKey)
		assert.NotContains(t, s, oldKey[:12])
	}
}

// quotaLimiter is a SharedLimiter with a fixed quota of requests per key.
type quotaLimiter struct {
	mu   sync.Mutex
	left map[string]int
}

func (l *quotaLimiter) Allow(_ context.Context, key string, _ float64, _ int) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.left[key] == 0 {
		return false, nil
	}
	l.left[key]--
	return true, nil
}

// A token of a provider's local rate limit taken for an attempt that is
// then not made — its credential failed — is given back: p1's only token
// serves the next resolve. A shared limiter's cannot be (SharedLimiter
// has no way to): that token is spent, and the next resolve finds p1's
// quota gone.
func TestATokenForAnAttemptNotMadeIsGivenBackLocally(t *testing.T) {
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprintf("shared=%v", shared), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := testConfig()
				cfg.Providers[0].RateLimit = RateLimitConfig{PerSecond: 0.001, Burst: 1}
				var vaultDown atomic.Bool
				vaultDown.Store(true)
				creds := providers.CredentialsFunc(func(_ context.Context, provider string) (providers.Secret, error) {
					if provider == "p1" && vaultDown.Load() {
						return providers.Secret{}, errors.New("vault: down")
					}
					return providers.NewSecret("k"), nil
				})
				p1 := newStub(1.5)
				opts := []Option{WithCredentials(creds), WithHistory(noHistory{})}
				if shared {
					opts = append(opts, WithSharedLimiter(&quotaLimiter{left: map[string]int{"provider:p1": 1}}))
				}
				r := newTestResolver(t, cfg, p1, newStub(2), opts...)
				res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "a"})
				require.NoError(t, err)
				a := attemptsByProvider(res.Attempts)["p1"]
				require.Equal(t, Failed, a.Outcome)
				require.ErrorIs(t, a.Err, ErrCredentials)

				vaultDown.Store(false)
				res, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "b"})
				require.NoError(t, err)
				if shared {
					assert.Equal(t, SkipRateLimited, attemptsByProvider(res.Attempts)["p1"].Skip, "the fleet's token was spent")
					assert.Zero(t, p1.calls.Load())
					return
				}
				assert.Equal(t, LayerPrimary, res.Layer, "p1's token was given back")
				assert.Equal(t, 1.5, res.Value)
				assert.EqualValues(t, 1, p1.calls.Load())
				res, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "c"})
				require.NoError(t, err)
				assert.Equal(t, SkipRateLimited, attemptsByProvider(res.Attempts)["p1"].Skip, "one token, not more")
			})
		})
	}
}

// giveBack returns one token to the local bucket, never beyond its burst.
func TestGiveBackNeverFillsPastTheBurst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rc := retryDefaults
		p, err := newProvider(ProviderConfig{Name: "p", Tier: Primary, Retry: &rc, RateLimit: RateLimitConfig{PerSecond: 0.001, Burst: 2}}, 0, newStub(1), 42, breaker.Config{}, new(tasks), context.Background())
		require.NoError(t, err)
		p.giveBack() // full: nothing to give back
		assert.True(t, p.limiter.Allow())
		assert.True(t, p.limiter.Allow())
		assert.False(t, p.limiter.Allow(), "the burst, not more")
		p.giveBack()
		assert.True(t, p.limiter.Allow(), "the token given back")
		assert.False(t, p.limiter.Allow())
	})
}
