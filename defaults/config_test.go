package defaults

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewRefusesInvalidFields(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		field string
		why   string
	}{
		{"base confidence above 1", Config{BaseConfidence: 2}, "base_confidence", "must be in [0, 1], got 2"},
		{"segment confidence NaN", Config{SegmentConfidence: math.NaN()}, "segment_confidence", "must be in [0, 1], got NaN"},
		{"history confidence negative", Config{HistoryConfidence: -0.1}, "history_confidence", "must be in [0, 1]"},
		{"guess penalty infinite", Config{GuessPenalty: math.Inf(1)}, "guess_penalty", "must be in [0, 1]"},
		{"window negative", Config{Window: -1}, "window", "must not be negative, got -1"},
		{"window above the limit", Config{Window: WindowLimit + 1}, "window", "must be at most 10000, got 10001"},
		{"window at the int maximum", Config{Window: math.MaxInt}, "window", "must be at most 10000"},
		{"min history negative", Config{MinHistory: -3}, "min_history", "must not be negative"},
		{"min history above the window", Config{MinHistory: 13}, "min_history", "must not exceed window (12), got 13"},
		{"min history at the int maximum", Config{MinHistory: math.MaxInt, Window: WindowLimit}, "min_history", "must not exceed window (10000)"},
		{"trend bounds exclude 1", Config{TrendBounds: Bounds{Min: 2, Max: 3}}, "trend_bounds", "want 0 < min <= 1 <= max < inf"},
		{"market bounds infinite", Config{MarketBounds: Bounds{Min: 0.5, Max: math.Inf(1)}}, "market_bounds", "got [0.5, +Inf]"},
		{"user bounds zero min", Config{UserBounds: Bounds{Max: 2}}, "user_bounds", "want 0 < min"},
		{"rule base NaN", Config{Rules: map[string]Rule{"cpc": {Base: math.NaN()}}}, "rules[cpc].base", "must be finite, got NaN"},
		{"segment without match", Config{Rules: map[string]Rule{"x": {Segments: []Segment{{Base: 1}}}}}, "rules[x].segments[0]", "needs a match"},
		{"segment base infinite", Config{Rules: map[string]Rule{"x": {Segments: []Segment{{Match: map[string]string{"a": "b"}, Base: math.Inf(-1)}}}}}, "rules[x].segments[0]", "finite base"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg)
			require.ErrorIs(t, err, ErrInvalidConfig)
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tc.field, ce.Field)
			assert.Contains(t, ce.Reason, tc.why)
			assert.Equal(t, "defaults: invalid config: "+tc.field+": "+ce.Reason, err.Error())
			assert.Equal(t, err, tc.cfg.Validate(), "Validate reports what New refuses")
		})
	}
}

func TestNewAcceptsTheLimits(t *testing.T) {
	cfg := Config{Window: WindowLimit, MinHistory: WindowLimit, BaseConfidence: 1, GuessPenalty: 1,
		TrendBounds: Bounds{Min: 1, Max: 1}}
	require.NoError(t, cfg.Validate())
	e, err := New(cfg)
	require.NoError(t, err)
	assert.Equal(t, WindowLimit, e.cfg.Window)
}

func TestNewFillsDefaultsAndNeverWritesIntoCfg(t *testing.T) {
	rules := map[string]Rule{"cpc": {Base: 1}}
	cfg := Config{Rules: rules}
	e, err := New(cfg)
	require.NoError(t, err)
	assert.Equal(t, Config{Rules: rules}, cfg, "cfg untouched")
	want := Config{
		Rules:             rules,
		BaseConfidence:    DefaultBaseConfidence,
		SegmentConfidence: DefaultSegmentConfidence,
		HistoryConfidence: DefaultHistoryConfidence,
		GuessPenalty:      DefaultGuessPenalty,
		MinHistory:        DefaultMinHistory,
		Window:            DefaultWindow,
		TrendBounds:       Bounds{Min: DefaultFactorMin, Max: DefaultFactorMax},
		MarketBounds:      Bounds{Min: DefaultFactorMin, Max: DefaultFactorMax},
		UserBounds:        Bounds{Min: DefaultFactorMin, Max: DefaultFactorMax},
	}
	assert.Equal(t, want, e.cfg)
}

// The zero Config takes the numbers Config's doc comments give (not merely
// the Default constants), and MinHistory defaults to Window when that is
// smaller.
func TestDocumentedDefaults(t *testing.T) {
	e, err := New(Config{})
	require.NoError(t, err)
	factor := Bounds{Min: 0.5, Max: 2}
	assert.Equal(t, Config{
		BaseConfidence:    0.3,
		SegmentConfidence: 0.4,
		HistoryConfidence: 0.6,
		GuessPenalty:      0.1,
		MinHistory:        3,
		Window:            12,
		TrendBounds:       factor,
		MarketBounds:      factor,
		UserBounds:        factor,
	}, e.cfg)
	assert.Equal(t, 10000, WindowLimit, "WindowLimit: 10000 points")

	e, err = New(Config{Window: 2})
	require.NoError(t, err)
	assert.Equal(t, 2, e.cfg.MinHistory, "MinHistory: Window when that is smaller")
}

// A segment matching a param on the empty value is refused, naming the
// segment and the param: a query without the param reads it as "", so the
// segment was the default of every such query, and the more specific
// segments could lose to it (fallback's config refuses it too).
func TestNewRefusesASegmentMatchingTheEmptyValue(t *testing.T) {
	cfg := Config{Rules: map[string]Rule{"cpc": {Base: 1, Segments: []Segment{
		{Match: map[string]string{"industry": "retail"}, Base: 2},
		{Match: map[string]string{"industry": "retail", "market": ""}, Base: 3},
	}}}}
	_, err := New(cfg)
	require.ErrorIs(t, err, ErrInvalidConfig)
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "rules[cpc].segments[1].match", ce.Field)
	assert.Contains(t, ce.Reason, `"market"`)
	assert.Contains(t, ce.Reason, "empty value")
	assert.Equal(t, err, cfg.Validate())
}

// Bounds with only one end set are refused (only the zero Bounds takes the
// default), and the error says which end to set: it gave only the rule,
// "want 0 < min <= 1 <= max < inf, got [0, 3]".
func TestNewSaysWhatToSetOfHalfSetBounds(t *testing.T) {
	for _, tc := range []struct {
		name   string
		b      Bounds
		unset  string
		within string
	}{
		{"max only", Bounds{Max: 3}, "min", "got [0, 3]"},
		{"min only", Bounds{Min: 0.8}, "max", "got [0.8, 0]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(Config{TrendBounds: tc.b})
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, "trend_bounds", ce.Field)
			assert.Contains(t, ce.Reason, tc.unset+" is not set")
			assert.Contains(t, ce.Reason, "set both min and max, or neither for the default [0.5, 2]")
			assert.Contains(t, ce.Reason, tc.within)
		})
	}
}
