package fallback

import (
	"context"
	"fmt"
	"math"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/stats"
)

var shoes = Params{"keyword": "shoes", "market": "us"}

func TestResolvePrimaryAnswers(t *testing.T) {
	p1, s1 := newStub(1.25), newStub(9)
	r := newTestResolver(t, testConfig(), p1, s1)
	res, err := r.Resolve(context.Background(), "cpc", shoes)
	require.NoError(t, err)
	assert.Equal(t, 1.25, res.Value)
	assert.Equal(t, LayerPrimary, res.Layer)
	assert.Equal(t, "p1", res.Source)
	assert.Equal(t, 0.95, res.Confidence)
	assert.InDelta(t, 1, res.Freshness, 1e-6)
	assert.InDelta(t, 0.02, res.Cost, 1e-12)
	require.Len(t, res.Attempts, 1)
	assert.Equal(t, Succeeded, res.Attempts[0].Outcome)
	assert.EqualValues(t, 0, s1.calls.Load())
}

func TestResolveFreshCacheCallsNoProvider(t *testing.T) {
	p1, s1 := newStub(1.25), newStub(9)
	r := newTestResolver(t, testConfig(), p1, s1)
	_, err := r.Resolve(context.Background(), "cpc", shoes)
	require.NoError(t, err)
	p1.answer(5) // a new value the cache must hide while fresh
	res, err := r.Resolve(context.Background(), "cpc", Params{"market": "us", "keyword": "shoes"})
	require.NoError(t, err)
	assert.Equal(t, 1.25, res.Value)
	assert.Equal(t, LayerCache, res.Layer)
	assert.Equal(t, "p1", res.Source)
	assert.Zero(t, res.Cost)
	assert.Empty(t, res.Attempts)
	assert.EqualValues(t, 1, p1.calls.Load())
}

func TestResolveSecondaryWhenPrimaryFails(t *testing.T) {
	p1, s1 := newStub(0), newStub(1.1)
	p1.fail(providers.Unavailable)
	r := newTestResolver(t, testConfig(), p1, s1)
	res, err := r.Resolve(context.Background(), "cpc", shoes)
	require.NoError(t, err)
	assert.Equal(t, 1.1, res.Value)
	assert.Equal(t, LayerSecondary, res.Layer)
	assert.Equal(t, "s1", res.Source)
	assert.Equal(t, 0.85, res.Confidence)
	assert.InDelta(t, 0.03, res.Cost, 1e-12) // both attempts paid
	require.Len(t, res.Attempts, 2)
	assert.Equal(t, Failed, res.Attempts[0].Outcome)
	assert.Equal(t, providers.Unavailable, res.Attempts[0].Class)
	assert.EqualValues(t, 1, p1.calls.Load(), "Unavailable is not retried on the same provider")
}

func TestResolveStaleCacheAnswersAsLayer3(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1 := newStub(1.25), newStub(9)
		s1.fail(providers.Unavailable)
		r := newTestResolver(t, testConfig(), p1, s1, WithHistory(noHistory{}))
		_, err := r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)

		// Past the TTL (1m) but young against the half-life (1h): with
		// confidence 0.95, 0.6×0.95 + 0.4×2^(−10/60) = 0.926 ≥ 0.65.
		time.Sleep(10 * time.Minute)
		p1.fail(providers.Unavailable)
		res, err := r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, 1.25, res.Value)
		assert.Equal(t, LayerCache, res.Layer)
		assert.Equal(t, "p1", res.Source)
		f := math.Exp2(-10.0 / 60)
		assert.InDelta(t, f, res.Freshness, 1e-9)
		assert.InDelta(t, 0.95*f, res.Confidence, 1e-9)
		assert.Len(t, res.Attempts, 2)
	})
}

func TestResolveStaleCacheRejectedWhenTooOld(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1 := newStub(1.25), newStub(9)
		s1.fail(providers.Unavailable)
		r := newTestResolver(t, testConfig(), p1, s1, WithHistory(noHistory{}))
		_, err := r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		// At 5 half-lives: 0.57 + 0.4/32 = 0.5825 < 0.65: the default answers.
		time.Sleep(5 * time.Hour)
		p1.fail(providers.Unavailable)
		res, err := r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, LayerDefault, res.Layer)
		assert.Equal(t, 1.0, res.Value)
	})
}

func TestResolveForecastFromHistory(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1 := newStub(0), newStub(0)
		p1.fail(providers.Unavailable)
		s1.fail(providers.Unavailable)
		h, err := stats.NewMemoryHistory(stats.MemoryConfig{})
		require.NoError(t, err)
		r := newTestResolver(t, testConfig(), p1, s1, WithHistory(h))
		key, err := r.Key("cpc", shoes)
		require.NoError(t, err)
		// 60 days of a gentle linear trend, ending yesterday.
		now := time.Now()
		for i := range 60 {
			at := now.Add(time.Duration(i-60) * 24 * time.Hour)
			require.NoError(t, h.Append(context.Background(), key, stats.Observation{At: at, Value: 1 + 0.01*float64(i)}))
		}
		res, err := r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, LayerStatistical, res.Layer)
		assert.Contains(t, res.Source, "stats:")
		assert.InDelta(t, 1.60, res.Value, 0.03)
		require.NotEmpty(t, res.Intervals)
		for _, iv := range res.Intervals {
			assert.LessOrEqual(t, iv.Lower, res.Value)
			assert.GreaterOrEqual(t, iv.Upper, res.Value)
		}
		assert.GreaterOrEqual(t, res.Confidence, 0.5)
	})
}

func TestResolveDefaultSegments(t *testing.T) {
	p1, s1 := newStub(0), newStub(0)
	p1.fail(providers.Permanent)
	s1.fail(providers.Permanent)
	r := newTestResolver(t, testConfig(), p1, s1, WithHistory(noHistory{}))
	for _, tc := range []struct {
		params Params
		want   float64
		from   string
	}{
		{Params{"keyword": "a"}, 1.0, "default:base"},
		{Params{"keyword": "a", "industry": "retail"}, 0.8, "default:segment"},
		{Params{"keyword": "a", "industry": "retail", "market": "uk"}, 0.7, "default:segment"},
		{Params{"keyword": "a", "industry": "auto", "market": "uk"}, 1.0, "default:base"},
	} {
		res, err := r.Resolve(context.Background(), "cpc", tc.params)
		require.NoError(t, err)
		assert.Equal(t, LayerDefault, res.Layer, "%v", tc.params)
		assert.Equal(t, tc.want, res.Value, "%v", tc.params)
		assert.Equal(t, tc.from, res.Source, "%v", tc.params)
		require.NotNil(t, res.Default)
		assert.Equal(t, tc.want, res.Default.Base)
		require.Len(t, res.Default.Adjustments, 2, "market and user factors")
		assert.Equal(t, Adjustment{Name: "market", Factor: 1, Guessed: true}, res.Default.Adjustments[0])
		// Base 0.3 or segment 0.4, less 0.1 for each of the two guessed
		// host factors.
		want := 0.3 * 0.8
		if res.Default.From == "segment" {
			want = 0.4 * 0.8
		}
		assert.InDelta(t, want, res.Confidence, 1e-9)
	}
}

func TestResolveNoLayerAnswers(t *testing.T) {
	cfg := testConfig()
	cfg.DataTypes[0].Default = nil
	p1, s1 := newStub(0), newStub(0)
	p1.fail(providers.Unavailable)
	s1.fail(providers.RateLimit)
	s1.set(func(context.Context, providers.Request) (providers.Response, error) {
		return providers.Response{}, &providers.Error{Class: providers.RateLimit, RetryAfter: time.Hour}
	})
	r := newTestResolver(t, cfg, p1, s1, WithHistory(noHistory{}))
	_, err := r.Resolve(context.Background(), "cpc", shoes)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrNoAnswer)
	assert.ErrorIs(t, err, providers.ErrUnavailable)
	assert.ErrorIs(t, err, providers.ErrRateLimit)
	var re *ResolveError
	require.ErrorAs(t, err, &re)
	assert.Len(t, re.Errs, 5) // primary, secondary, cache, statistical, default
	assert.EqualValues(t, 1, s1.calls.Load(), "a Retry-After beyond the deadline is not waited for")
}

func TestResolveBadProvidersFallThroughAndAreNeverCached(t *testing.T) {
	bad := map[string]func(context.Context, providers.Request) (providers.Response, error){
		"panic": func(context.Context, providers.Request) (providers.Response, error) { panic("boom") },
		"nan": func(context.Context, providers.Request) (providers.Response, error) {
			return providers.Response{Value: math.NaN()}, nil
		},
		"inf": func(context.Context, providers.Request) (providers.Response, error) {
			return providers.Response{Value: math.Inf(1)}, nil
		},
		"bounds": func(context.Context, providers.Request) (providers.Response, error) {
			return providers.Response{Value: 1e6}, nil
		},
		"negative": func(context.Context, providers.Request) (providers.Response, error) {
			return providers.Response{Value: -3}, nil
		},
		"hang": func(ctx context.Context, _ providers.Request) (providers.Response, error) {
			<-ctx.Done()
			return providers.Response{Value: 7}, nil // a value after the deadline must not count
		},
	}
	for name, f := range bad {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p1, s1 := newStub(0), newStub(1.1)
				p1.set(f)
				r := newTestResolver(t, testConfig(), p1, s1, WithHistory(noHistory{}))
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				start := time.Now()
				res, err := r.Resolve(ctx, "cpc", shoes)
				require.NoError(t, err)
				assert.Less(t, time.Since(start), time.Second, "answered inside the deadline")
				assert.Equal(t, LayerSecondary, res.Layer)
				assert.Equal(t, 1.1, res.Value)
				assert.Equal(t, Failed, res.Attempts[0].Outcome)
				if name != "hang" {
					assert.Equal(t, providers.DataQuality, res.Attempts[0].Class)
				}

				// Now every provider fails: the cache may only hold the
				// secondary's good value, never the bad one.
				s1.fail(providers.Unavailable)
				time.Sleep(2 * time.Minute) // past the TTL
				res, err = r.Resolve(context.Background(), "cpc", shoes)
				require.NoError(t, err)
				assert.Equal(t, LayerCache, res.Layer)
				assert.Equal(t, 1.1, res.Value)
			})
		})
	}
}

func TestResolveAlwaysBeforeDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1 := newStub(0), newStub(0)
		p1.hang()
		s1.hang()
		r := newTestResolver(t, testConfig(), p1, s1, WithHistory(noHistory{}))
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		res, err := r.Resolve(ctx, "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, LayerDefault, res.Layer)
		assert.Less(t, time.Since(start), 200*time.Millisecond)
	})
}

func TestResolveNoDeadlineGetsDefault(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1 := newStub(0), newStub(0)
		p1.hang()
		s1.hang()
		cfg := testConfig()
		cfg.Providers[0].Timeout = 10 * time.Second
		cfg.Providers[1].Timeout = 10 * time.Second
		r := newTestResolver(t, cfg, p1, s1, WithHistory(noHistory{}))
		start := time.Now()
		res, err := r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, LayerDefault, res.Layer)
		elapsed := time.Since(start)
		assert.Less(t, elapsed, DefaultDeadline)
		assert.GreaterOrEqual(t, elapsed, DefaultDeadline-DefaultReserve-time.Millisecond)
	})
}

func TestResolveCanceledContext(t *testing.T) {
	p1, s1 := newStub(1), newStub(1)
	r := newTestResolver(t, testConfig(), p1, s1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := r.Resolve(ctx, "cpc", shoes)
	assert.ErrorIs(t, err, context.Canceled)
	assert.EqualValues(t, 0, p1.calls.Load())
}

func TestResolveAfterClose(t *testing.T) {
	p1, s1 := newStub(1), newStub(1)
	r := newTestResolver(t, testConfig(), p1, s1)
	require.NoError(t, r.Close())
	_, err := r.Resolve(context.Background(), "cpc", shoes)
	assert.ErrorIs(t, err, ErrClosed)
	assert.NoError(t, r.Close(), "Close is idempotent")
}

// noHistory is a History that holds nothing, to keep layer 4 out of a test.
type noHistory struct{}

func (noHistory) Append(context.Context, string, stats.Observation) error { return nil }
func (noHistory) Observations(context.Context, string) ([]stats.Observation, error) {
	return nil, nil
}

func TestAbandonedAttemptIsStillRetried(t *testing.T) {
	// Without a bulkhead the retry is made while the abandoned call still
	// runs. With a bulkhead of one it is not: the abandoned call is still
	// in flight and holds its slot until the provider returns, so the
	// retry is skipped as busy and the secondary answers (max_concurrent
	// bounds the calls in flight; freeing the slot at the timeout let a
	// provider that ignores its context pile up calls without bound).
	for _, bulkhead := range []int{0, 1} {
		t.Run(fmt.Sprint("max_concurrent=", bulkhead), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { abandonedAndRetried(t, bulkhead) })
		})
	}
}

func abandonedAndRetried(t *testing.T, bulkhead int) {
	cfg := testConfig()
	cfg.Providers[0].MaxConcurrent = bulkhead
	p1 := newStub(0)
	var calls atomic.Int64
	p1.set(func(context.Context, providers.Request) (providers.Response, error) {
		if calls.Add(1) == 1 {
			time.Sleep(10 * time.Second) // ignores its context, once
		}
		return providers.Response{Value: 7}, nil
	})
	r := newTestResolver(t, cfg, p1, newStub(1.1))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	start := time.Now()
	res, err := r.Resolve(ctx, "cpc", shoes)
	require.NoError(t, err)
	first := res.Attempts[0]
	assert.Equal(t, Failed, first.Outcome)
	assert.Equal(t, providers.Transient, first.Class, "abandoned at its timeout")
	assert.Equal(t, 300*time.Millisecond, first.Latency)
	assert.ErrorContains(t, first.Err, "did not return after its context ended")
	assert.Less(t, time.Since(start), 400*time.Millisecond)
	if bulkhead == 1 {
		require.Len(t, res.Attempts, 3)
		assert.Equal(t, Skipped, res.Attempts[1].Outcome)
		assert.Equal(t, SkipBusy, res.Attempts[1].Skip, "the abandoned call still holds the only slot")
		assert.Equal(t, LayerSecondary, res.Layer)
		assert.Equal(t, 1.1, res.Value)
	} else {
		assert.Equal(t, LayerPrimary, res.Layer, "the retry, made while the first call still sleeps, answers")
		assert.Equal(t, 7.0, res.Value)
		require.Len(t, res.Attempts, 2)
		assert.Equal(t, Succeeded, res.Attempts[1].Outcome)
		assert.Equal(t, 1, res.Attempts[1].Retry)
	}

	err = r.Close()
	var ce *CloseError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, []string{"provider p1"}, ce.Abandoned, "the first call is still asleep")
	time.Sleep(10 * time.Second)
}

func TestProviderIgnoringItsContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		p1, s1 := newStub(0), newStub(1.1)
		p1.set(func(context.Context, providers.Request) (providers.Response, error) {
			time.Sleep(10 * time.Second) // ignores its context
			return providers.Response{Value: 7}, nil
		})
		r := newTestResolver(t, cfg, p1, s1)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		res, err := r.Resolve(ctx, "cpc", shoes)
		require.NoError(t, err)
		assert.Less(t, time.Since(start), time.Second, "the abandoned call does not hold the resolve")
		assert.Equal(t, LayerSecondary, res.Layer)
		assert.Equal(t, providers.Transient, res.Attempts[0].Class, "abandoned at its timeout")
		closing := time.Now()
		err = r.Close()
		assert.Equal(t, time.Second, time.Since(closing), "Close waits its bound, no more")
		var ce *CloseError
		require.ErrorAs(t, err, &ce)
		assert.ErrorIs(t, err, ErrClosed)
		calls := 0
		for _, a := range res.Attempts {
			if a.Provider == "p1" && a.Outcome == Failed {
				calls++
			}
		}
		assert.Equal(t, []string{fmt.Sprintf("provider p1 (%d)", calls)}, ce.Abandoned, "every p1 call is still asleep")
		time.Sleep(10 * time.Second) // the abandoned calls end on their own
	})
}

// Close called again while the first Close is still closing waits for it
// to finish: a host whose shutdown closes the resolver from two places
// (a signal handler and a deferred Close) must not go on, from the second,
// as if the resolver had stopped while its goroutines still run. Before,
// the second call returned nil at once, a second into the first's wait.
func TestCloseAgainWaitsForTheFirstClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1 := newStub(0), newStub(1.1)
		p1.set(func(context.Context, providers.Request) (providers.Response, error) {
			time.Sleep(10 * time.Second) // ignores its context
			return providers.Response{Value: 7}, nil
		})
		r := newTestResolver(t, testConfig(), p1, s1)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := r.Resolve(ctx, "cpc", shoes)
		require.NoError(t, err)
		first := make(chan error, 1)
		go func() { first <- r.Close() }()
		time.Sleep(100 * time.Millisecond)
		closing := time.Now()
		require.NoError(t, r.Close(), "a later call returns nil")
		assert.Equal(t, 900*time.Millisecond, time.Since(closing), "…once the first has waited its bound")
		// The first Close may have returned without its goroutine having
		// sent yet; one still closing stays blocked through Wait.
		synctest.Wait()
		select {
		case err := <-first:
			var ce *CloseError
			assert.ErrorAs(t, err, &ce, "the first reports the call it gave up on")
		default:
			t.Error("the second Close returned while the first was still closing")
			<-first
		}
		require.NoError(t, r.Close(), "and returns nil at once after it")
		time.Sleep(10 * time.Second) // the abandoned calls end on their own
	})
}

// A later Close made from inside a callback the first Close waits for (a
// provider's Fetch that closes the resolver once its context ends) waits
// for the first, which gives up on that callback after CloseTimeout and
// names it: bounded, not a deadlock, as Close's doc says.
func TestCloseAgainFromInsideACallbackIsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1 := newStub(0), newStub(1.1)
		var r *Resolver
		entered := make(chan struct{})
		inner := make(chan error, 1)
		p1.set(func(ctx context.Context, _ providers.Request) (providers.Response, error) {
			close(entered)
			<-ctx.Done()
			inner <- r.Close()
			return providers.Response{}, ctx.Err()
		})
		r = newTestResolver(t, testConfig(), p1, s1)
		go func() { _, _ = r.Resolve(context.Background(), "cpc", shoes) }()
		<-entered
		start := time.Now()
		err := r.Close()
		assert.Equal(t, time.Second, time.Since(start), "the first waits out CloseTimeout for the callback")
		var ce *CloseError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, []string{"provider p1"}, ce.Abandoned)
		assert.NoError(t, <-inner, "the later call returns nil once the first has returned")
	})
}

// A coalesced walk is detached from its first caller's cancellation, for
// the others' sake; when every caller has left, it stops: no retry,
// hedge or later tier is started, and paid for, for nobody. While another
// caller still waits, it goes on.
func TestAWalkNobodyWaitsForStops(t *testing.T) {
	for _, follower := range []bool{false, true} {
		t.Run(fmt.Sprintf("follower=%v", follower), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p1, s1 := newStub(1), newStub(2)
				p1.set(func(ctx context.Context, _ providers.Request) (providers.Response, error) {
					select {
					case <-time.After(30 * time.Millisecond):
						return providers.Response{}, providers.Errorf(providers.Transient, "flaky")
					case <-ctx.Done():
						return providers.Response{}, ctx.Err()
					}
				})
				r := newTestResolver(t, testConfig(), p1, s1, WithHistory(noHistory{}))
				b := NewBudget(1)
				ctx, cancel := context.WithCancel(WithBudgetOf(context.Background(), b))
				done := make(chan error, 1)
				go func() {
					_, err := r.Resolve(ctx, "cpc", shoes)
					done <- err
				}()
				var got chan Result
				if follower {
					got = make(chan Result, 1)
					time.Sleep(5 * time.Millisecond)
					go func() {
						res, err := r.Resolve(context.Background(), "cpc", shoes)
						assert.NoError(t, err)
						got <- res
					}()
				}
				time.Sleep(15 * time.Millisecond)
				cancel()
				assert.ErrorIs(t, <-done, context.Canceled)
				time.Sleep(5 * time.Second)
				synctest.Wait()
				if follower {
					res := <-got
					assert.Equal(t, 2.0, res.Value, "the walk went on for the follower, to s1")
					assert.True(t, res.Shared)
					assert.Equal(t, int64(1), s1.calls.Load())
					return
				}
				assert.Equal(t, int64(1), p1.calls.Load(), "no retry after everyone left")
				assert.Zero(t, s1.calls.Load(), "no later tier after everyone left")
				assert.InDelta(t, 0.02, b.Spent(), 1e-12, "the one call made before the caller left")
			})
		})
	}
}

// max_concurrent bounds the calls in flight, abandoned ones included: a
// provider that hangs ignoring its context keeps its slots until it
// returns, and the resolves meanwhile skip it as busy (the slot was freed
// at the timeout, and 39 calls piled up inside a bulkhead of 2).
func TestBulkheadBoundsCallsInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Providers[0].MaxConcurrent = 2
		cfg.Providers[0].Timeout = 20 * time.Millisecond
		cfg.Retry.MaxAttempts = 1
		cfg.Breaker.ConsecutiveFailures = 1000
		cfg.Resolve.CloseTimeout = 10 * time.Millisecond
		release := make(chan struct{})
		var inFlight, peak atomic.Int64
		p1 := newStub(0)
		p1.set(func(context.Context, providers.Request) (providers.Response, error) {
			n := inFlight.Add(1)
			defer inFlight.Add(-1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			<-release // ignores its context
			return providers.Response{}, providers.Errorf(providers.Transient, "late")
		})
		r := newTestResolver(t, cfg, p1, newStub(1.2))
		busy := 0
		for i := range 40 {
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			res, err := r.Resolve(ctx, "cpc", Params{"keyword": fmt.Sprint("k", i)})
			cancel()
			require.NoError(t, err)
			assert.Equal(t, 1.2, res.Value)
			if a := attemptsByProvider(res.Attempts)["p1"]; a.Outcome == Skipped && a.Skip == SkipBusy {
				busy++
			}
		}
		assert.EqualValues(t, 2, peak.Load(), "two calls in flight at most")
		assert.Equal(t, 38, busy, "the others skip the provider as busy")
		close(release)
		synctest.Wait()
		assert.Zero(t, inFlight.Load())
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "after"})
		require.NoError(t, err)
		assert.Equal(t, Failed, attemptsByProvider(res.Attempts)["p1"].Outcome, "called again once its calls returned")
	})
}

// A cancelled ctx ends a resolve that would call or wait, with an error
// wrapping context.Canceled; a fresh answer in the in-process cache is
// returned at once all the same (the doc says so).
func TestACancelledContext(t *testing.T) {
	r := newTestResolver(t, testConfig(), newStub(1.3), newStub(1.2))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := r.Resolve(ctx, "cpc", shoes)
	require.ErrorIs(t, err, context.Canceled)
	_, err = r.Resolve(context.Background(), "cpc", shoes)
	require.NoError(t, err)
	res, err := r.Resolve(ctx, "cpc", shoes)
	require.NoError(t, err)
	assert.Equal(t, LayerCache, res.Layer)
	assert.Equal(t, 1.3, res.Value)
}

// A cancelled resolve still reports what it spent: its Result had no
// Cost and no Attempts though its provider call was paid, so neither a
// sum of Result.Cost nor a cancelled Warm's report agreed with
// Snapshot.Overall.Cost. With coalescing on and off.
func TestACancelledResolveReportsItsCost(t *testing.T) {
	for _, coalescing := range []bool{true, false} {
		t.Run(fmt.Sprint("coalescing=", coalescing), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cfg := testConfig()
				cfg.Resolve.DisableCoalescing = !coalescing
				p1 := newStub(1)
				p1.hang()
				r := newTestResolver(t, cfg, p1, newStub(2))
				ctx, cancel := context.WithCancel(context.Background())
				time.AfterFunc(20*time.Millisecond, cancel)
				res, err := r.Resolve(ctx, "cpc", shoes)
				require.ErrorIs(t, err, context.Canceled)
				assert.InDelta(t, 0.02, res.Cost, 1e-12)
				require.Len(t, res.Attempts, 1)
				assert.Equal(t, "p1", res.Attempts[0].Provider)

				ctx, cancel = context.WithCancel(context.Background())
				time.AfterFunc(20*time.Millisecond, cancel)
				rep, err := r.Warm(ctx, []WarmKey{{DataType: "cpc", Params: Params{"keyword": "boots"}}})
				require.ErrorIs(t, err, context.Canceled)
				assert.Equal(t, 1, rep.Failed)
				assert.InDelta(t, 0.02, rep.Cost, 1e-12, "what the warming spent")
				time.Sleep(time.Second)
				assert.InDelta(t, res.Cost+rep.Cost, r.Snapshot().Overall.Cost, 1e-12)
			})
		})
	}
}

// lateTimer is a context whose deadline has passed but whose timer has
// not fired: what a loaded host, or a deadline of microseconds, hands a
// resolve.
type lateTimer struct {
	context.Context
	deadline time.Time
}

func (c lateTimer) Deadline() (time.Time, bool) { return c.deadline, true }

// No answer is served after the deadline: a resolve called past it, its
// timer not fired yet, or given a deadline of a microsecond — shorter
// than any miss's own work — ends with an error wrapping
// context.DeadlineExceeded and no value; it served
// the default, late, with no error. A fresh answer in the in-process
// cache is returned all the same (the doc says so).
func TestNoAnswerAfterTheDeadline(t *testing.T) {
	p1, s1 := newStub(1.3), newStub(1.2)
	r := newTestResolver(t, testConfig(), p1, s1)
	past := lateTimer{context.Background(), time.Now().Add(-time.Millisecond)}
	res, err := r.Resolve(past, "cpc", shoes)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, Result{}, res)
	assert.Zero(t, p1.calls.Load()+s1.calls.Load(), "no provider was called")
	for i := range 5 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Microsecond)
		res, err := r.Resolve(ctx, "cpc", Params{"keyword": fmt.Sprint("tiny", i)})
		cancel()
		require.ErrorIs(t, err, context.DeadlineExceeded, "a microsecond's resolve %d", i)
		assert.Zero(t, res.Value)
		assert.Zero(t, res.Layer)
	}

	_, err = r.Resolve(context.Background(), "cpc", shoes)
	require.NoError(t, err)
	res, err = r.Resolve(past, "cpc", shoes)
	require.NoError(t, err)
	assert.Equal(t, LayerCache, res.Layer)
	assert.Equal(t, 1.3, res.Value)
}

// cancellingHistory cancels its resolve's context when read, as a caller
// giving up while the local layers work.
type cancellingHistory struct {
	noHistory
	cancel context.CancelFunc
}

func (h cancellingHistory) Observations(context.Context, string) ([]stats.Observation, error) {
	h.cancel()
	return nil, nil
}

// A caller that cancels while the local layers work gets
// context.Canceled, not told that its deadline passed: it has not. The
// error said "no answer before the deadline: context canceled".
func TestACancelAfterTheWalkIsNotToldAsTheDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1 := newStub(1.3), newStub(1.2)
		p1.fail(providers.Unavailable)
		s1.fail(providers.Unavailable)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		r := newTestResolver(t, testConfig(), p1, s1, WithHistory(cancellingHistory{cancel: cancel}))
		res, err := r.Resolve(ctx, "cpc", shoes)
		require.ErrorIs(t, err, context.Canceled)
		assert.NotErrorIs(t, err, context.DeadlineExceeded)
		assert.NotContains(t, err.Error(), "deadline")
		assert.Zero(t, res.Value)
		assert.Equal(t, 2, len(res.Attempts), "the attempts made are reported")
	})
}
