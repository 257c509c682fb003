package stats

import (
	"go/ast"
	"go/parser"
	"go/token"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewValidatesConfig(t *testing.T) {
	for _, tc := range []struct {
		cfg   Config
		field string
	}{
		{Config{Method: "prophet"}, "method"},
		{Config{Levels: []float64{0.8, 1}}, "levels[1]"},
		{Config{Levels: []float64{math.NaN()}}, "levels[0]"},
		{Config{MinPoints: -1}, "min_points"},
		{Config{MinPoints: 2}, "min_points"},
		{Config{Levels: []float64{0.8, 1e-300}}, "levels[1]"},
		{Config{Levels: []float64{0.9999999999999999}}, "levels[0]"},
		{Config{ConfidenceScale: -1}, "confidence_scale"},
		{Config{ConfidenceScale: math.Inf(1)}, "confidence_scale"},
		{Config{Selection: Selection{Candidates: []string{"theta", "prophet"}}}, "selection.candidates[1]"},
		{Config{Selection: Selection{Candidates: []string{"theta", "theta"}}}, "selection.candidates[1]"},
		{Config{Selection: Selection{Combine: -1}}, "selection.combine"},
		{Config{Selection: Selection{Accuracy: -0.5}}, "selection.accuracy"},
		{Config{Selection: Selection{Challengers: []string{"prophet"}}}, "selection.challengers[0]"},
		{Config{Selection: Selection{Challengers: []string{"arima", "arima"}}}, "selection.challengers[1]"},
		{Config{Selection: Selection{Challengers: []string{"arima", "none"}}}, "selection.challengers[1]"},
		{Config{Selection: Selection{Clear: 1.5}}, "selection.clear"},
		{Config{Selection: Selection{Clear: -0.1}}, "selection.clear"},
		{Config{Selection: Selection{Clear: math.NaN()}}, "selection.clear"},
		{Config{Selection: Selection{OutlierSteps: -1}}, "selection.outlier_steps"},
		{Config{Selection: Selection{OutlierSteps: math.Inf(1)}}, "selection.outlier_steps"},
		{Config{Selection: Selection{OutlierSteps: math.NaN()}}, "selection.outlier_steps"},
		{Config{Selection: Selection{OutlierNewLevel: -1}}, "selection.outlier_new_level"},
		{Config{Selection: Selection{ExplosiveGrowth: 1}}, "selection.explosive_growth"},
		{Config{Selection: Selection{ExplosiveGrowth: math.NaN()}}, "selection.explosive_growth"},
		{Config{Selection: Selection{ExplosiveGrowth: math.Inf(1)}}, "selection.explosive_growth"},
		{Config{Selection: Selection{SeasonalDecays: []float64{1, -0.2}}}, "selection.seasonal_decays[1]"},
		{Config{Selection: Selection{SeasonalDecays: []float64{1.5}}}, "selection.seasonal_decays[0]"},
		{Config{Selection: Selection{SeasonalDecays: []float64{0}}}, "selection.seasonal_decays[0]"},
		{Config{Selection: Selection{SeasonalDecays: []float64{math.NaN()}}}, "selection.seasonal_decays[0]"},
		{Config{Selection: Selection{SeasonalDecays: []float64{0.9, 0.8, 0.9}}}, "selection.seasonal_decays[2]"},
		{Config{Selection: Selection{TemporalLevels: []int{2, 0}}}, "selection.temporal_levels[1]"},
		{Config{Selection: Selection{TemporalLevels: []int{3, 3}}}, "selection.temporal_levels[1]"},
		{Config{Selection: Selection{MaxTheta: 0.5}}, "selection.max_theta"},
		{Config{Selection: Selection{MaxTheta: math.Inf(1)}}, "selection.max_theta"},
		{Config{Selection: Selection{MaxTheta: math.NaN()}}, "selection.max_theta"},
		{Config{Selection: Selection{MaxTheta: 1e15}}, "selection.max_theta"},
		{Config{Selection: Selection{LevelShiftRatio: 1}}, "selection.level_shift_ratio"},
		{Config{Selection: Selection{LevelShiftRatio: math.NaN()}}, "selection.level_shift_ratio"},
		{Config{Selection: Selection{LevelShiftRatio: math.Inf(1)}}, "selection.level_shift_ratio"},
		{Config{Selection: Selection{LevelShiftSigmas: -1}}, "selection.level_shift_sigmas"},
		{Config{Selection: Selection{LevelShiftSigmas: math.NaN()}}, "selection.level_shift_sigmas"},
		{Config{Selection: Selection{LevelShiftSigmas: math.Inf(1)}}, "selection.level_shift_sigmas"},
		{Config{Selection: Selection{LevelShiftNewestCycles: -1}}, "selection.level_shift_newest_cycles"},
		{Config{Selection: Selection{RobustDriftMedian: -0.5}}, "selection.robust_drift_median"},
		{Config{Selection: Selection{RobustDriftMedian: 1.5}}, "selection.robust_drift_median"},
		{Config{Selection: Selection{RobustDriftMedian: math.NaN()}}, "selection.robust_drift_median"},
		{Config{Selection: Selection{RecentWindow: -0.5}}, "selection.recent_window"},
		{Config{Selection: Selection{RecentWindow: 1.5}}, "selection.recent_window"},
		{Config{Selection: Selection{RecentWindow: math.NaN()}}, "selection.recent_window"},
		{Config{Selection: Selection{RecentWindowPoints: -1}}, "selection.recent_window_points"},
		{Config{Selection: Selection{StepMedianSeason: -1}}, "selection.step_median_season"},
		{Config{Selection: Selection{GrowthDriftSeason: -1}}, "selection.growth_drift_season"},
		{Config{Selection: Selection{DriftCycleSeason: -1}}, "selection.drift_cycle_season"},
	} {
		_, err := New(tc.cfg)
		assert.ErrorIs(t, err, ErrInvalidConfig, "New(%+v)", tc.cfg)
		var ce *ConfigError
		if assert.ErrorAs(t, err, &ce, "New(%+v)", tc.cfg) {
			assert.Equal(t, tc.field, ce.Field, "New(%+v)", tc.cfg)
			assert.True(t, strings.HasPrefix(err.Error(), "stats: invalid config: "+tc.field+": "), "New(%+v) = %v, want invalid config of %s", tc.cfg, err, tc.field)
		}
	}
}

func TestNewAppliesDefaultsWithoutWritingCallerConfig(t *testing.T) {
	levels := []float64{0.5}
	cfg := Config{Levels: levels}
	f, err := New(cfg)
	require.NoError(t, err)
	levels[0] = 0.9
	assert.Equal(t, 0.5, f.cfg.Levels[0], "the caller's Levels were not copied")
	assert.Empty(t, cfg.Method, "the caller's Config was written")
	assert.Equal(t, MethodAuto, f.cfg.Method)
	assert.Equal(t, 6, f.cfg.MinPoints)
	s := f.cfg.Selection
	assert.Equal(t, 4, s.Combine)
	assert.Equal(t, 0.5, s.Accuracy)
	assert.Equal(t, 0.3, s.Availability)
	assert.Equal(t, 0.2, s.Simplicity)
	assert.Equal(t, []string{"theta_opt", "damped", "ets", "robust_drift"}, s.Candidates)
	assert.Equal(t, []string{"arima"}, s.Challengers)
	assert.Equal(t, 0.7, s.Clear)
	assert.Equal(t, DefaultMaxTheta, s.MaxTheta)
	assert.Equal(t, DefaultRobustDriftMedian, s.RobustDriftMedian)
	assert.Equal(t, 0.5, s.RecentWindow)
	assert.Equal(t, 30, s.RecentWindowPoints)
	assert.Equal(t, 4, s.StepMedianSeason)
	assert.False(t, s.LevelMedian)
	assert.Equal(t, 2, s.OutlierNewLevel)
	assert.Equal(t, 1.3, s.ExplosiveGrowth)
	assert.Equal(t, 2.0, s.LevelShiftRatio)
	assert.Equal(t, 5.0, s.LevelShiftSigmas)
	assert.Equal(t, 2, s.LevelShiftNewestCycles)
	assert.False(t, s.KeepNewestLevelShifts)
	assert.False(t, s.AdditiveMoves)
	assert.Equal(t, 4, s.GrowthDriftSeason)
	assert.False(t, s.AdditiveDrift)
	assert.Equal(t, 4, s.DriftCycleSeason)
	assert.False(t, s.AdditiveTheta)
	assert.False(t, s.KeepNonSeasonalLevelShifts)
}

func TestMethodsListsEveryMethod(t *testing.T) {
	want := "arima,auto,comb_sa,damped,damped_sa,drift,ets,holt,holt_sa,hw,hw_mult,lm,naive,naive2,ses,ses_sa,snaive,theta"
	assert.Equal(t, want, strings.Join(Methods(), ","))
}

// TestConfigMethodDocListsEveryMethod holds Config.Method's doc comment to
// the code: every name it lists is accepted, Methods() holds no other, and
// a name it does not list is refused with a *ConfigError.
func TestConfigMethodDocListsEveryMethod(t *testing.T) {
	doc := fieldDoc(t, "forecast.go", "Config", "Method")
	_, list, found := strings.Cut(doc, "Methods(): ")
	require.True(t, found, "Config.Method's doc does not list Methods(): %q", doc)
	list, _, found = strings.Cut(list, ".")
	require.True(t, found, "Config.Method's doc list does not end with a full stop: %q", doc)
	listed := []string{MethodAuto}
	for _, name := range strings.Split(list, ",") {
		listed = append(listed, strings.TrimSpace(name))
	}
	assert.ElementsMatch(t, Methods(), listed)
	for _, name := range listed {
		f, err := New(Config{Method: name})
		if assert.NoError(t, err, name) {
			assert.Equal(t, name, f.cfg.Method)
		}
	}
	_, err := New(Config{Method: "prophet"})
	assert.ErrorIs(t, err, ErrInvalidConfig)
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "method", ce.Field)
}

// fieldDoc returns the doc comment of field in the struct typ declared in
// file, as text on one line.
func fieldDoc(t *testing.T, file, typ, field string) string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ParseComments)
	require.NoError(t, err)
	doc := ""
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok || ts.Name.Name != typ {
			return true
		}
		if st, ok := ts.Type.(*ast.StructType); ok {
			for _, fl := range st.Fields.List {
				for _, name := range fl.Names {
					if name.Name == field {
						doc = strings.Join(strings.Fields(fl.Doc.Text()), " ")
					}
				}
			}
		}
		return false
	})
	require.NotEmpty(t, doc, "no documented field %s.%s in %s", typ, field, file)
	return doc
}

func TestForecastRefusesBadInput(t *testing.T) {
	f, _ := New(Config{})
	good := []float64{1, 2, 3, 4, 5, 6, 7}
	for _, tc := range []struct {
		name      string
		y         []float64
		season, h int
		want      error
		index     int
	}{
		{"empty", nil, 1, 1, ErrTooShort, -1},
		{"short", []float64{1, 2, 3}, 1, 1, ErrTooShort, -1},
		{"NaN", []float64{1, 2, math.NaN(), 4, 5, 6}, 1, 1, ErrInvalidSeries, 2},
		{"+Inf", []float64{1, 2, 3, 4, 5, math.Inf(1)}, 1, 1, ErrInvalidSeries, 5},
		{"-Inf", []float64{math.Inf(-1), 2, 3, 4, 5, 6}, 1, 1, ErrInvalidSeries, 0},
		{"horizon", good, 1, 0, ErrInvalidArgument, -1},
		{"horizon beyond MaxHorizon", good, 1, MaxHorizon + 1, ErrInvalidArgument, -1},
		{"horizon near the int limit", good, 1, math.MaxInt, ErrInvalidArgument, -1},
		{"season", good, 0, 1, ErrInvalidArgument, -1},
	} {
		_, err := f.Forecast(tc.y, tc.season, tc.h)
		if !assert.ErrorIs(t, err, tc.want, tc.name) {
			continue
		}
		var se *SeriesError
		if assert.ErrorAs(t, err, &se, tc.name) {
			assert.Equal(t, tc.index, se.Index, "%s: index", tc.name)
		}
	}
}

// A season far longer than the series — up to the int limit, where 2×m
// overflows — is a series without seasonality, for every method.
func TestForecastHugeSeason(t *testing.T) {
	y := make([]float64, 40)
	for i := range y {
		y[i] = 10 + math.Sin(float64(i))
	}
	for _, method := range append(Methods(), MethodAuto) {
		f, err := New(Config{Method: method})
		require.NoError(t, err)
		for _, m := range []int{41, math.MaxInt / 2, math.MaxInt} {
			fc, err := f.Forecast(y, m, 3)
			require.NoError(t, err, "%s, season %d", method, m)
			require.Len(t, fc.Mean, 3)
			for _, v := range fc.Mean {
				assert.False(t, math.IsNaN(v) || math.IsInf(v, 0), "%s, season %d", method, m)
			}
		}
	}
}

func TestForecastConstantSeries(t *testing.T) {
	for _, method := range Methods() {
		f, _ := New(Config{Method: method})
		fc, err := f.Forecast(constant(42, 30), 4, 3)
		require.NoError(t, err, method)
		for k, v := range fc.Mean {
			assert.Equal(t, 42.0, v, "%s: step %d: mean, want 42 exactly", method, k)
			assert.Equal(t, 42.0, fc.Intervals[1].Lower[k], "%s: step %d: lower, want 42 exactly", method, k)
			assert.Equal(t, 42.0, fc.Intervals[1].Upper[k], "%s: step %d: upper, want 42 exactly", method, k)
		}
		assert.Equal(t, "naive", fc.Model, method)
		assert.Equal(t, 1.0, fc.Confidence(), method)
	}
}

func TestForecastFallsBack(t *testing.T) {
	// hw on 10 monthly points: not enough for a season, falls back.
	f, _ := New(Config{Method: "hw"})
	y := []float64{5, 6, 7, 6, 8, 9, 8, 10, 11, 10}
	fc, err := f.Forecast(y, 12, 2)
	assert.NoError(t, err)
	assert.NotEqual(t, "hw", fc.Model, "want a fallback")
	// hw_mult on a series with a negative value: additive hw instead.
	f, _ = New(Config{Method: "hw_mult"})
	z := seasonalSeries(48, 4)
	z[3] = -1
	fc, err = f.Forecast(z, 4, 4)
	assert.NoError(t, err)
	assert.Equal(t, "hw", fc.Model)
	// damped on 6 points (needs 7) falls back to holt.
	f, _ = New(Config{Method: "damped"})
	fc, _ = f.Forecast([]float64{1, 3, 2, 4, 3, 5}, 1, 2)
	assert.Equal(t, "holt", fc.Model)
}

func TestForecastShapeAndIntervals(t *testing.T) {
	y := seasonalSeries(60, 12)
	for _, method := range Methods() {
		f, err := New(Config{Method: method, Levels: []float64{0.95, 0.5}})
		require.NoError(t, err)
		fc, err := f.Forecast(y, 12, 18)
		require.NoError(t, err, method)
		require.Len(t, fc.Mean, 18, method)
		require.Len(t, fc.Intervals, 2, method)
		require.Equal(t, 0.95, fc.Intervals[0].Level, method)
		require.Equal(t, 0.5, fc.Intervals[1].Level, method)
		for k, mu := range fc.Mean {
			wide, narrow := fc.Intervals[0], fc.Intervals[1]
			assert.True(t, wide.Lower[k] <= narrow.Lower[k] && narrow.Lower[k] <= mu && mu <= narrow.Upper[k] && narrow.Upper[k] <= wide.Upper[k],
				"%s step %d: 95 %% [%v, %v] 50 %% [%v, %v] mean %v not nested", method, k, wide.Lower[k], wide.Upper[k], narrow.Lower[k], narrow.Upper[k], mu)
			// Every method keeps the forecast in the series. range (holt on the
			// raw seasonal series chases the season, as in R).
			assert.True(t, mu >= 0 && mu <= 500, "%s step %d: mean %v far off", method, k, mu)
		}
		c := fc.Confidence()
		assert.True(t, c > 0 && c <= 1, "%s: confidence %v", method, c)
	}
}

// The package doc's promise, for every method: every forecast value is
// finite, at the edges of float64 too. A series rising to 1e308 is fitted
// scaled, and its trend, finite there, overflows in the series' own units:
// the method gives way to a simpler one.
func TestForecastExtremeValuesStayFinite(t *testing.T) {
	for _, method := range Methods() {
		f, err := New(Config{Method: method})
		require.NoError(t, err)
		for _, y := range [][]float64{
			{1e300, 1.5e300, 1e300, 1.7e300, 1.2e300, 1.6e300, 1.1e300},
			{-1e308, 1e308, -1e308, 1e308, -1e308, 1e308, -1e308},
			{1e-300, 2e-300, 3e-300, 2e-300, 5e-300, 1e-300, 4e-300},
			{0, 0, 0, 0, 0, 0, 1e-320},
			{1, -1, 1, -1, 1, -1, 1, -1},
			{-1e308, -1e308, 1e308, 1e308, -1e308, -1e308, 1e308, 1e308, -1e308, -1e308, 1e308, 1e308, 1e308},
		} {
			for _, season := range []int{1, 4} {
				for _, h := range []int{5, 30} {
					fc, err := f.Forecast(y, season, h)
					require.NoError(t, err)
					checkFinite(t, fc)
				}
			}
		}
	}
}

// checkFinite fails t when fc has a non-finite mean, a NaN bound or an
// interval that misses its mean.
func checkFinite(t *testing.T, fc Forecast) {
	t.Helper()
	for k, v := range fc.Mean {
		require.True(t, finite(v), "%s: mean[%d] = %v", fc.Model, k, v)
		for _, iv := range fc.Intervals {
			require.True(t, iv.Lower[k] <= v && v <= iv.Upper[k], "%s: step %d interval [%v, %v] around %v", fc.Model, k, iv.Lower[k], iv.Upper[k], v)
		}
	}
	c := fc.Confidence()
	require.True(t, c >= 0 && c <= 1, "confidence %v", c)
}

func TestConfidenceHandComputed(t *testing.T) {
	iv := func(level, mean, sd float64) Interval {
		z := normalQuantile(0.5 + level/2)
		return Interval{Level: level, Lower: []float64{mean - z*sd}, Upper: []float64{mean + z*sd}}
	}
	for _, tc := range []struct {
		fc   Forecast
		want float64
	}{
		{Forecast{Mean: []float64{100}, Intervals: []Interval{iv(0.95, 100, 25)}}, 0.5},
		{Forecast{Mean: []float64{100}, Intervals: []Interval{iv(0.8, 100, 25)}}, 0.5},
		{Forecast{Mean: []float64{100}, Intervals: []Interval{iv(0.8, 100, 1), iv(0.95, 100, 50)}}, 0.25},
		{Forecast{Mean: []float64{-100}, Intervals: []Interval{iv(0.95, -100, 10)}}, math.Exp2(-0.4)},
		{Forecast{Mean: []float64{100}, Intervals: []Interval{iv(0.95, 100, 25)}, scale: 0.5}, math.Exp2(-0.5)},
		// Near the float64 limit, 2·z·|Mean| overflows: the width is
		// divided by the mean first (a quarter's deviation scored 1).
		{Forecast{Mean: []float64{1e308}, Intervals: []Interval{iv(0.95, 1e308, 2.5e307)}}, 0.5},
		{Forecast{Mean: []float64{-1e308}, Intervals: []Interval{iv(0.8, -1e308, 1e307)}}, math.Exp2(-0.4)},
		{Forecast{Mean: []float64{100}, Intervals: []Interval{iv(0.95, 100, 0)}}, 1},
		{Forecast{Mean: []float64{0}, Intervals: []Interval{iv(0.95, 0, 1)}}, 0},
		{Forecast{Mean: []float64{100}}, 0},
		{Forecast{}, 0},
		{Forecast{Mean: []float64{100}, Intervals: []Interval{{Level: 0.95, Lower: []float64{-math.MaxFloat64}, Upper: []float64{math.MaxFloat64}}}}, 0},
	} {
		assert.InDelta(t, tc.want, tc.fc.Confidence(), 1e-12, "Confidence(%+v)", tc.fc)
	}
}

func TestForecastConcurrentUse(t *testing.T) {
	f, _ := New(Config{})
	y := seasonalSeries(72, 12)
	want, _ := f.Forecast(y, 12, 6)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got, err := f.Forecast(y, 12, 6)
			if !assert.NoError(t, err) || !assert.Equal(t, want.Model, got.Model) {
				return
			}
			assert.Equal(t, want.Mean, got.Mean)
		}()
	}
	wg.Wait()
}

func TestForecastDoesNotModifyInput(t *testing.T) {
	y := seasonalSeries(40, 4)
	c := append([]float64(nil), y...)
	for _, m := range Methods() {
		f, _ := New(Config{Method: m})
		_, err := f.Forecast(y, 4, 4)
		require.NoError(t, err, m)
	}
	near(t, "input", y, c, 0)
}

// benchMonthly is a 144-point monthly series (trend, multiplicative
// season, noise-like wiggle), the size of the classic airline data.
var benchMonthly = seasonalSeries(144, 12)

// The benchmarks' loops check errors by hand, not with require: require
// calls b.Helper on every call, and that would be measured.

func BenchmarkForecastAuto(b *testing.B) {
	f, _ := New(Config{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Forecast(benchMonthly, 12, 18); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkForecastNaive is the baseline for BenchmarkForecastAuto's ratio.
func BenchmarkForecastNaive(b *testing.B) {
	f, _ := New(Config{Method: "naive"})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Forecast(benchMonthly, 12, 18); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkForecastAutoDaily is the resolver's typical call: 120 daily
// points with a weekly season, one step ahead.
func BenchmarkForecastAutoDaily(b *testing.B) {
	f, _ := New(Config{})
	y := seasonalSeries(120, 7)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, err := f.Forecast(y, 7, 1)
			assert.NoError(b, err)
		}
	})
}

// BenchmarkForecastAutoLong is a host's long series handed to Forecast
// directly (the resolver cuts it to forecast.max_points): a random walk of
// 10 000 points. Its cost grows with the length, not its square: the
// robust drift's median step was an insertion sort, and 100 000 points
// took 37 s, 2.1 s after.
func BenchmarkForecastAutoLong(b *testing.B) {
	f, _ := New(Config{})
	r := rand.New(rand.NewPCG(95, 1))
	y := make([]float64, 10_000)
	y[0] = 100
	for i := 1; i < len(y); i++ {
		y[i] = y[i-1] + r.NormFloat64()
	}
	b.ReportAllocs()
	for b.Loop() {
		_, err := f.Forecast(y, 1, 1)
		assert.NoError(b, err)
	}
}

func FuzzForecastAuto(f *testing.F) { fuzzForecast(f, "auto") }

// FuzzForecastARIMA is FuzzForecastAuto for the automatic ARIMA alone.
func FuzzForecastARIMA(f *testing.F) { fuzzForecast(f, "arima") }

// fuzzForecast feeds the method arbitrary series, seasons and horizons:
// bad input is refused with a *SeriesError, and every forecast is finite
// with intervals around its mean.
func fuzzForecast(f *testing.F, method string) {
	enc := func(v ...float64) []byte {
		b := make([]byte, 0, 8*len(v))
		for _, x := range v {
			u := math.Float64bits(x)
			for i := range 8 {
				b = append(b, byte(u>>(8*i)))
			}
		}
		return b
	}
	f.Add(enc(1, 2, 3, 4, 5, 6, 7, 8), uint8(1), uint8(3))
	f.Add(enc(5, 5, 5, 5, 5, 5), uint8(4), uint8(2))
	f.Add(enc(1e308, -1e308, 1e308, -1e308, 1e308, -1e308, 1e308), uint8(2), uint8(5))
	f.Add(enc(1e-310, 2e-310, 0, 1e-310, 3e-310, 0, 1e-310), uint8(3), uint8(4))
	f.Add(enc(math.NaN(), 1, 2, 3, 4, 5), uint8(1), uint8(1))
	f.Add(enc(math.Inf(1), 1, 2, 3, 4, 5), uint8(1), uint8(1))
	f.Add(enc(seasonalSeries(40, 12)...), uint8(12), uint8(18))
	f.Add(enc(-3, -1, -4, -1, -5, -9, -2, -6, -5, -3), uint8(4), uint8(8))
	// Hostile seasonal series for auto's seasonal indices (weighted
	// medians, the decay chosen) and theta_opt: an additive season below
	// zero over just two cycles, a zero inside a season, one spike in a
	// steady season, a near-constant series, a season at 1e15 and at
	// 1e-12 over three cycles.
	f.Add(enc(-5, -1, -9, -2, -6, -1, -8, -3, -5), uint8(4), uint8(4))
	f.Add(enc(10, 20, 0, 40, 11, 21, 31, 41, 12, 0, 32, 42, 13), uint8(4), uint8(6))
	f.Add(enc(5, 8, 3, 5, 8, 3, 5, 800, 3, 5, 8, 3, 5, 8, 3), uint8(3), uint8(3))
	f.Add(enc(5, 5+1e-15, 5, 5+1e-15, 5, 5, 5+1e-15, 5, 5), uint8(2), uint8(4))
	f.Add(enc(1e15, 2e15, 3e15, 1.1e15, 2.1e15, 3.1e15, 1.2e15, 2.2e15, 3.2e15, 1.3e15), uint8(3), uint8(6))
	f.Add(enc(1e-12, 3e-12, 2e-12, 1.1e-12, 3.2e-12, 2.1e-12, 0.9e-12, 3.1e-12, 2.2e-12, 1e-12), uint8(3), uint8(6))
	fc, _ := New(Config{Method: method})
	f.Fuzz(func(t *testing.T, data []byte, season, h uint8) {
		y := make([]float64, len(data)/8)
		for i := range y {
			var u uint64
			for j := range 8 {
				u |= uint64(data[8*i+j]) << (8 * j)
			}
			y[i] = math.Float64frombits(u)
		}
		got, err := fc.Forecast(y, int(season), int(h))
		if err != nil {
			var se *SeriesError
			require.ErrorAs(t, err, &se)
			return
		}
		require.Len(t, got.Mean, int(h))
		checkFinite(t, got)
	})
}

// A series of extreme magnitude is fitted scaled by a power of two and
// the forecast scaled back. Before, ARIMA judged a series in units of 1e-9
// constant once differenced, intervals at 1e-200 had zero width (and a
// confidence of 1) and at 1e160 overflowed.
func TestExtremeMagnitudesForecastAsOrdinaryOnes(t *testing.T) {
	// Largest magnitude 928: fitted as it is.
	base := []float64{800, 824, 792, 840, 864, 832, 880, 856, 896, 920, 888, 928}
	for _, method := range []string{"naive", "theta", "ets", "arima", "auto"} {
		f, err := New(Config{Method: method})
		require.NoError(t, err)
		ref, err := f.Forecast(base, 1, 3)
		require.NoError(t, err)
		refWidth := ref.Intervals[1].Upper[2] - ref.Intervals[1].Lower[2]
		// Scaled by a power of two, the series is fitted exactly as base
		// is: the very same forecast, scaled.
		for _, exp := range []int{-1000, -700, -30, 30, 500, 990} {
			y := make([]float64, len(base))
			for i, v := range base {
				y[i] = math.Ldexp(v, exp)
			}
			fc, err := f.Forecast(y, 1, 3)
			require.NoError(t, err)
			assert.Equal(t, ref.Model, fc.Model, "%s at 2^%d", method, exp)
			for k := range ref.Mean {
				assert.Equal(t, ref.Mean[k], math.Ldexp(fc.Mean[k], -exp), "%s at 2^%d", method, exp)
			}
			assert.Equal(t, refWidth, math.Ldexp(fc.Intervals[1].Upper[2]-fc.Intervals[1].Lower[2], -exp), "%s at 2^%d", method, exp)
			assert.Equal(t, ref.Confidence(), fc.Confidence(), "%s at 2^%d", method, exp)
		}
		// In other units the series lands at another ordinary magnitude:
		// this series' ARIMA fit and the naive method are equivariant,
		// the others close (ETS's start follows the units, as R's does;
		// an ARIMA fit can stop elsewhere in other units, see
		// docs/forecasting.md).
		for _, scale := range []float64{1e-200, 1e-12, 1e-9, 1e12, 1e160} {
			y := make([]float64, len(base))
			for i, v := range base {
				y[i] = v * scale
			}
			fc, err := f.Forecast(y, 1, 3)
			require.NoError(t, err)
			if method == "arima" || method == "naive" {
				assert.Equal(t, ref.Model, fc.Model, "%s at %g", method, scale)
				assert.InEpsilon(t, ref.Mean[2], fc.Mean[2]/scale, 1e-6, "%s at %g", method, scale)
			} else {
				assert.InEpsilon(t, ref.Mean[2], fc.Mean[2]/scale, 0.05, "%s at %g", method, scale)
			}
			width := (fc.Intervals[1].Upper[2] - fc.Intervals[1].Lower[2]) / scale
			assert.InEpsilon(t, refWidth, width, 0.5, "%s at %g: the 95%% interval's width", method, scale)
			assert.InDelta(t, ref.Confidence(), fc.Confidence(), 0.05, "%s at %g", method, scale)
		}
	}
}

// A season is used only on a series longer than two of them (the doc's
// "Input handling"): hw on 24 points with season 12 falls back, on 25 it
// is hw.
func TestASeasonNeedsMoreThanTwoOfItself(t *testing.T) {
	f, err := New(Config{Method: "hw"})
	require.NoError(t, err)
	y := make([]float64, 25)
	for i := range y {
		y[i] = 100 + 10*math.Sin(2*math.Pi*float64(i)/12) + float64(i)
	}
	fc, err := f.Forecast(y[:24], 12, 12)
	require.NoError(t, err)
	assert.NotEqual(t, "hw", fc.Model)
	fc, err = f.Forecast(y, 12, 12)
	require.NoError(t, err)
	assert.Equal(t, "hw", fc.Model)
}

// The zero Config and MemoryConfig take the numbers their doc comments
// give: 80 % and 95 % intervals, MinPoints 6, ConfidenceScale 0.25, and
// 10000 keys of 512 points.
func TestDocumentedDefaults(t *testing.T) {
	f, err := New(Config{})
	require.NoError(t, err)
	assert.Equal(t, []float64{0.80, 0.95}, f.cfg.Levels)
	assert.Equal(t, 6, f.cfg.MinPoints)
	assert.Equal(t, 0.25, f.cfg.ConfidenceScale)

	h, err := NewMemoryHistory(MemoryConfig{})
	require.NoError(t, err)
	assert.Equal(t, 10000, h.keys.Cap(), "MaxKeys")
	assert.Equal(t, 512, h.maxPoints, "MaxPoints")
}

// weeklySeries returns three years of a positive weekly series (season
// 52) with a trend, a multiplicative yearly season of amplitude amp and
// log-normal noise of sd noise, seeded.
func weeklySeries(seed uint64, n int, amp, noise, trend float64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	phase := 2 * math.Pi * rng.Float64()
	y := make([]float64, n)
	for i := range y {
		s := 1 + amp*math.Sin(2*math.Pi*float64(i)/52+phase)
		y[i] = (100 + trend*float64(i)) * s * math.Exp(noise*rng.NormFloat64())
	}
	return y
}

// A multiplicative Holt–Winters fit with 57 states for a weekly season
// over three years found optima where the level rose far above the data
// and the indices fell to match: seed 4 forecast 128 times the series'
// largest value one week ahead, and 19 of these 40 series more than 10
// times. No forecast may leave the plausible range: the method falls
// back instead.
func TestForecastStaysInAPlausibleRange(t *testing.T) {
	f, err := New(Config{Method: "hw_mult"})
	require.NoError(t, err)
	for seed := range uint64(40) {
		y := weeklySeries(seed, 156, 0.1+0.01*float64(seed), 0.02+0.005*float64(seed), 0.3-0.015*float64(seed))
		fc, err := f.Forecast(y, 52, 52)
		require.NoError(t, err)
		top := slices.Max(y)
		for k, v := range fc.Mean {
			require.Less(t, math.Abs(v), 3*top, "seed %d, %s, step %d", seed, fc.Model, k+1)
		}
	}
}

// Hostile histories, each method: every forecast finite with its
// intervals around it, whatever the magnitude (±1e308 alternating, the
// largest float, 1e-300, subnormal), length (3 points), season (longer
// than the series) or shape (constant, alternating sign, counts); and
// auto's forecasts of the ones with an obvious answer are that answer.
func TestForecastsOfHostileHistories(t *testing.T) {
	alt := make([]float64, 24)
	counts := make([]float64, 24)
	for i := range alt {
		alt[i] = float64(1-2*(i%2)) * 5
		counts[i] = float64((i * 7) % 3)
	}
	series := map[string][]float64{
		"alternating": alt,
		"counts":      counts,
		"±1e308":      {-1e308, 1e308, -1e308, 1e308, -1e308, 1e308, -1e308, 1e308},
		"max float":   {math.MaxFloat64, math.MaxFloat64, math.MaxFloat64 / 2, math.MaxFloat64, math.MaxFloat64, math.MaxFloat64, math.MaxFloat64 / 3},
		"1e-300":      {1e-300, 3e-300, 2e-300, 4e-300, 3e-300, 5e-300, 4e-300, 6e-300},
		"subnormal":   {5e-324, 1e-323, 5e-324, 2e-323, 5e-324, 1e-323, 5e-324},
		"three":       {1, 2, 4},
		"constant":    {3, 3, 3, 3, 3, 3, 3},
	}
	for _, method := range Methods() {
		f, err := New(Config{Method: method, MinPoints: 3})
		require.NoError(t, err)
		for name, y := range series {
			for _, m := range []int{1, 2, 4, 100} {
				fc, err := f.Forecast(y, m, 6)
				require.NoError(t, err, "%s %s m=%d", method, name, m)
				for k, v := range fc.Mean {
					require.True(t, finite(v), "%s %s m=%d step %d: %v", method, name, m, k+1, v)
					for _, iv := range fc.Intervals {
						require.True(t, iv.Lower[k] <= v && v <= iv.Upper[k], "%s %s m=%d step %d: %v outside [%v, %v]", method, name, m, k+1, v, iv.Lower[k], iv.Upper[k])
					}
				}
			}
		}
	}
	auto, err := New(Config{MinPoints: 3})
	require.NoError(t, err)
	fc, err := auto.Forecast(alt, 2, 4)
	require.NoError(t, err)
	assert.Equal(t, []float64{5, -5, 5, -5}, fc.Mean, "alternating sign, season 2")
	fc, err = auto.Forecast(series["constant"], 100, 3)
	require.NoError(t, err)
	assert.Equal(t, []float64{3, 3, 3}, fc.Mean, "constant, season longer than the series")
	assert.Equal(t, fc.Mean, fc.Intervals[1].Lower, "constant: zero-width intervals")
	fc, err = auto.Forecast(counts, 1, 6)
	require.NoError(t, err)
	for k, v := range fc.Mean {
		assert.True(t, v >= 0 && v <= 2, "counts 0 to 2, step %d: %v", k+1, v)
	}
}
