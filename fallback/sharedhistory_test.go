package fallback

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/stats"
)

// A history shared by a fleet, behind each resolver's own.

// Three instances answer the same key in the same period: each keeps the
// observation in its own history, the fleet records one.
func TestSharedHistoryOnePerPeriod(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		shared := newMemShared()
		var locals []*stats.MemoryHistory
		for i := range 3 {
			local, err := stats.NewMemoryHistory(stats.MemoryConfig{})
			require.NoError(t, err)
			locals = append(locals, local)
			r := newTestResolver(t, testConfig(), newStub(1.25+float64(i)), newStub(1), WithHistory(local), WithSharedHistory(shared))
			_, err = r.Resolve(context.Background(), "cpc", shoes)
			require.NoError(t, err)
			synctest.Wait()
		}
		key := shoesKey(t)
		for i, local := range locals {
			obs, err := local.Observations(context.Background(), key)
			require.NoError(t, err)
			assert.Len(t, obs, 1, "instance %d keeps its own", i)
		}
		obs, err := shared.Observations(context.Background(), key)
		require.NoError(t, err)
		require.Len(t, obs, 1, "one per key and period for the fleet")
		assert.Equal(t, 1.25, obs[0].Value, "the first instance's")
		assert.Equal(t, 2, shared.refusals)
		// The bounds given are the daily period's.
		day := stats.Daily.Index(obs[0].At)
		for _, p := range shared.periods {
			assert.Equal(t, [2]time.Time{stats.Daily.Start(day), stats.Daily.Start(day + 1)}, p)
		}
	})
}

// preloadShared appends n daily observations of a gentle series, ending
// yesterday, under key.
func preloadShared(t *testing.T, h stats.History, key string, n int) {
	t.Helper()
	last := stats.Daily.Index(time.Now()) - 1
	for k := range n {
		at := stats.Daily.Start(last - int64(n-1-k)).Add(time.Hour)
		v := 2 + 0.01*float64(k) + 0.05*math.Sin(float64(k))
		require.NoError(t, h.Append(context.Background(), key, stats.Observation{At: at, Value: v}))
	}
}

// A new instance, with no history of its own, forecasts from the fleet's
// during an outage; an observation another instance dated in the future —
// its clock set wrong — is left out of the fleet's series, as of the
// process's own.
func TestSharedHistoryForecasts(t *testing.T) {
	for _, future := range []bool{false, true} {
		t.Run(fmt.Sprintf("future=%v", future), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				shared := newMemShared()
				preloadShared(t, shared, shoesKey(t), 40)
				if future {
					require.NoError(t, shared.Append(context.Background(), shoesKey(t), stats.Observation{At: time.Now().Add(1000 * 24 * time.Hour), Value: 90}))
				}
				p1, s1 := newStub(9), newStub(9)
				down(p1, s1)
				r := newTestResolver(t, testConfig(), p1, s1, WithSharedHistory(shared))
				res, err := r.Resolve(context.Background(), "cpc", shoes)
				require.NoError(t, err)
				assert.Equal(t, LayerStatistical, res.Layer, "%+v", res)
				assert.InDelta(t, 2.4, res.Value, 0.3)
			})
		})
	}
}

// sliceHistory answers Observations with its own slice, as a host's
// history may: nothing in stats.History forbids it.
type sliceHistory struct{ obs []stats.Observation }

func (h *sliceHistory) Append(context.Context, string, stats.Observation) error { return nil }
func (h *sliceHistory) Observations(context.Context, string) ([]stats.Observation, error) {
	return h.obs, nil
}

// The fleet's series is read, never changed in place, and observations
// outside the data type's bounds (another version of the fleet writing
// another unit) are left out with the future ones.
func TestSharedHistoryIsReadOnlyAndBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mem := newMemShared()
		preloadShared(t, mem, shoesKey(t), 40)
		good, err := mem.Observations(context.Background(), shoesKey(t))
		require.NoError(t, err)
		hostile := slices.Clone(good)
		hostile[10] = stats.Observation{At: time.Now().Add(1000 * 24 * time.Hour), Value: 2}
		hostile[20].Value = 5000 // bounds 0–100
		hostile[30].Value = 240
		shared := &sliceHistory{obs: hostile}
		before := slices.Clone(hostile)

		p1, s1 := newStub(9), newStub(9)
		down(p1, s1)
		r := newTestResolver(t, testConfig(), p1, s1, WithSharedHistory(shared))
		res, err := r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, LayerStatistical, res.Layer, "%+v", res)
		assert.InDelta(t, 2.4, res.Value, 0.3, "from the observations within the bounds")
		assert.Equal(t, before, shared.obs, "the host's slice is left as it was")
	})
}

// The shared history failing, or knowing less, costs no forecast the
// process could make alone.
func TestSharedHistoryFailsOver(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, h *memShared)
	}{
		{"down", func(_ *testing.T, h *memShared) { h.down = true }},
		{"knows less", func(t *testing.T, h *memShared) { preloadShared(t, h, shoesKey(t), 3) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				shared := newMemShared()
				tc.setup(t, shared)
				local, err := stats.NewMemoryHistory(stats.MemoryConfig{})
				require.NoError(t, err)
				preloadShared(t, local, shoesKey(t), 40)
				p1, s1 := newStub(9), newStub(9)
				down(p1, s1)
				r := newTestResolver(t, testConfig(), p1, s1, WithHistory(local), WithSharedHistory(shared))
				res, err := r.Resolve(context.Background(), "cpc", shoes)
				require.NoError(t, err)
				assert.Equal(t, LayerStatistical, res.Layer, "from its own history: %+v", res)
				assert.InDelta(t, 2.4, res.Value, 0.3)
			})
		})
	}
}

// A shared history that hangs is abandoned within the local bound: the
// resolve answers from its own history before its deadline.
func TestSharedHistoryHangs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		local, err := stats.NewMemoryHistory(stats.MemoryConfig{})
		require.NoError(t, err)
		preloadShared(t, local, shoesKey(t), 40)
		p1, s1 := newStub(9), newStub(9)
		down(p1, s1)
		r := newTestResolver(t, testConfig(), p1, s1, WithHistory(local), WithSharedHistory(hangingHistory{}))
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		start := time.Now()
		res, err := r.Resolve(ctx, "cpc", shoes)
		require.NoError(t, err)
		assert.Less(t, time.Since(start), time.Second)
		assert.Equal(t, LayerStatistical, res.Layer)
		assert.Positive(t, r.Snapshot().Overall.CallbackFailures, "the hang is reported")
		assert.Error(t, r.Close(), "the hanging call is abandoned")
		time.Sleep(time.Minute) // let it end, inside the bubble
	})
}

// Forget and Prune reach the shared history too.
func TestSharedHistoryForgetAndPrune(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		shared := newMemShared()
		cfg := testConfig()
		cfg.Retention = 10 * 24 * time.Hour
		r := newTestResolver(t, cfg, newStub(1.25), newStub(1), WithSharedHistory(shared))
		_, err := r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		_, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "boots"})
		require.NoError(t, err)
		synctest.Wait()
		// An old observation only the fleet has.
		require.NoError(t, shared.Append(context.Background(), shoesKey(t), stats.Observation{At: time.Now().Add(-30 * 24 * time.Hour), Value: 1}))

		rep, err := r.Prune(context.Background())
		require.NoError(t, err)
		assert.Equal(t, 1, rep.History, "the fleet's old observation")

		frep, err := r.Forget(context.Background(), "keyword", "shoes")
		require.NoError(t, err)
		assert.Equal(t, 1, frep.History, "one key, in both histories")
		obs, err := shared.Observations(context.Background(), shoesKey(t))
		require.NoError(t, err)
		assert.Empty(t, obs, "gone from the shared history")
		keys, err := shared.Keys(context.Background())
		require.NoError(t, err)
		assert.Len(t, keys, 1, "boots stays")
	})
}

// What Forget deletes is not written back: writes to the shared tier and
// the shared history still queued when it is called (the resolves just
// returned) are dropped, and one under way is waited for.
func TestForgetDropsQueuedSharedWrites(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := scanStore{memStore: newMemStore(), set: 10 * time.Millisecond}
		shared := newMemShared()
		r := newTestResolver(t, testConfig(), newStub(1.25), newStub(1), WithStore(store), WithSharedHistory(shared))
		const people = 10
		for i := range people {
			_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint("person", i)})
			require.NoError(t, err)
		}
		for i := range people {
			_, err := r.Forget(context.Background(), "keyword", fmt.Sprint("person", i))
			require.NoError(t, err)
		}
		time.Sleep(time.Second) // the writer has long emptied its queue
		store.mu.Lock()
		left := len(store.entries)
		store.mu.Unlock()
		assert.Zero(t, left, "entries written back to the shared tier")
		keys, err := shared.Keys(context.Background())
		require.NoError(t, err)
		assert.Empty(t, keys, "series written back to the shared history")
	})
}

// A new instance judges what the fleet hands it by the fleet's history:
// a ×10 entry another instance put in the shared tier is refused, and the
// provider's true answer is served; one bad newest observation in the
// shared history does not become the reference (the median of the newest
// five does).
func TestANewInstanceJudgesByTheFleetsHistory(t *testing.T) {
	for _, tc := range []struct {
		name      string
		badEntry  bool // the shared tier holds 15
		badNewest bool // the shared history's newest point is 15
	}{{"bad shared entry", true, false}, {"bad newest observation", false, true}} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				shared := newMemShared()
				store := newMemStore()
				r := newTestResolver(t, testConfig(), newStub(1.5), newStub(1.5), WithSharedHistory(shared), WithStore(store))
				key := shoesKey(t)
				now := time.Now()
				for i := range 30 {
					v := 1.5
					if tc.badNewest && i == 29 {
						v = 15
					}
					require.NoError(t, shared.Append(context.Background(), key, stats.Observation{At: now.Add(time.Duration(i-30) * 24 * time.Hour), Value: v}))
				}
				if tc.badEntry {
					require.NoError(t, store.Set(context.Background(), key, cache.Entry{Value: 15, Source: "p1", Confidence: 0.95, ObservedAt: now, StoredAt: now, Layer: 1}, time.Hour))
				}
				for range 3 {
					res, err := r.Resolve(context.Background(), "cpc", shoes)
					require.NoError(t, err)
					assert.Equal(t, 1.5, res.Value, "%+v", res)
				}
			})
		})
	}
}
