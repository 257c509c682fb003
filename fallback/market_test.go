package fallback

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/defaults"
	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/stats"
)

// season is the weekly pattern of the market test's keys.
func season(day int) float64 { return 1 + 0.05*math.Sin(2*math.Pi*float64(day)/7) }

// marketFixture loads 60 days of history for keywords a, b and c (levels
// 1, 2 and 4, the same weekly pattern), has the providers fail for a and
// answer moved×level×season for the others, and answers b and c fresh.
// It returns the resolver and a's forecast unadjusted.
func marketFixture(t *testing.T, cfg Config, moved map[string]float64, opts ...Option) (*Resolver, Result) {
	t.Helper()
	levels := map[string]float64{"a": 1, "b": 2, "c": 4}
	answer := func(_ context.Context, req providers.Request) (providers.Response, error) {
		kw := req.Params["keyword"]
		if kw == "a" {
			return providers.Response{}, providers.Errorf(providers.Unavailable, "down for a")
		}
		return providers.Response{Value: moved[kw] * levels[kw] * season(0)}, nil
	}
	build := func(cfg Config) *Resolver {
		hist, err := stats.NewMemoryHistory(stats.MemoryConfig{})
		require.NoError(t, err)
		p1, s1 := newStub(0), newStub(0)
		p1.set(answer)
		s1.set(answer)
		r := newTestResolver(t, cfg, p1, s1, append([]Option{WithHistory(hist)}, opts...)...)
		now := time.Now()
		for kw, level := range levels {
			key := resolverKey(t, r, Params{"keyword": kw, "market": "us"})
			for d := -60; d < 0; d++ {
				require.NoError(t, hist.Append(context.Background(), key, stats.Observation{At: now.AddDate(0, 0, d), Value: level * season(d)}))
			}
		}
		return r
	}
	off := cfg
	off.Forecast.Market.Disabled = true
	plain, err := build(off).Resolve(context.Background(), "cpc", Params{"keyword": "a", "market": "us"})
	require.NoError(t, err)
	require.Equal(t, LayerStatistical, plain.Layer)
	require.Nil(t, plain.Market)

	r := build(cfg)
	for _, kw := range []string{"b", "c"} {
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": kw, "market": "us"})
		require.NoError(t, err)
		require.Equal(t, LayerPrimary, res.Layer)
	}
	return r, plain
}

func TestForecastAdjustedByPeersFreshAnswers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, plain := marketFixture(t, testConfig(), map[string]float64{"b": 1.5, "c": 1.5})
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "a", "market": "us"})
		require.NoError(t, err)
		require.Equal(t, LayerStatistical, res.Layer)
		require.NotNil(t, res.Market)
		// Two perfectly co-moving peers (weight 1 each) both moved ×1.5:
		// shrunk by 2/(2+1). The forecast's own expected move is taken out.
		expected := math.Log(plain.Value / season(-1)) // a's last value: level 1 × season(-1)
		want := math.Exp((math.Log(1.5*season(0)/season(-1)) - expected) * 2 / 3)
		assert.InDelta(t, want, res.Market.Peers, 1e-9)
		assert.InDelta(t, 1, res.Market.Host, 0)
		assert.InDelta(t, res.Market.Peers, res.Market.Factor, 1e-12)
		assert.InDelta(t, plain.Value*res.Market.Factor, res.Value, 1e-9)
		assert.InDelta(t, plain.Confidence, res.Confidence, 1e-9, "peers that agree leave the confidence")
		assert.ElementsMatch(t, []string{
			resolverKey(t, r, Params{"keyword": "b", "market": "us"}),
			resolverKey(t, r, Params{"keyword": "c", "market": "us"}),
		}, res.Market.Sources)
		for i, iv := range res.Intervals {
			assert.InDelta(t, plain.Intervals[i].Lower*res.Market.Factor, iv.Lower, 1e-9)
		}
		// Again, from the memoised forecast: adjusted once, not twice.
		first := slices.Clone(res.Intervals)
		again, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "a", "market": "us"})
		require.NoError(t, err)
		assert.Equal(t, res.Value, again.Value)
		assert.Equal(t, first, again.Intervals)
		assert.Equal(t, first, res.Intervals, "an answer handed out does not change")
	})
}

func TestForecastAdjustmentLowersConfidenceWhenPeersDiffer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, plain := marketFixture(t, testConfig(), map[string]float64{"b": 1.5, "c": 1.3})
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "a", "market": "us"})
		require.NoError(t, err)
		require.NotNil(t, res.Market, "both moved up, well beyond their spread")
		spread := math.Abs(math.Log(1.5)-math.Log(1.3)) / 2
		assert.InDelta(t, plain.Confidence/(1+2*spread), res.Confidence, 1e-9)
	})
}

func TestForecastNotAdjustedWhenPeersDisagree(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// One up ×1.5, one down ×0.8: their mean move is within two
		// standard errors of their spread — no evidence of a market move.
		r, plain := marketFixture(t, testConfig(), map[string]float64{"b": 1.5, "c": 0.8})
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "a", "market": "us"})
		require.NoError(t, err)
		assert.Nil(t, res.Market)
		assert.Equal(t, plain.Value, res.Value)
		assert.Equal(t, plain.Confidence, res.Confidence)

		// With the gate off, the same peers move the forecast.
		cfg := testConfig()
		cfg.Forecast.Market.Significance = 1e-9
		r, _ = marketFixture(t, cfg, map[string]float64{"b": 1.5, "c": 0.8})
		res, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "a", "market": "us"})
		require.NoError(t, err)
		assert.NotNil(t, res.Market)
	})
}

func TestForecastAdjustedByHostMarketFactor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		host := defaults.FactorFunc(func(context.Context, string, map[string]string) (float64, bool) { return 5, true })
		cfg := testConfig()
		r, plain := marketFixture(t, cfg, map[string]float64{"b": 1, "c": 1}, WithMarketFactor(host))
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "a", "market": "us"})
		require.NoError(t, err)
		require.NotNil(t, res.Market)
		assert.Equal(t, defaults.DefaultFactorMax, res.Market.Host, "clamped to the market bounds")
		assert.InDelta(t, res.Market.Peers*2, res.Market.Factor, 1e-12)
		assert.InDelta(t, plain.Value*res.Market.Factor, res.Value, 1e-9)
	})
}

func TestForecastWithoutPeersIsNotAdjusted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.DataTypes[0].CorrelateBy = []string{"industry"} // no key has one
		r, _ := marketFixture(t, cfg, map[string]float64{"b": 1.5, "c": 1.5})
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "a", "market": "us"})
		require.NoError(t, err)
		assert.Equal(t, LayerStatistical, res.Layer)
		assert.Nil(t, res.Market)
	})
}

func TestCorrelateByMustNameDeclaredParams(t *testing.T) {
	cfg := testConfig()
	cfg.DataTypes[0].CorrelateBy = []string{"market", "region"}
	_, err := New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)))
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "data_types[0].correlate_by[1]", ce.Field)
	assert.Contains(t, ce.Error(), "region")

	cfg = testConfig()
	cfg.Forecast.Market.MaxFactor = 0.5
	_, err = New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)))
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "forecast.market.max_factor", ce.Field)
}

func TestPeerIndexIsBoundedAndNewestFirst(t *testing.T) {
	cfg := testConfig()
	filled, p := cfg.withDefaults()
	require.Empty(t, p)
	dt := &dataType{cfg: filled.DataTypes[0]}
	dt.schema = compileSchema(filled.DataTypes[0], nil)
	pi := newPeerIndex(10, 3)
	for _, kw := range []string{"a", "b", "c", "d", "b"} {
		pi.add(dt, "k-"+kw, Params{"keyword": kw, "market": "us"})
	}
	assert.Equal(t, []string{"k-b", "k-d", "k-c"}, pi.peers(dt, "k-x", Params{"keyword": "x", "market": "us"}, 8))
	assert.Equal(t, []string{"k-d", "k-c"}, pi.peers(dt, "k-b", Params{"keyword": "b", "market": "us"}, 8), "not itself")
	assert.Empty(t, pi.peers(dt, "k-x", Params{"keyword": "x", "market": "uk"}, 8))
}

// TestPeerIndexReadersSeeNoWrites reads peers while keys are added to the
// same group: add never writes a slice a reader holds (the race detector
// checks), and every list read is newest first, without duplicates.
func TestPeerIndexReadersSeeNoWrites(t *testing.T) {
	cfg := testConfig()
	filled, p := cfg.withDefaults()
	require.Empty(t, p)
	dt := &dataType{cfg: filled.DataTypes[0]}
	dt.schema = compileSchema(filled.DataTypes[0], nil)
	pi := newPeerIndex(10, 4)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 500 {
				kw := fmt.Sprint((i*7 + g) % 6)
				pi.add(dt, "k-"+kw, Params{"keyword": kw, "market": "us"})
			}
		})
		wg.Go(func() {
			for range 500 {
				got := pi.peers(dt, "k-x", Params{"keyword": "x", "market": "us"}, 8)
				if len(got) > 4 || len(got) != len(slices.Compact(slices.Sorted(slices.Values(got)))) {
					t.Errorf("peers %v: more than the group's 4, or a duplicate", got)
					return
				}
			}
		})
	}
	wg.Wait()
	assert.Len(t, pi.peers(dt, "k-x", Params{"keyword": "x", "market": "us"}, 8), 4)
}

// A peer whose move no float64 holds (its history at 5e-324, its fresh
// answer 1) is no evidence: taken, the peers' spread was NaN (+Inf less
// +Inf), and so was the adjusted forecast's confidence.
func TestAPeerMoveNoFloat64HoldsIsLeftOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.Plausibility.Disabled = true
		hist, err := stats.NewMemoryHistory(stats.MemoryConfig{})
		require.NoError(t, err)
		answer := func(_ context.Context, req providers.Request) (providers.Response, error) {
			if req.Params["keyword"] == "a" {
				return providers.Response{}, providers.Errorf(providers.Unavailable, "down for a")
			}
			return providers.Response{Value: 1}, nil
		}
		p1, s1 := newStub(0), newStub(0)
		p1.set(answer)
		s1.set(answer)
		r := newTestResolver(t, cfg, p1, s1, WithHistory(hist))
		now := time.Now()
		for kw, level := range map[string]float64{"a": 1, "b": 5e-324} {
			key := resolverKey(t, r, Params{"keyword": kw, "market": "us"})
			for d := -60; d < 0; d++ {
				require.NoError(t, hist.Append(context.Background(), key, stats.Observation{At: now.AddDate(0, 0, d), Value: level * season(d)}))
			}
		}
		res, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "b", "market": "us"})
		require.NoError(t, err)
		require.Equal(t, LayerPrimary, res.Layer)
		res, err = r.Resolve(context.Background(), "cpc", Params{"keyword": "a", "market": "us"})
		require.NoError(t, err)
		require.Equal(t, LayerStatistical, res.Layer)
		assert.Nil(t, res.Market, "the only peer's move is no evidence")
		assert.False(t, math.IsNaN(res.Confidence), "confidence %v", res.Confidence)
	})
}
