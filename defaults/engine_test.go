package defaults

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func engine(t *testing.T, cfg Config) *Engine {
	t.Helper()
	if cfg.Rules == nil {
		cfg.Rules = map[string]Rule{"cpc": {Base: 1.5, Segments: []Segment{
			{Match: map[string]string{"channel": "social"}, Base: 0.9},
			{Match: map[string]string{"channel": "social", "market": "uk"}, Base: 0.7},
			{Match: map[string]string{"market": "uk"}, Base: 1.1},
		}}}
	}
	e, err := New(cfg)
	require.NoError(t, err)
	return e
}

func TestBaseAndSegments(t *testing.T) {
	e := engine(t, Config{})
	ctx := context.Background()
	tests := []struct {
		params  map[string]string
		value   float64
		from    string
		segment string
		conf    float64
	}{
		{map[string]string{"channel": "search"}, 1.5, "base", "", 0.3 * 0.8},
		{map[string]string{"channel": "social"}, 0.9, "segment", "channel=social", 0.4 * 0.8},
		{map[string]string{"channel": "social", "market": "uk"}, 0.7, "segment", "channel=social,market=uk", 0.4 * 0.8},
		{map[string]string{"channel": "search", "market": "uk"}, 1.1, "segment", "market=uk", 0.4 * 0.8},
	}
	for _, tc := range tests {
		a, err := e.Default(ctx, Query{DataType: "cpc", Params: tc.params})
		require.NoError(t, err)
		assert.Equal(t, tc.value, a.Value, "%v", tc.params)
		assert.Equal(t, tc.from, a.From)
		assert.Equal(t, tc.segment, a.Segment)
		assert.InDelta(t, tc.conf, a.Confidence, 1e-12, "two guessed factors cost 0.1 each")
	}
	_, err := e.Default(ctx, Query{DataType: "ctr"})
	assert.ErrorIs(t, err, ErrNoDefault)
}

func TestHistoryTrendAndFactors(t *testing.T) {
	market := FactorFunc(func(context.Context, string, map[string]string) (float64, bool) { return 1.1, true })
	wild := FactorFunc(func(context.Context, string, map[string]string) (float64, bool) { return 50, true })
	e := engine(t, Config{Market: market, User: wild})
	// A perfect line 1, 2, ..., 12: average 6.5 at x = 5.5, next period
	// x = 12 → 13: the trend factor is 13 / 6.5 = 2, within bounds.
	h := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	a, err := e.Default(context.Background(), Query{DataType: "cpc", History: h})
	require.NoError(t, err)
	assert.Equal(t, "history", a.From)
	assert.InDelta(t, 6.5, a.Base, 1e-12)
	require.Len(t, a.Adjustments, 3)
	assert.InDelta(t, 2.0, a.Adjustments[0].Factor, 1e-12)
	assert.InDelta(t, 1.1, a.Adjustments[1].Factor, 1e-12)
	assert.False(t, a.Adjustments[1].Guessed)
	assert.InDelta(t, 2.0, a.Adjustments[2].Factor, 1e-12, "the user factor is clamped to its bound")
	assert.InDelta(t, 13*1.1*2, a.Value, 1e-9)
	assert.InDelta(t, 0.6, a.Confidence, 1e-9, "a perfect fit, nothing guessed")
}

func TestHistoryNoisyLowersConfidenceAndIgnoresNaN(t *testing.T) {
	e := engine(t, Config{})
	nan := 0.0
	nan /= nan
	a, err := e.Default(context.Background(), Query{DataType: "cpc", History: []float64{10, 5, nan, 15, 5, 15}})
	require.NoError(t, err)
	assert.Equal(t, "history", a.From)
	assert.Less(t, a.Confidence, 0.6*0.8)
	assert.Greater(t, a.Confidence, 0.0)
	// Too little history falls back to the base.
	a, err = e.Default(context.Background(), Query{DataType: "cpc", History: []float64{10, 11}})
	require.NoError(t, err)
	assert.Equal(t, "base", a.From)
}

func TestNewValidates(t *testing.T) {
	_, err := New(Config{BaseConfidence: 2})
	assert.ErrorContains(t, err, "base_confidence")
	_, err = New(Config{TrendBounds: Bounds{Min: 2, Max: 3}})
	assert.ErrorContains(t, err, "trend_bounds")
	_, err = New(Config{Rules: map[string]Rule{"x": {Segments: []Segment{{Base: 1}}}}})
	assert.ErrorContains(t, err, "segments[0]")
}
