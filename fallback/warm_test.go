package fallback

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every key of a Warm has its EventWarm, the keys ctx ended before they
// were started too (Outcome Skipped, Err ctx's error), so that an
// observer's Done reaches Total: the skipped keys had none, and a
// progress bar stopped short.
func TestWarmReportsSkippedKeys(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		obs, r, keys, rep := warmCancelled(t, cfg, 5)
		require.Positive(t, rep.Skipped)
		flushEvents(r)
		evs, _ := obs.of(EventWarm)
		started := len(keys) - rep.Skipped
		require.Len(t, evs, started+1, "one EventWarm per key started, one for the keys skipped")
		for i, e := range evs {
			assert.Equal(t, len(keys), e.Total)
			assert.Equal(t, "cpc", e.DataType, "the skipped keys' one data type")
			if i < started {
				assert.Equal(t, i+1, e.Done)
				assert.NotEqual(t, Skipped, e.Outcome)
				continue
			}
			assert.Equal(t, Skipped, e.Outcome)
			assert.Equal(t, len(keys), e.Done, "Done reaches Total")
			assert.ErrorIs(t, e.Err, context.Canceled)
			assert.Zero(t, e.Layer)
		}
	})
}

// A Warm of more keys than the observer's queue holds, ended early, still
// ends with Done equal to Total: the skipped keys are one event, not a
// burst that overflows the queue.
func TestWarmOfManyKeysEndedEarlyReachesTotal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Resolve.ObserverQueue = 16
		obs, r, keys, rep := warmCancelled(t, cfg, 1000)
		require.Greater(t, rep.Skipped, 16)
		flushEvents(r)
		evs, _ := obs.of(EventWarm)
		require.NotEmpty(t, evs)
		last := evs[len(evs)-1]
		assert.Equal(t, len(keys), last.Done)
		assert.Equal(t, Skipped, last.Outcome)
		assert.Zero(t, r.Snapshot().Overall.EventsDropped, "nothing dropped")
	})
}

// warmCancelled warms n keys one at a time on cfg, every provider hanging,
// and cancels the Warm after 50 ms: it returns the observer, the resolver,
// the keys and the report.
func warmCancelled(t *testing.T, cfg Config, n int) (*recorder, *Resolver, []WarmKey, WarmReport) {
	t.Helper()
	obs := &recorder{}
	p1, s1 := newStub(1), newStub(2)
	p1.hang()
	s1.hang()
	cfg.Cache.WarmConcurrency = 1
	r := newTestResolver(t, cfg, p1, s1, WithObserver(obs))
	keys := make([]WarmKey, n)
	for i := range keys {
		keys[i] = WarmKey{DataType: "cpc", Params: Params{"keyword": fmt.Sprint("k", i)}}
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	rep, err := r.Warm(ctx, keys)
	assert.ErrorIs(t, err, context.Canceled)
	return obs, r, keys, rep
}

// A Warm's Cost is what its budget says it spent, exactly: it was a sum
// of floats, 0.1 ten times 0.9999999999999999 where the budget, which
// counts in nano-units, says 1.
func TestWarmCostIsWhatTheBudgetSpent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Providers[0].Cost = 0.1
		cfg.Plausibility.AuditRate = -1 // no sampled second opinion
		r := newTestResolver(t, cfg, newStub(1), newStub(1))
		keys := make([]WarmKey, 10)
		for i := range keys {
			keys[i] = WarmKey{DataType: "cpc", Params: Params{"keyword": fmt.Sprint("k", i)}}
		}
		ctx := WithBudget(context.Background(), 5)
		rep, err := r.Warm(ctx, keys)
		require.NoError(t, err)
		require.Equal(t, 10, rep.Layers[LayerPrimary])
		assert.Equal(t, 1.0, BudgetFrom(ctx).Spent())
		assert.Equal(t, BudgetFrom(ctx).Spent(), rep.Cost)
	})
}
