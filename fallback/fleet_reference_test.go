package fallback

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/breaker"
	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/stats"
)

// The fleet's history as a reference, refused credentials and a slow
// shared limiter (helper-38's review of the fleet fixes).

// seedShared appends vals, one a day, the last a day ago.
func seedShared(t *testing.T, h stats.History, key string, vals ...float64) {
	now := time.Now()
	for i, v := range vals {
		require.NoError(t, h.Append(context.Background(), key, stats.Observation{At: now.Add(time.Duration(i-len(vals)) * 24 * time.Hour), Value: v}))
	}
}

// Two points in the shared history, the newest a ×10 unit error: the
// reference is an observation's value (of an even count, the median
// without the newest), not their mean (8.25, against which the ×10 entry
// another instance shared would pass and the truth would not).
func TestTwoPointsMakeNoMeanReference(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		shared, store := newMemShared(), newMemStore()
		r := newTestResolver(t, testConfig(), newStub(1.5), newStub(1.5), WithSharedHistory(shared), WithStore(store))
		key := shoesKey(t)
		seedShared(t, shared, key, 1.5, 15)
		now := time.Now()
		require.NoError(t, store.Set(context.Background(), key, cache.Entry{Value: 15, Source: "p1", Confidence: 0.95, ObservedAt: now, StoredAt: now, Layer: 1}, time.Hour))
		res, err := r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, 1.5, res.Value, "layer %v source %s", res.Layer, res.Source)
	})
}

// The same history, no shared entry: the provider's truth is plausible.
func TestTwoPointsDoNotDoubtTheTruth(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		shared := newMemShared()
		s1 := newStub(1.5)
		s1.fail(providers.Transient)
		r := newTestResolver(t, testConfig(), newStub(1.5), s1, WithSharedHistory(shared))
		key := shoesKey(t)
		seedShared(t, shared, key, 1.5, 15)
		res, err := r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		assert.False(t, res.Implausible, "the truth flagged implausible: %+v", res)
	})
}

// slowShared is a shared history whose reads take d.
type slowShared struct {
	*memShared
	d time.Duration
}

func (h slowShared) Observations(ctx context.Context, key string) ([]stats.Observation, error) {
	select {
	case <-time.After(h.d):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return h.memShared.Observations(ctx, key)
}

// A shared history answering in 30 ms, within the 50 ms store timeout,
// is read in full to judge a shared entry (its bound is its own, not half
// of what the store's Get left): the ×10 entry is refused.
func TestTheHistoryReferenceHasItsOwnBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		shared := slowShared{newMemShared(), 30 * time.Millisecond}
		store := newMemStore()
		r := newTestResolver(t, testConfig(), newStub(1.5), newStub(1.5), WithSharedHistory(shared), WithStore(store))
		key := shoesKey(t)
		seedShared(t, shared.memShared, key, 1.5, 1.5, 1.5, 1.5, 1.5)
		now := time.Now()
		require.NoError(t, store.Set(context.Background(), key, cache.Entry{Value: 15, Source: "p1", Confidence: 0.95, ObservedAt: now, StoredAt: now, Layer: 1}, time.Hour))
		start := time.Now()
		res, err := r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		assert.Less(t, time.Since(start), DefaultDeadline)
		assert.Equal(t, 1.5, res.Value, "layer %v source %s", res.Layer, res.Source)
	})
}

// A's credential is refused once, then a call fails (one Transient): the
// breaker (2 consecutive failures) opens on a run a refused credential
// started, and the opening is not told — B keeps calling p1.
func TestARunStartedByARefusedCredentialIsNotTold(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		bus := newMemBus()
		cfg := fleetConfig()
		ap1, as1 := newStub(1.25), newStub(1.1)
		a := newTestResolver(t, cfg, ap1, as1, WithHealthBus(bus), WithHistory(noHistory{}))
		bp1, bs1 := newStub(1.25), newStub(1.1)
		b := newTestResolver(t, cfg, bp1, bs1, WithHealthBus(bus), WithHistory(noHistory{}))
		synctest.Wait()

		ap1.fail(providers.Auth)
		_, err := a.Resolve(context.Background(), "cpc", Params{"keyword": "k0"})
		require.NoError(t, err)
		ap1.fail(providers.Transient)
		_, err = a.Resolve(context.Background(), "cpc", Params{"keyword": "k1"})
		require.NoError(t, err)
		synctest.Wait()
		require.Equal(t, breaker.Open, a.byName["p1"].breaker.Snapshot().State)
		assert.Empty(t, told(bus))
		res, err := b.Resolve(context.Background(), "cpc", Params{"keyword": "boots"})
		require.NoError(t, err)
		assert.Equal(t, LayerPrimary, res.Layer, "B held p1 on the strength of one Transient failure and one refused credential")
	})
}

// The fleet accepted a ×3.3 move and shares it; its history shows it once
// in five. A new instance refuses the shared answer against that history,
// but takes it as a second opinion: its provider's agreeing answer is
// accepted (one call), cached, not flagged.
func TestAMoveTheFleetAcceptedIsConfirmedByOneCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		shared, store := newMemShared(), newMemStore()
		p1, s1 := newStub(5), newStub(5)
		s1.fail(providers.Transient)
		r := newTestResolver(t, testConfig(), p1, s1, WithSharedHistory(shared), WithStore(store))
		key := shoesKey(t)
		seedShared(t, shared, key, 1.5, 1.5, 1.5, 1.5, 5)
		now := time.Now()
		require.NoError(t, store.Set(context.Background(), key, cache.Entry{Value: 5, Source: "p1", Confidence: 0.95, ObservedAt: now, StoredAt: now, Layer: 1}, time.Hour))
		for i := range 3 {
			res, err := r.Resolve(context.Background(), "cpc", shoes)
			require.NoError(t, err)
			assert.Equal(t, 5.0, res.Value)
			assert.False(t, res.Implausible, "resolve %d", i)
		}
		assert.Equal(t, int64(1), p1.calls.Load(), "one call confirms it")
	})
}

// Flush racing Close ends, one way or the other.
func TestFlushRacingCloseEnds(t *testing.T) {
	for i := range 50 {
		store := scanStore{memStore: newMemStore(), set: time.Millisecond}
		r, err := New(testConfig(), WithProvider("p1", newStub(1.25)), WithProvider("s1", newStub(1)), WithSeed(1), WithStore(store), WithHistory(noHistory{}))
		require.NoError(t, err)
		for j := range 20 {
			_, _ = r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint("k", j)})
		}
		done := make(chan error)
		go func() { done <- r.Flush(context.Background()) }()
		if i%2 == 0 {
			time.Sleep(time.Millisecond)
		}
		_ = r.Close()
		select {
		case err := <-done:
			if err != nil {
				assert.ErrorIs(t, err, ErrClosed)
			}
		case <-time.After(2 * time.Second):
			t.Fatal("Flush hung after Close")
		}
	}
}

type hangLimiter struct{}

func (hangLimiter) Allow(ctx context.Context, _ string, _ float64, _ int) (bool, error) {
	<-ctx.Done()
	return false, ctx.Err()
}

// A SharedLimiter that does not answer is waited for no longer than the
// attempt's share, and an attempt the gates left no time is skipped, not
// made and counted against p1: its breaker stays closed.
func TestAHangingLimiterCostsNoProviderItsBreaker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Providers[0].RateLimit = RateLimitConfig{PerSecond: 100, Burst: 100}
		p1 := newStub(1)
		p1.set(func(ctx context.Context, req providers.Request) (providers.Response, error) {
			select {
			case <-time.After(30 * time.Millisecond):
				return providers.Response{Value: 1}, nil
			case <-ctx.Done():
				return providers.Response{}, ctx.Err()
			}
		})
		r := newTestResolver(t, cfg, p1, newStub(1), WithSharedLimiter(hangLimiter{}), WithHistory(noHistory{}))
		for i := range 6 {
			ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
			res, err := r.Resolve(ctx, "cpc", Params{"keyword": fmt.Sprint("k", i)})
			cancel()
			require.NoError(t, err)
			assert.NotEqual(t, LayerDefault, res.Layer, "resolve %d: %+v", i, res.Attempts)
		}
		assert.Equal(t, breaker.Closed, r.byName["p1"].breaker.Snapshot().State)
	})
}

// Layer 3 (providers down): a stale ×10 shared entry is judged against
// the shared history with that read's own bound.
func TestAStaleSharedEntryIsJudgedWithTheHistorysOwnBound(t *testing.T) {
	for _, d := range []time.Duration{10 * time.Millisecond, 15 * time.Millisecond} {
		t.Run(d.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				shared := slowShared{newMemShared(), d}
				store := newMemStore()
				p1, s1 := newStub(1.5), newStub(1.5)
				p1.fail(providers.Transient)
				s1.fail(providers.Transient)
				r := newTestResolver(t, testConfig(), p1, s1, WithSharedHistory(shared), WithStore(store))
				key := shoesKey(t)
				seedShared(t, shared.memShared, key, 1.5, 1.5, 1.5, 1.5, 1.5)
				now := time.Now()
				old := now.Add(-2 * time.Minute) // past the 1m TTL, within the stale window
				require.NoError(t, store.Set(context.Background(), key, cache.Entry{Value: 15, Source: "p1", Confidence: 0.95, ObservedAt: old, StoredAt: old, Layer: 1}, time.Hour))
				res, err := r.Resolve(context.Background(), "cpc", shoes)
				require.NoError(t, err)
				assert.NotEqual(t, 15.0, res.Value, "layer %v source %s", res.Layer, res.Source)
			})
		})
	}
}
