package stats

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStepMedian(t *testing.T) {
	// Three lines crossing: the median of the levels switches from c (11)
	// to b's flat line (12, 12); the median of the moves keeps c's slope.
	rs := []result{
		{mean: []float64{9, 13, 17}},
		{mean: []float64{12, 12, 12}},
		{mean: []float64{11, 11.5, 12}},
	}
	mean := func(r result) []float64 { return r.mean }
	assert.InDeltaSlice(t, []float64{11, 11.5, 12}, stepMedian(rs, mean), 1e-12)
	assert.InDeltaSlice(t, []float64{11, 12, 12}, combine("", rs, true).mean, 1e-12)
	// Four forecasts: the mean of the middle two, of the levels first and
	// then of the moves.
	rs = append(rs, result{mean: []float64{10, 14, 18}})
	assert.InDeltaSlice(t, []float64{10.5, 12.75, 15}, stepMedian(rs, mean), 1e-12)

	// Summed moves can leave the forecasts' range: here 3, 3 and then
	// 3 − 4 = −1 below three forecasts that all stay at or above zero. The
	// path is held within their range at every step.
	rs = []result{
		{mean: []float64{3, 4, 0}},
		{mean: []float64{4, 4, 0}},
		{mean: []float64{1, 1, 1}},
	}
	assert.InDeltaSlice(t, []float64{3, 3, 0}, stepMedian(rs, mean), 1e-12)

	// In logarithms, the median of the growth ratios: a line at 100 rising
	// by 10 (ratio 1.1) and one at 200 rising by 20 (1.1) agree on the
	// ratio, and a flat line at 150 is the median's first step; in the
	// series' units the moves' median is 10 (150, 160, 170), in ratios
	// 1.1 and then 120/110 (150, 165, 180).
	rs = []result{
		{mean: []float64{100, 110, 120}},
		{mean: []float64{200, 220, 240}},
		{mean: []float64{150, 150, 150}},
	}
	assert.InDeltaSlice(t, []float64{150, 160, 170}, movePath(rs, false), 1e-9)
	assert.InDeltaSlice(t, []float64{150, 165, 180}, movePath(rs, true), 1e-9)
	rs[2].mean[2] = 0 // a forecast at zero: the series' units
	assert.InDeltaSlice(t, stepMedian(rs, mean), movePath(rs, true), 1e-12)
}

// TestAutoStepMedianOnNoisyTrends: on noisy linear trends (24 points, 6
// steps, 60 seeds, four seed streams) the median of the candidates' moves beats the median
// of their levels, and a season above StepMedianSeason keeps the levels'.
func TestAutoStepMedianOnNoisyTrends(t *testing.T) {
	steps, err := New(Config{})
	require.NoError(t, err)
	levels, err := New(Config{Selection: Selection{LevelMedian: true}})
	require.NoError(t, err)
	const seeds, n, h = 60, 24, 6
	for stream := uint64(1); stream <= 4; stream++ {
		var sSteps, sLevels float64
		for seed := uint64(1); seed <= seeds; seed++ {
			rng := rand.New(rand.NewPCG(seed, stream))
			d := 2 * rng.NormFloat64()
			y := make([]float64, n+h)
			for i := range y {
				y[i] = 100 + d*float64(i) + 4*rng.NormFloat64()
			}
			a, err := steps.Forecast(y[:n], 1, h)
			require.NoError(t, err)
			b, err := levels.Forecast(y[:n], 1, h)
			require.NoError(t, err)
			sSteps += smape(y[n:], a.Mean) / seeds
			sLevels += smape(y[n:], b.Mean) / seeds
		}
		t.Logf("stream %d, sMAPE on noisy trends: median of the moves %.4f, of the levels %.4f", stream, sSteps, sLevels)
		assert.Less(t, sSteps, sLevels, "stream %d", stream)
	}

	// A monthly series (season 12 > 4) is combined by the levels' median
	// unless StepMedianSeason reaches its season.
	rng := rand.New(rand.NewPCG(7, 7))
	y := make([]float64, 72)
	for i := range y {
		y[i] = 100 + 0.5*float64(i) + 10*math.Sin(2*math.Pi*float64(i)/12) + 2*rng.NormFloat64()
	}
	a, err := steps.Forecast(y, 12, 18)
	require.NoError(t, err)
	b, err := levels.Forecast(y, 12, 18)
	require.NoError(t, err)
	assert.Equal(t, b.Mean, a.Mean, "a season above 4 takes the median of the levels")
	monthly, err := New(Config{Selection: Selection{StepMedianSeason: 12}})
	require.NoError(t, err)
	c, err := monthly.Forecast(y, 12, 18)
	require.NoError(t, err)
	assert.NotEqual(t, b.Mean, c.Mean, "StepMedianSeason 12 takes the moves' median for a monthly series")
}

// TestAutoRecentWindowFollowsABrokenTrend: on random walks whose drift
// changed once in their first half (72 points, 8 steps, 40 seeds), the
// candidates also fitted to the newest half forecast better than on the
// whole series alone; on walks whose drift did not change they cost
// less than a tenth; a window under RecentWindowPoints, or a season,
// leaves the forecast as it was.
func TestAutoRecentWindowFollowsABrokenTrend(t *testing.T) {
	window, err := New(Config{})
	require.NoError(t, err)
	whole, err := New(Config{Selection: Selection{RecentWindow: 1}})
	require.NoError(t, err)
	const seeds, n, h = 40, 72, 8
	for _, broken := range []bool{true, false} {
		var sWindow, sWhole float64
		for seed := uint64(1); seed <= seeds; seed++ {
			rng := rand.New(rand.NewPCG(seed, 2))
			brk := 10 + rng.IntN(30)
			d0, d1 := 2*rng.NormFloat64(), 2*rng.NormFloat64()
			y := make([]float64, n+h)
			lvl := 200.0
			for i := range y {
				d := d0
				if broken && i >= brk {
					d = d1
				}
				lvl += d + 2*rng.NormFloat64()
				y[i] = lvl
			}
			a, err := window.Forecast(y[:n], 1, h)
			require.NoError(t, err)
			b, err := whole.Forecast(y[:n], 1, h)
			require.NoError(t, err)
			sWindow += smape(y[n:], a.Mean) / seeds
			sWhole += smape(y[n:], b.Mean) / seeds
		}
		t.Logf("drift changed %v: sMAPE with the newest half %.4f, the whole series alone %.4f", broken, sWindow, sWhole)
		if broken {
			assert.Less(t, sWindow, sWhole)
		} else {
			assert.Less(t, sWindow, 1.1*sWhole)
		}
	}

	rng := rand.New(rand.NewPCG(3, 3))
	y := make([]float64, 72)
	lvl := 100.0
	for i := range y {
		lvl += 1 + 2*rng.NormFloat64()
		y[i] = lvl
	}
	same := func(f *Forecaster, y []float64, m int, msg string) {
		t.Helper()
		a, err := f.Forecast(y, m, 8)
		require.NoError(t, err)
		b, err := whole.Forecast(y, m, 8)
		require.NoError(t, err)
		assert.Equal(t, b.Mean, a.Mean, msg)
	}
	same(window, y[:40], 1, "a window of 20 points is under RecentWindowPoints")
	same(window, y, 4, "a season is not windowed")
	short, err := New(Config{Selection: Selection{RecentWindowPoints: 20}})
	require.NoError(t, err)
	a, err := short.Forecast(y[:40], 1, 8)
	require.NoError(t, err)
	b, err := whole.Forecast(y[:40], 1, 8)
	require.NoError(t, err)
	assert.NotEqual(t, b.Mean, a.Mean, "RecentWindowPoints 20 windows 40 points")
	require.NotEmpty(t, a.Intervals)
	for _, iv := range a.Intervals {
		for i, v := range a.Mean {
			assert.LessOrEqual(t, iv.Lower[i], v, "the intervals hold the forecast")
			assert.GreaterOrEqual(t, iv.Upper[i], v, "the intervals hold the forecast")
		}
	}
}

// TestAutoLogMovesOnBoomsAndGrowth: the median of the candidates' growth
// ratios against that of their moves in the series' units, on positive
// series of 30 points forecast 6 steps (60 seeds, four seed streams). A
// growth spurt of six periods whose end falls within three periods of
// the forecast origin (a boom that turns): the candidates that follow the
// spurt sit higher and rise faster, and in ratios they pull the path up
// less — the ratios forecast better. A geometric random walk with a
// steady drift: the ratios cost up to 2 % (its growth compounds, which
// every candidate's additive trend already misses). AdditiveMoves,
// AllowNegative and a series that is not above zero throughout take the
// moves in the series' units.
func TestAutoLogMovesOnBoomsAndGrowth(t *testing.T) {
	logs, err := New(Config{})
	require.NoError(t, err)
	additive, err := New(Config{Selection: Selection{AdditiveMoves: true}})
	require.NoError(t, err)
	const seeds, n, h = 60, 30, 6
	for _, boom := range []bool{true, false} {
		for stream := uint64(1); stream <= 4; stream++ {
			var sLogs, sAdditive float64
			for seed := uint64(1); seed <= seeds; seed++ {
				rng := rand.New(rand.NewPCG(seed, stream))
				y := make([]float64, n+h)
				x := 0.0
				g := 0.05 + 0.05*rng.NormFloat64()
				peak := n + 100
				if boom {
					g = 0.03 + 0.03*rng.NormFloat64()
					peak = n - 3 + rng.IntN(6)
				}
				for i := range y {
					gi := g
					switch {
					case i >= peak-6 && i < peak:
						gi += 0.08
					case i >= peak:
						gi -= 0.05
					}
					x += gi + 0.05*rng.NormFloat64()
					y[i] = 100 * math.Exp(x)
				}
				a, err := logs.Forecast(y[:n], 1, h)
				require.NoError(t, err)
				b, err := additive.Forecast(y[:n], 1, h)
				require.NoError(t, err)
				sLogs += smape(y[n:], a.Mean) / seeds
				sAdditive += smape(y[n:], b.Mean) / seeds
			}
			t.Logf("boom %v, stream %d: sMAPE with growth ratios %.4f, moves in units %.4f", boom, stream, sLogs, sAdditive)
			if boom {
				assert.Less(t, sLogs, sAdditive, "boom, stream %d", stream)
			} else {
				assert.Less(t, sLogs, 1.02*sAdditive, "steady growth, stream %d", stream)
			}
		}
	}

	// The switches: the moves in the series' units, as AdditiveMoves.
	rng := rand.New(rand.NewPCG(3, 3))
	y := make([]float64, n)
	x := 0.0
	for i := range y {
		x += 0.04 + 0.1*rng.NormFloat64()
		y[i] = 100 * math.Exp(x)
	}
	a, err := logs.Forecast(y, 1, h)
	require.NoError(t, err)
	b, err := additive.Forecast(y, 1, h)
	require.NoError(t, err)
	require.NotEqual(t, b.Mean, a.Mean, "a positive series takes the growth ratios")
	signed, err := New(Config{Selection: Selection{AllowNegative: true}})
	require.NoError(t, err)
	c, err := signed.Forecast(y, 1, h)
	require.NoError(t, err)
	assert.Equal(t, b.Mean, c.Mean, "AllowNegative: moves in the series' units")
	z := slices.Clone(y)
	z[0] = 0
	d, err := logs.Forecast(z, 1, h)
	require.NoError(t, err)
	e, err := additive.Forecast(z, 1, h)
	require.NoError(t, err)
	assert.Equal(t, e.Mean, d.Mean, "a series with a zero: moves in the series' units")
}

// TestAutoGrowthDriftOnGrowingMonthlySeries: on monthly series that grow
// by a random rate with a multiplicative season (a geometric random walk
// with drift, season amplitude 0.2, 72 points, 18 steps, 30 seeds, three
// seed streams) robust_drift stepping by growth rates forecasts better
// than in the series' units; AdditiveDrift, AllowNegative, a season of
// GrowthDriftSeason or less, and a series without a season keep the
// steps in the series' units.
func TestAutoGrowthDriftOnGrowingMonthlySeries(t *testing.T) {
	growth, err := New(Config{})
	require.NoError(t, err)
	additive, err := New(Config{Selection: Selection{AdditiveDrift: true, AdditiveTheta: true}})
	require.NoError(t, err)
	const seeds, n, h, m = 30, 72, 18, 12
	series := func(rng *rand.Rand) []float64 {
		g := 0.01 + 0.01*rng.NormFloat64()
		y := make([]float64, n+h)
		x := 0.0
		for i := range y {
			x += g + 0.03*rng.NormFloat64()
			y[i] = 100 * math.Exp(x) * (1 + 0.2*math.Sin(2*math.Pi*float64(i%m)/m))
		}
		return y
	}
	for stream := uint64(1); stream <= 3; stream++ {
		sGrowth, sAdditive := meanSMAPEs(t, growth, additive, series, seeds, stream, n, m, h)
		t.Logf("stream %d, growing monthly series: sMAPE with growth rates %.4f, steps in units %.4f", stream, sGrowth, sAdditive)
		assert.Less(t, sGrowth, sAdditive, "stream %d", stream)
	}

	y := series(rand.New(rand.NewPCG(5, 5)))[:n]
	b, err := additive.Forecast(y, m, h)
	require.NoError(t, err)
	a, err := growth.Forecast(y, m, h)
	require.NoError(t, err)
	require.NotEqual(t, b.Mean, a.Mean, "a monthly series above zero steps by growth rates")
	for name, cfg := range map[string][2]Selection{
		"AllowNegative":        {{AllowNegative: true}, {AllowNegative: true, AdditiveDrift: true}},
		"GrowthDriftSeason 12": {{GrowthDriftSeason: 12}, {AdditiveDrift: true, AdditiveTheta: true}},
	} {
		assertSameMean(t, name, cfg, y, m, h)
	}
	for _, season := range []int{1, 4} {
		a, err := growth.Forecast(y[:48], season, 8)
		require.NoError(t, err)
		b, err := additive.Forecast(y[:48], season, 8)
		require.NoError(t, err)
		assert.Equal(t, b.Mean, a.Mean, "season %d", season)
	}
}

// TestAutoDriftCycleLevelOnNoisyQuarterlySeries: on quarterly series
// with a trend, a multiplicative season and noise about them (40
// points, 8 steps, 100 seeds, three seed streams) robust_drift starting
// from its last cycle's level forecasts better than from the last
// adjusted value, which carries that quarter's noise whole;
// DriftCycleSeason 1 starts from the last value, and the monthly and
// yearly series and a drift by growth rates are not changed.
func TestAutoDriftCycleLevelOnNoisyQuarterlySeries(t *testing.T) {
	cycle, err := New(Config{})
	require.NoError(t, err)
	last, err := New(Config{Selection: Selection{DriftCycleSeason: 1}})
	require.NoError(t, err)
	const seeds, n, h, m = 100, 40, 8, 4
	series := func(rng *rand.Rand) []float64 {
		b := 1 + 0.5*rng.NormFloat64()
		y := make([]float64, n+h)
		for i := range y {
			y[i] = (100 + b*float64(i) + 6*rng.NormFloat64()) * (1 + 0.2*math.Sin(2*math.Pi*float64(i%m)/m))
		}
		return y
	}
	for stream := uint64(1); stream <= 3; stream++ {
		sCycle, sLast := meanSMAPEs(t, cycle, last, series, seeds, stream, n, m, h)
		t.Logf("stream %d, noisy quarterly series: sMAPE from the cycle's level %.4f, from the last value %.4f", stream, sCycle, sLast)
		assert.Less(t, sCycle, sLast, "stream %d", stream)
	}

	y := series(rand.New(rand.NewPCG(7, 7)))
	a, err := cycle.Forecast(y[:n], m, h)
	require.NoError(t, err)
	b, err := last.Forecast(y[:n], m, h)
	require.NoError(t, err)
	require.NotEqual(t, b.Mean, a.Mean, "a quarterly series starts from its last cycle's level")
	for _, season := range []int{1, 12} {
		a, err := cycle.Forecast(y, season, 8)
		require.NoError(t, err)
		b, err := last.Forecast(y, season, 8)
		require.NoError(t, err)
		assert.Equal(t, b.Mean, a.Mean, "season %d", season)
	}
	var got [2][]float64
	for i, sel := range []Selection{{GrowthDriftSeason: 2}, {GrowthDriftSeason: 2, DriftCycleSeason: 1}} {
		f, err := New(Config{Selection: sel})
		require.NoError(t, err)
		c, err := f.Forecast(y[:n], m, h)
		require.NoError(t, err)
		got[i] = c.Mean
	}
	assert.Equal(t, got[1], got[0], "a drift by growth rates starts from the last value")
}

// TestFromCycleLevel: the path moves to the mean of the last cycle's
// values, each moved on to the last period by the drift, keeping its
// slope and its intervals' width; a series shorter than two cycles keeps
// its last value.
func TestFromCycleLevel(t *testing.T) {
	y := []float64{1, 2, 3, 4, 10, 12, 14, 20}
	r := result{mean: []float64{22, 24}, lower: [][]float64{{21, 22}}, upper: [][]float64{{23, 26}}}
	fromCycleLevel(&r, y, 4)
	// (20 + 14+2 + 12+4 + 10+6)/4 = 17: the path moves by −3.
	assert.InDeltaSlice(t, []float64{19, 21}, r.mean, 1e-12)
	assert.InDeltaSlice(t, []float64{18, 19}, r.lower[0], 1e-12)
	assert.InDeltaSlice(t, []float64{20, 23}, r.upper[0], 1e-12)
	short := result{mean: []float64{22, 24}}
	fromCycleLevel(&short, y[1:], 4)
	assert.Equal(t, []float64{22, 24}, short.mean, "7 points, under two cycles of 4")
}

// TestAutoGrowthThetaOnExponentialMonthlySeries: on monthly series about
// an exponential trend with a multiplicative season (growth 1.5 % a
// month ± 1 %, noise 5 % about the trend, season amplitude 0.2, 72
// points, 18 steps, 30 seeds, three seed streams) theta_opt fitted to the
// logarithms forecasts better than in the series' units; AllowNegative, a
// season of GrowthDriftSeason or less, a series with a zero (kept, not
// replaced as an outlier, and no temporal levels) and a series without a
// season keep it in the series' units.
func TestAutoGrowthThetaOnExponentialMonthlySeries(t *testing.T) {
	growth, err := New(Config{})
	require.NoError(t, err)
	additive, err := New(Config{Selection: Selection{AdditiveTheta: true}})
	require.NoError(t, err)
	const seeds, n, h, m = 30, 72, 18, 12
	series := func(rng *rand.Rand) []float64 {
		g := 0.015 + 0.01*rng.NormFloat64()
		y := make([]float64, n+h)
		for i := range y {
			y[i] = 100 * math.Exp(g*float64(i)+0.05*rng.NormFloat64()) * (1 + 0.2*math.Sin(2*math.Pi*float64(i%m)/m))
		}
		return y
	}
	for stream := uint64(1); stream <= 3; stream++ {
		sGrowth, sAdditive := meanSMAPEs(t, growth, additive, series, seeds, stream, n, m, h)
		t.Logf("stream %d, exponential monthly series: sMAPE with theta_opt on the logarithms %.4f, in units %.4f", stream, sGrowth, sAdditive)
		assert.Less(t, sGrowth, sAdditive, "stream %d", stream)
	}

	y := series(rand.New(rand.NewPCG(5, 5)))[:n]
	b, err := additive.Forecast(y, m, h)
	require.NoError(t, err)
	a, err := growth.Forecast(y, m, h)
	require.NoError(t, err)
	require.NotEqual(t, b.Mean, a.Mean, "a monthly series above zero fits theta_opt to its logarithms")
	for name, cfg := range map[string][2]Selection{
		"AllowNegative":        {{AllowNegative: true}, {AllowNegative: true, AdditiveTheta: true}},
		"GrowthDriftSeason 12": {{GrowthDriftSeason: 12}, {GrowthDriftSeason: 12, AdditiveTheta: true}},
	} {
		assertSameMean(t, name, cfg, y, m, h)
	}
	for _, season := range []int{1, 4} {
		a, err := growth.Forecast(y[:48], season, 8)
		require.NoError(t, err)
		b, err := additive.Forecast(y[:48], season, 8)
		require.NoError(t, err)
		assert.Equal(t, b.Mean, a.Mean, "season %d", season)
	}
	// Kept, the zero is not interpolated away as an outlier; the temporal
	// levels' block means, which average it with values above zero, are
	// off.
	keep, err := New(Config{Selection: Selection{KeepOutliers: true, TemporalLevels: []int{1}}})
	require.NoError(t, err)
	keepAdditive, err := New(Config{Selection: Selection{KeepOutliers: true, TemporalLevels: []int{1}, AdditiveTheta: true}})
	require.NoError(t, err)
	z := slices.Clone(y)
	z[3] = 0 // adjusted additively then, below zero at the season's peak
	a, err = keep.Forecast(z, m, h)
	require.NoError(t, err)
	b, err = keepAdditive.Forecast(z, m, h)
	require.NoError(t, err)
	assert.Equal(t, b.Mean, a.Mean, "a series with a zero: theta_opt in the series' units")
}

// meanSMAPEs returns a's and b's mean sMAPE over the seeds series drawn by
// series from PCG(seed, stream), seed 1 to seeds: each one's first n
// points forecast h steps ahead with season m.
func meanSMAPEs(t *testing.T, a, b *Forecaster, series func(*rand.Rand) []float64, seeds int, stream uint64, n, m, h int) (sa, sb float64) {
	t.Helper()
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		y := series(rand.New(rand.NewPCG(seed, stream)))
		fa, err := a.Forecast(y[:n], m, h)
		require.NoError(t, err)
		fb, err := b.Forecast(y[:n], m, h)
		require.NoError(t, err)
		sa += smape(y[n:], fa.Mean) / float64(seeds)
		sb += smape(y[n:], fb.Mean) / float64(seeds)
	}
	return sa, sb
}

// assertSameMean checks that the two selections forecast y (season m, h
// steps ahead) alike.
func assertSameMean(t *testing.T, name string, sels [2]Selection, y []float64, m, h int) {
	t.Helper()
	var got [2][]float64
	for i, sel := range sels {
		f, err := New(Config{Selection: sel})
		require.NoError(t, err)
		c, err := f.Forecast(y, m, h)
		require.NoError(t, err)
		got[i] = c.Mean
	}
	assert.Equal(t, got[1], got[0], name)
}
