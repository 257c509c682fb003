package main

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/examples/goalparser/goal"
	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/stats"
)

// TestConfigCoversEveryMetric: the embedded config parses, and every
// metric the parser knows has its own default in each data type, so that
// layer 5 never falls back to a data type's catch-all base.
func TestConfigCoversEveryMetric(t *testing.T) {
	cfg, err := fallback.ParseConfig(configYAML)
	require.NoError(t, err)
	w := newWorld(cfg, 7)
	for _, dt := range []string{dtGrowth, dtLevel, dtCost} {
		require.Contains(t, w.base, dt)
		for _, m := range goal.Metrics() {
			_, ok := w.base[dt][m.Name]
			assert.True(t, ok, "%s has no default for %s", dt, m.Name)
		}
		assert.Len(t, w.base[dt], len(goal.Metrics()), "%s: a default for a metric the parser does not know", dt)
	}
}

// TestWorld checks the fake data: deterministic, within ±15% of the
// average for the primary and ±8% of that for the secondary, varied by
// seed and params.
func TestWorld(t *testing.T) {
	cfg, err := fallback.ParseConfig(configYAML)
	require.NoError(t, err)
	w := newWorld(cfg, 7)
	for _, m := range goal.Metrics() {
		for _, dt := range []string{dtGrowth, dtLevel, dtCost} {
			req := providers.Request{DataType: dt, Params: map[string]string{"metric": m.Name, "industry": "saas", "market": "us"}}
			base := w.base[dt][m.Name]
			v := w.truth(req)
			assert.Equal(t, v, w.truth(req), "deterministic")
			assert.GreaterOrEqual(t, v, base*0.85)
			assert.LessOrEqual(t, v, base*1.15)
			c := w.coarse(req)
			assert.GreaterOrEqual(t, c, v*0.92)
			assert.LessOrEqual(t, c, v*1.08)
		}
	}
	req := providers.Request{DataType: dtLevel, Params: map[string]string{"metric": "leads", "industry": "saas", "market": "us"}}
	other := providers.Request{DataType: dtLevel, Params: map[string]string{"metric": "leads", "industry": "retail", "market": "us"}}
	assert.NotEqual(t, w.truth(req), w.truth(other), "industries differ")
	assert.NotEqual(t, w.truth(req), newWorld(cfg, 8).truth(req), "seeds differ")
	assert.False(t, w.known(providers.Request{DataType: dtLevel, Params: map[string]string{"metric": "blorps"}}))
}

func TestFakeProviders(t *testing.T) {
	cfg, err := fallback.ParseConfig(configYAML)
	require.NoError(t, err)
	w := newWorld(cfg, 7)
	ctx := context.Background()
	req := providers.Request{DataType: dtGrowth, Params: map[string]string{"metric": "leads", "industry": "saas", "market": "us"}}
	unknown := providers.Request{DataType: dtGrowth, Params: map[string]string{"metric": "blorps", "industry": "saas", "market": "us"}}
	for _, c := range []struct {
		outage            string
		primary, secondry bool // up
	}{
		{outageNone, true, true},
		{outagePrimary, false, true},
		{outageAll, false, false},
	} {
		fakes, err := fakeProviders(w, 7, c.outage)
		require.NoError(t, err)
		for name, up := range map[string]bool{primaryName: c.primary, secondaryName: c.secondry} {
			res, err := fakes[name].Fetch(ctx, req)
			if up {
				require.NoError(t, err, "%s with outage %s", name, c.outage)
				assert.Greater(t, res.Value, 0.0)
			} else {
				assert.Equal(t, providers.Unavailable, providers.Classify(err), "%s with outage %s", name, c.outage)
			}
		}
		if c.outage == outageNone {
			_, err := fakes[primaryName].Fetch(ctx, unknown)
			assert.Equal(t, providers.Permanent, providers.Classify(err), "no data for an unknown metric")
		}
	}
	_, err = fakeProviders(w, 7, "half")
	assert.ErrorContains(t, err, `-outage "half": want none, primary or all`)
}

// TestPreloadHistory: every metric's metric_growth key gets months
// observations, under the resolver's own key.
func TestPreloadHistory(t *testing.T) {
	cfg, err := fallback.ParseConfig(configYAML)
	require.NoError(t, err)
	w := newWorld(cfg, 7)
	hist, err := stats.NewMemoryHistory(stats.MemoryConfig{})
	require.NoError(t, err)
	r, err := fallback.New(cfg, fallback.WithHistory(hist), fallback.WithProvider(primaryName, providers.Func(nil)), fallback.WithProvider(secondaryName, providers.Func(nil)))
	require.NoError(t, err)
	defer r.Close()
	ctx := context.Background()
	require.NoError(t, preloadHistory(ctx, r, hist, w, "saas", "us", 24, testToday))
	assert.Equal(t, len(goal.Metrics()), hist.Len())
	key, err := r.Key(dtGrowth, fallback.Params{"metric": "leads", "industry": "saas", "market": "us"})
	require.NoError(t, err)
	obs, err := hist.Observations(ctx, key)
	require.NoError(t, err)
	require.Len(t, obs, 24)
	assert.Equal(t, testToday.AddDate(0, -24, 0), obs[0].At)
	assert.Equal(t, testToday.AddDate(0, -1, 0), obs[23].At)
	truth := w.truth(providers.Request{DataType: dtGrowth, Params: map[string]string{"metric": "leads", "industry": "saas", "market": "us"}})
	for _, o := range obs {
		assert.InDelta(t, truth, o.Value, truth*0.081, "within the ±5% cycle and ±3% noise")
	}
}
