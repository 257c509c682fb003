package fallback

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/fake"
	"github.com/strata-go/strata/router"
)

// twoPrimaries declares p1 and p2 as primaries of cpc, p1 first.
func twoPrimaries() Config {
	cfg := testConfig()
	cfg.Providers = append(cfg.Providers, ProviderConfig{Name: "p2", Tier: Primary, Confidence: 0.95, Cost: 0.02, DataTypes: []string{"cpc"}, Timeout: 300 * time.Millisecond, ExpectedLatency: 20 * time.Millisecond})
	cfg.Router.Window = 20
	return cfg
}

func TestRouterMovesTrafficOnGarbageAndBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, err := fake.New(fake.Config{Value: 1, Latency: fake.Latency{Median: 10 * time.Millisecond}})
		require.NoError(t, err)
		p2, err := fake.New(fake.Config{Value: 1, Latency: fake.Latency{Median: 10 * time.Millisecond}})
		require.NoError(t, err)
		r := newTestResolver(t, twoPrimaries(), p1, newStub(9), WithProvider("p2", p2))
		resolve := func(i int) Result {
			res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": fmt.Sprint("k", i)})
			require.NoError(t, err)
			return res
		}
		// first is the provider the router tried first (skips aside).
		first := func(res Result) string {
			for _, a := range res.Attempts {
				if a.Outcome != Skipped {
					return a.Provider
				}
			}
			return ""
		}
		for i := range 5 {
			assert.Equal(t, "p1", resolve(i).Source, "ties go to the configured order")
		}
		p1.SetGarbage(fake.NaN)
		moved := -1
		for i := 5; i < 15; i++ {
			if res := resolve(i); res.Source == "p2" && first(res) == "p2" {
				moved = i - 5
				break
			}
		}
		require.GreaterOrEqual(t, moved, 0, "traffic moved to p2")
		assert.LessOrEqual(t, moved, 2, "within a couple of resolves")
		for i := 20; i < 30; i++ {
			assert.Equal(t, "p2", first(resolve(i)), "p1 stays behind while it is bad")
		}

		p1.SetUp()
		p2.SetDown(providers.Transient) // push traffic back through p1 so its window heals
		for i := 30; i < 60; i++ {
			resolve(i)
		}
		p2.SetUp()
		back := -1
		for i := 60; i < 120; i++ {
			if first(resolve(i)) == "p1" {
				back = i - 60
				break
			}
		}
		require.GreaterOrEqual(t, back, 0, "traffic came back to p1 after it recovered")
	})
}

func TestRouterPrefersCheaperAsBudgetDrains(t *testing.T) {
	cfg := twoPrimaries()
	cfg.Providers[2].Cost = 0.001 // p2 is much cheaper
	r := newTestResolver(t, cfg, newStub(1), newStub(9), WithProvider("p2", newStub(1)))
	rich := WithBudget(context.Background(), 100)
	res, err := r.Resolve(rich, "cpc", Params{"keyword": "a"})
	require.NoError(t, err)
	poor := WithBudget(context.Background(), 0.03)
	res2, err := r.Resolve(poor, "cpc", Params{"keyword": "b"})
	require.NoError(t, err)
	assert.Equal(t, "p2", res2.Source, "with little budget left the cheap provider wins")
	_ = res
}

func TestSnapshotSharesAndProjections(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p1, s1 := newStub(1), newStub(2)
		r := newTestResolver(t, testConfig(), p1, s1, WithHistory(noHistory{}))
		ctx := context.Background()
		// 4 primary answers, 4 fresh-cache hits of them, 2 secondary, 2 default.
		for i := range 4 {
			_, err := r.Resolve(ctx, "cpc", Params{"keyword": fmt.Sprint("p", i)})
			require.NoError(t, err)
			_, err = r.Resolve(ctx, "cpc", Params{"keyword": fmt.Sprint("p", i)})
			require.NoError(t, err)
		}
		p1.fail(providers.Permanent)
		for i := range 2 {
			_, err := r.Resolve(ctx, "cpc", Params{"keyword": fmt.Sprint("s", i)})
			require.NoError(t, err)
		}
		s1.fail(providers.Permanent)
		for i := range 2 {
			_, err := r.Resolve(ctx, "cpc", Params{"keyword": fmt.Sprint("d", i)})
			require.NoError(t, err)
		}
		time.Sleep(30 * time.Minute)
		snap := r.Snapshot()
		o := snap.Overall
		assert.EqualValues(t, 12, o.Resolves)
		assert.EqualValues(t, 12, o.Answered)
		// Cost: 4 × 0.02 (p1 ok) + 2 × (0.02 + 0.01) + 2 × (0.02 + 0.01) = 0.20
		assert.InDelta(t, 0.20, o.Cost, 1e-9)
		assert.InDelta(t, 0.40, o.CostPerHour, 1e-9, "over half an hour")
		assert.InDelta(t, 9.60, o.DailyProjection, 1e-9)
		assert.InDelta(t, 288.0, o.MonthlyProjection, 1e-9)
		assert.InDelta(t, 24, o.RequestsPerHour, 1e-9)
		assert.InDelta(t, 0.20/12, o.CostPerSuccess, 1e-9)
		l := snap.Layers
		assert.EqualValues(t, 12, l.Answered)
		assert.InDelta(t, 4.0/12, l.Primary, 1e-12)
		assert.InDelta(t, 4.0/12, l.Cache, 1e-12)
		assert.InDelta(t, 2.0/12, l.Secondary, 1e-12)
		assert.InDelta(t, 2.0/12, l.Default, 1e-12)
		assert.Equal(t, l, snap.DataTypes["cpc"])
		require.Len(t, snap.Providers, 2)
		assert.Equal(t, "p1", snap.Providers[0].Name)
		assert.EqualValues(t, 4, snap.Providers[0].Requests, "Permanent failures are the caller's: not counted for health")
		// Its cost is every call's: 4 answers and 4 Permanent failures
		// (not counted for health, but paid), so the providers' costs add
		// up to the resolver's: 0.16 + 4 × 0.01 = 0.20.
		assert.InDelta(t, 0.16, snap.Providers[0].Cost, 1e-9)
		assert.InDelta(t, o.Cost, snap.Providers[0].Cost+snap.Providers[1].Cost, 1e-9)
		assert.Equal(t, 2, snap.Overall.ProvidersByStatus["HEALTHY"])

		b, err := json.Marshal(snap)
		require.NoError(t, err)
		var m map[string]any
		require.NoError(t, json.Unmarshal(b, &m))
		for _, k := range []string{"at", "since", "providers", "overall", "layers", "data_types"} {
			assert.Contains(t, m, k)
		}
		overall := m["overall"].(map[string]any)
		for _, k := range []string{"resolves", "requests_per_hour", "success_rate", "avg_latency_ms", "p95_latency_ms", "cost_per_hour", "daily_projection", "monthly_projection", "cost_per_success", "providers_by_status"} {
			assert.Contains(t, overall, k)
		}
		text := snap.String()
		assert.Contains(t, text, "PROVIDER")
		assert.Contains(t, text, "p1")
		assert.Contains(t, text, "$9.60/day")
	})
}

// The snapshot's latency times the resolves a fresh cache hit did not
// answer; hits are counted but not timed.
func TestSnapshotLatencyTimesMisses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		slow := providers.Func(func(ctx context.Context, req providers.Request) (providers.Response, error) {
			time.Sleep(10 * time.Millisecond)
			return providers.Response{Value: 1}, nil
		})
		r := newTestResolver(t, testConfig(), slow, newStub(2), WithHistory(noHistory{}))
		ctx := context.Background()
		for _, kw := range []string{"shoes", "boots"} {
			for range 50 {
				res, err := r.Resolve(ctx, "cpc", Params{"keyword": kw})
				require.NoError(t, err)
				assert.Equal(t, 1.0, res.Value)
			}
		}
		s := r.Snapshot()
		assert.EqualValues(t, 100, s.Overall.Resolves)
		assert.EqualValues(t, 98, s.DataTypes["cpc"].Cache*100, "98 hits")
		assert.InDelta(t, 10.0, s.Overall.AvgLatencyMs, 1e-6, "two 10 ms misses; the hits are not timed")
	})
}

// A config with more data types than the name scan serves looks them up
// in the map; unknown names are refused either way.
func TestManyDataTypesLookup(t *testing.T) {
	cfg := testConfig()
	base := cfg.DataTypes[0]
	var names []string
	for i := range 12 {
		dc := base
		dc.Name = fmt.Sprintf("type%02d", i)
		cfg.DataTypes = append(cfg.DataTypes, dc)
		names = append(names, dc.Name)
	}
	for i := range cfg.Providers {
		cfg.Providers[i].DataTypes = append(cfg.Providers[i].DataTypes, names...)
	}
	r := newTestResolver(t, cfg, newStub(1), newStub(2), WithHistory(noHistory{}))
	for _, name := range append(names, "cpc") {
		res, err := r.Resolve(context.Background(), name, Params{"keyword": "shoes"})
		require.NoError(t, err, name)
		assert.Equal(t, LayerPrimary, res.Layer, name)
		res, err = r.Resolve(context.Background(), name, Params{"keyword": "shoes"})
		require.NoError(t, err, name)
		assert.Equal(t, LayerCache, res.Layer, name)
	}
	_, err := r.Resolve(context.Background(), "type12", Params{"keyword": "shoes"})
	assert.ErrorIs(t, err, ErrUnknownDataType)
}

// A provider's reported quota changes while the walk is in its tier (another
// resolve's answer reports it). Every provider appears in the attempts
// once at most: one skipped at the tier's start is not called later, and
// one the router gives up on later is recorded as skipped.
func TestWalkQuotaChangesMidTier(t *testing.T) {
	for _, tc := range []struct {
		name          string
		start, during int64 // p2's remaining quota
		want          []Attempt
		source        string
	}{
		{"spent then refilled", 0, 50, []Attempt{
			{Provider: "p2", Outcome: Skipped, Skip: SkipRateLimited},
			{Provider: "p1", Outcome: Failed},
			{Provider: "s1", Outcome: Succeeded},
		}, "s1"},
		{"left then spent", 50, 0, []Attempt{
			{Provider: "p1", Outcome: Failed},
			{Provider: "p2", Outcome: Skipped, Skip: SkipRateLimited},
			{Provider: "s1", Outcome: Succeeded},
		}, "s1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := twoPrimaries()
			cfg.Retry.MaxAttempts = 1
			p1, p2 := newStub(1), newStub(2)
			r := newTestResolver(t, cfg, p1, newStub(9), WithProvider("p2", p2), WithHistory(noHistory{}))
			quota := func(left int64) router.Outcome {
				return router.Outcome{OK: true, Valid: true, Latency: time.Millisecond, Quota: &router.Quota{Limit: 100, Remaining: left, Reset: time.Now().Add(time.Hour)}}
			}
			recordOutcome(r, "p2", "cpc", quota(tc.start))
			p1.set(func(context.Context, providers.Request) (providers.Response, error) {
				recordOutcome(r, "p2", "cpc", quota(tc.during))
				return providers.Response{}, providers.Errorf(providers.Unavailable, "down")
			})
			res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "x"})
			require.NoError(t, err)
			assert.Equal(t, tc.source, res.Source)
			assert.Zero(t, p2.calls.Load(), "p2 is never called")
			require.Len(t, res.Attempts, len(tc.want))
			for i, want := range tc.want {
				got := res.Attempts[i]
				assert.Equal(t, want.Provider, got.Provider, "attempt %d", i)
				assert.Equal(t, want.Outcome, got.Outcome, "attempt %d", i)
				assert.Equal(t, want.Skip, got.Skip, "attempt %d", i)
			}
		})
	}
}
