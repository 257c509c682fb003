package defaults

import (
	"context"
	"math"
	"sync"
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

// A host factor that is no positive finite number counts as absent: 1.0,
// guessed (the package doc).
func TestAFactorNoPositiveFiniteNumberIsGuessed(t *testing.T) {
	for _, v := range []float64{0, -2, math.NaN(), math.Inf(1), math.Inf(-1)} {
		market := FactorFunc(func(context.Context, string, map[string]string) (float64, bool) { return v, true })
		e := engine(t, Config{Market: market})
		a, err := e.Default(context.Background(), Query{DataType: "cpc"})
		require.NoError(t, err)
		require.Len(t, a.Adjustments, 2)
		assert.Equal(t, Adjustment{Name: "market", Factor: 1, Guessed: true}, a.Adjustments[0], "factor %v", v)
		assert.Equal(t, 1.5, a.Value, "factor %v", v)
	}
	// A host factor is called as it is: its panic is Default's.
	e := engine(t, Config{Market: FactorFunc(func(context.Context, string, map[string]string) (float64, bool) { panic("host bug") })})
	assert.PanicsWithValue(t, "host bug", func() { _, _ = e.Default(context.Background(), Query{DataType: "cpc"}) })
}

func TestSegmentTieGoesToFirstDeclared(t *testing.T) {
	e := engine(t, Config{Rules: map[string]Rule{"cpc": {Base: 1, Segments: []Segment{
		{Match: map[string]string{"market": "uk"}, Base: 2},
		{Match: map[string]string{"channel": "social"}, Base: 3},
	}}}})
	a, err := e.Default(context.Background(), Query{DataType: "cpc", Params: map[string]string{"market": "uk", "channel": "social"}})
	require.NoError(t, err)
	assert.Equal(t, 2.0, a.Value)
	assert.Equal(t, "market=uk", a.Segment)
}

func TestKnobsApply(t *testing.T) {
	ctx := context.Background()
	line := []float64{100, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}

	e := engine(t, Config{HistoryConfidence: 0.8, GuessPenalty: 0.25})
	a, err := e.Default(ctx, Query{DataType: "cpc", History: line[1:]})
	require.NoError(t, err)
	assert.InDelta(t, 0.8*(1-0.25*2), a.Confidence, 1e-12, "history_confidence × fit 1 × (1 − guess_penalty × 2)")

	e = engine(t, Config{Window: 3, MinHistory: 3})
	a, err = e.Default(ctx, Query{DataType: "cpc", History: line})
	require.NoError(t, err)
	assert.InDelta(t, 11.0, a.Base, 1e-12, "the window averages the last 3 points only")
	a, err = e.Default(ctx, Query{DataType: "cpc", History: []float64{5, 5}})
	require.NoError(t, err)
	assert.Equal(t, "base", a.From, "2 points are under min_history")

	e = engine(t, Config{Window: 2})
	a, err = e.Default(ctx, Query{DataType: "cpc", History: []float64{5, 5}})
	require.NoError(t, err)
	assert.Equal(t, "history", a.From, "min_history defaults to a window smaller than 3")

	e = engine(t, Config{TrendBounds: Bounds{Min: 0.9, Max: 1.1}})
	a, err = e.Default(ctx, Query{DataType: "cpc", History: line[1:]})
	require.NoError(t, err)
	assert.InDelta(t, 1.1, a.Adjustments[0].Factor, 1e-12, "a trend of 2 clamped to trend_bounds.max")

	low := FactorFunc(func(context.Context, string, map[string]string) (float64, bool) { return 0.1, true })
	e = engine(t, Config{Market: low, User: low, MarketBounds: Bounds{Min: 0.8, Max: 1}, UserBounds: Bounds{Min: 0.25, Max: 4}})
	a, err = e.Default(ctx, Query{DataType: "cpc", Params: map[string]string{"channel": "search"}})
	require.NoError(t, err)
	assert.InDelta(t, 0.8, a.Adjustments[0].Factor, 1e-12, "market clamped to market_bounds.min")
	assert.InDelta(t, 0.25, a.Adjustments[1].Factor, 1e-12, "user clamped to user_bounds.min")
	assert.InDelta(t, 1.5*0.8*0.25, a.Value, 1e-12)
}

func TestConfidenceClampedAtZero(t *testing.T) {
	e := engine(t, Config{GuessPenalty: 1})
	a, err := e.Default(context.Background(), Query{DataType: "cpc"})
	require.NoError(t, err)
	assert.Zero(t, a.Confidence, "two guessed factors at penalty 1 would make it negative")
}

// A history of values near the float64 limit overflows no sum: the
// answer and its confidence stay finite, the confidence in [0, 1].
func TestHistoryNearTheFloatLimit(t *testing.T) {
	e := engine(t, Config{})
	for _, h := range [][]float64{
		{1e308, 1e308, 1e308},
		{math.MaxFloat64, -math.MaxFloat64, math.MaxFloat64},
		{-1e308, -1e308, -1e308, -1e308},
	} {
		a, err := e.Default(context.Background(), Query{DataType: "cpc", History: h})
		require.NoError(t, err)
		assert.Equal(t, "history", a.From)
		assert.False(t, math.IsNaN(a.Value) || math.IsInf(a.Value, 0), "%v: value %v", h, a.Value)
		assert.False(t, math.IsNaN(a.Confidence), "%v", h)
		assert.GreaterOrEqual(t, a.Confidence, 0.0)
		assert.LessOrEqual(t, a.Confidence, 1.0)
	}
}

func TestFitIsOneOverOnePlusCV(t *testing.T) {
	e := engine(t, Config{})
	// 2, 4, 2, 4: trend line slope 0.4, intercept 2.4; residuals
	// −0.4, 1.2, −1.2, 0.4: rms sqrt(0.8), average 3.
	a, err := e.Default(context.Background(), Query{DataType: "cpc", History: []float64{2, 4, 2, 4}})
	require.NoError(t, err)
	fit := 1 / (1 + math.Sqrt(0.8)/3)
	assert.InDelta(t, 0.6*fit*0.8, a.Confidence, 1e-12)
}

// A window averaging zero, with values not all zero, has an infinite
// coefficient of variation and fit 0, as a window averaging just above
// zero has nearly: it was taken as a perfect fit, the most confident
// history default there is, for a default of 0 the window scatters
// around. An all-zero window still fits perfectly.
func TestFitOfAWindowAveragingZero(t *testing.T) {
	e := engine(t, Config{})
	ctx := context.Background()
	for _, h := range [][]float64{{-5, 5, -5, 5}, {-3, -1, 1, 3}} {
		a, err := e.Default(ctx, Query{DataType: "cpc", History: h})
		require.NoError(t, err)
		assert.Equal(t, "history", a.From)
		assert.Zero(t, a.Value)
		assert.Zero(t, a.Confidence, "%v", h)
	}
	near, err := e.Default(ctx, Query{DataType: "cpc", History: []float64{-5, 5, -5, 5.0000001}})
	require.NoError(t, err)
	assert.Less(t, near.Confidence, 1e-6, "the same window averaging just above zero")
	a, err := e.Default(ctx, Query{DataType: "cpc", History: []float64{0, 0, 0}})
	require.NoError(t, err)
	assert.InDelta(t, 0.6*0.8, a.Confidence, 1e-12, "an all-zero window fits perfectly")
}

func TestHasAndDataTypes(t *testing.T) {
	e := engine(t, Config{Rules: map[string]Rule{"ctr": {Base: 0.02}, "cpc": {Base: 1}}})
	assert.True(t, e.Has("cpc"))
	assert.False(t, e.Has("cvr"))
	assert.Equal(t, []string{"cpc", "ctr"}, e.DataTypes())
}

// NaNs at the end of the history hide nothing: the Window is counted in
// finite values, so twenty finite points and twelve NaNs answer from the
// history.
func TestTrailingNaNsDoNotHideTheHistory(t *testing.T) {
	e := engine(t, Config{})
	h := make([]float64, 0, 32)
	for range 20 {
		h = append(h, 2)
	}
	for range 12 {
		h = append(h, math.NaN())
	}
	a, err := e.Default(context.Background(), Query{DataType: "cpc", History: h})
	require.NoError(t, err)
	assert.Equal(t, "history", a.From)
	assert.InDelta(t, 2, a.Base, 1e-12)
	assert.Equal(t, []float64{1, 2, 3}, finiteTail([]float64{1, 2, math.NaN(), 3}, 3))
	assert.Equal(t, []float64{2, 3}, finiteTail([]float64{1, 2, 3}, 2))
}

// Value is always finite: a base near the float64 limit times a factor
// over 1 stops at the limit.
func TestValueStaysFinite(t *testing.T) {
	two := FactorFunc(func(context.Context, string, map[string]string) (float64, bool) { return 2, true })
	e := engine(t, Config{Market: two, Rules: map[string]Rule{"cpc": {Base: 1e308}}})
	a, err := e.Default(context.Background(), Query{DataType: "cpc"})
	require.NoError(t, err)
	assert.Equal(t, math.MaxFloat64, a.Value)
}

// Bounds near the float64 limit let the factors' product overflow: a
// base of zero then stays zero, where 0 × +Inf made Value NaN, and any
// other base stops at the limit.
func TestValueStaysFiniteWithHugeBounds(t *testing.T) {
	huge := FactorFunc(func(context.Context, string, map[string]string) (float64, bool) { return 1e308, true })
	b := Bounds{Min: 0.5, Max: 1e308}
	e := engine(t, Config{Market: huge, User: huge, MarketBounds: b, UserBounds: b,
		Rules: map[string]Rule{"zero": {Base: 0}, "one": {Base: 1}, "minus": {Base: -1}}})
	ctx := context.Background()
	for _, tc := range []struct {
		q    Query
		want float64
	}{
		{Query{DataType: "zero"}, 0},
		{Query{DataType: "zero", History: []float64{0, 0, 0}}, 0},
		{Query{DataType: "one"}, math.MaxFloat64},
		{Query{DataType: "minus"}, -math.MaxFloat64},
	} {
		a, err := e.Default(ctx, tc.q)
		require.NoError(t, err)
		assert.Equal(t, tc.want, a.Value, "%+v", tc.q)
	}
}

// The factors are multiplied together before the base: 1e308 × 2 × 0.5
// is 1e308, not the limit an intermediate overflow would leave.
func TestFactorsMultiplyBeforeTheBase(t *testing.T) {
	two := FactorFunc(func(context.Context, string, map[string]string) (float64, bool) { return 2, true })
	half := FactorFunc(func(context.Context, string, map[string]string) (float64, bool) { return 0.5, true })
	e := engine(t, Config{Market: two, User: half, Rules: map[string]Rule{"cpc": {Base: 1e308}}})
	a, err := e.Default(context.Background(), Query{DataType: "cpc"})
	require.NoError(t, err)
	assert.InDelta(t, 1e308, a.Value, 1e293)
}

// Engine is safe for concurrent use (run under -race): concurrent
// Defaults of every kind give what one alone gives.
func TestEngineIsSafeForConcurrentUse(t *testing.T) {
	market := FactorFunc(func(context.Context, string, map[string]string) (float64, bool) { return 1.2, true })
	e := engine(t, Config{Market: market})
	ctx := context.Background()
	queries := []Query{
		{DataType: "cpc", Params: map[string]string{"channel": "search"}},
		{DataType: "cpc", Params: map[string]string{"channel": "social", "market": "uk"}},
		{DataType: "cpc", History: []float64{1, 2, 3, 4, 5, 6}},
	}
	want := make([]Answer, len(queries))
	for i, q := range queries {
		a, err := e.Default(ctx, q)
		require.NoError(t, err)
		want[i] = a
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				q := queries[(g+i)%len(queries)]
				a, err := e.Default(ctx, q)
				assert.NoError(t, err)
				assert.Equal(t, want[(g+i)%len(queries)], a)
			}
		})
	}
	wg.Wait()
}
