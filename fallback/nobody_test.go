package fallback

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/stats"
)

// slowAnswer makes s answer v after d.
func slowAnswer(s *stub, v float64, d time.Duration) {
	s.set(func(context.Context, providers.Request) (providers.Response, error) {
		time.Sleep(d)
		return providers.Response{Value: v}, nil
	})
}

// TestAShortBudgetStillSharesAWalkInFlight: a resolve whose own budget
// could pay nobody joins the walk of its key already in flight, as any
// follower does; only when every breaker is open does a resolve skip the
// walk (see TestEveryBreakerOpenWalksNobody).
func TestAShortBudgetStillSharesAWalkInFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1 := newStub(0), newStub(0)
		slowAnswer(p1, 1.5, 100*time.Millisecond)
		r := newTestResolver(t, testConfig(), p1, s1, WithHistory(noHistory{}))
		var wg sync.WaitGroup
		var follow Result
		wg.Go(func() {
			_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "same"})
			assert.NoError(t, err)
		})
		wg.Go(func() {
			time.Sleep(10 * time.Millisecond)
			var err error
			follow, err = r.Resolve(WithBudget(context.Background(), 0.001), "cpc", Params{"keyword": "same"})
			assert.NoError(t, err)
		})
		wg.Wait()
		assert.Equal(t, "p1", follow.Source)
		assert.Equal(t, 1.5, follow.Value)
		assert.True(t, follow.Shared)
		assert.EqualValues(t, 1, p1.calls.Load())
	})
}

// TestAWalkThatTookTheLastTokenIsShared: a resolve arriving while the
// walk of its key holds the providers' last quota tokens shares its
// answer instead of giving up on the providers.
func TestAWalkThatTookTheLastTokenIsShared(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Providers[0].RateLimit = RateLimitConfig{PerSecond: 0.001, Burst: 2}
		cfg.Providers[1].RateLimit = RateLimitConfig{PerSecond: 0.001, Burst: 1}
		p1, s1 := newStub(0), newStub(2)
		p1.fail(providers.Unavailable)
		r := newTestResolver(t, cfg, p1, s1, WithHistory(noHistory{}))
		_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "other"})
		require.NoError(t, err)
		require.EqualValues(t, 1, s1.calls.Load(), "s1's only token spent, p1 has one left")

		slowAnswer(p1, 1.5, 100*time.Millisecond)
		res := make([]Result, 2)
		var wg sync.WaitGroup
		for i := range res {
			wg.Go(func() {
				time.Sleep(time.Duration(i) * 10 * time.Millisecond)
				var err error
				res[i], err = r.Resolve(context.Background(), "cpc", Params{"keyword": "same"})
				assert.NoError(t, err)
			})
		}
		wg.Wait()
		for i := range res {
			assert.Equal(t, "p1", res[i].Source, "resolve %d", i)
		}
		assert.True(t, res[1].Shared)
	})
}

// slowStore is a shared Store whose Get takes d and finds nothing.
type slowStore struct{ d time.Duration }

func (s slowStore) Get(ctx context.Context, _ string) (cache.Entry, bool, error) {
	select {
	case <-time.After(s.d):
	case <-ctx.Done():
	}
	return cache.Entry{}, false, nil
}
func (slowStore) Set(context.Context, string, cache.Entry, time.Duration) error { return nil }
func (slowStore) Delete(context.Context, string) (bool, error)                  { return false, nil }

// TestAQuotaRefilledDuringTheResolveIsUsed: the providers are read when
// the walk starts, not when the resolve did — a token that refilled while
// the shared store was read is used.
func TestAQuotaRefilledDuringTheResolveIsUsed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Providers[0].RateLimit = RateLimitConfig{PerSecond: 20, Burst: 1}
		cfg.Providers[1].RateLimit = RateLimitConfig{PerSecond: 20, Burst: 1}
		cfg.Cache.StoreTimeout = 100 * time.Millisecond
		p1, s1 := newStub(0), newStub(2)
		p1.fail(providers.Unavailable)
		r := newTestResolver(t, cfg, p1, s1, WithHistory(noHistory{}), WithStore(slowStore{60 * time.Millisecond}))
		_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "other"})
		require.NoError(t, err)
		require.EqualValues(t, 1, s1.calls.Load())
		p1.answer(1.5)
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "same"})
		require.NoError(t, err)
		assert.Equal(t, "p1", res.Source)
		assert.Equal(t, 1.5, res.Value)
	})
}

// ownTimeoutHistory is a host History whose own (database) timeout fires.
type ownTimeoutHistory struct{ noHistory }

func (ownTimeoutHistory) Observations(context.Context, string) ([]stats.Observation, error) {
	return nil, fmt.Errorf("db: %w", context.DeadlineExceeded)
}

// TestAHistoryErrorIsNotACallbackFailure: a host History that returns an
// error — its own timeout's included — has failed the read, not hung or
// panicked: it is not counted as a callback failure.
func TestAHistoryErrorIsNotACallbackFailure(t *testing.T) {
	p1, s1 := newStub(0), newStub(0)
	p1.fail(providers.Unavailable)
	s1.fail(providers.Unavailable)
	r := newTestResolver(t, testConfig(), p1, s1, WithHistory(ownTimeoutHistory{}))
	res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "x"})
	require.NoError(t, err)
	assert.Equal(t, LayerDefault, res.Layer)
	assert.Zero(t, r.Snapshot().Overall.CallbackFailures)
}
