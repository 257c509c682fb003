package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBlockMeans(t *testing.T) {
	y := []float64{9, 1, 2, 3, 4, 5, 6}
	// The last block ends at the last point; the first 7 mod k are left out.
	assert.Equal(t, []float64{1.5, 3.5, 5.5}, blockMeans(y, 2))
	assert.Equal(t, []float64{2, 5}, blockMeans(y, 3))
	assert.Equal(t, y, blockMeans(y, 1))
	assert.Empty(t, blockMeans(y, 8))
}

func TestDefaultTemporalLevels(t *testing.T) {
	for _, tc := range []struct {
		m    int
		want []int
	}{
		{1, nil}, {4, nil}, {7, nil},
		{6, []int{2, 3}},
		{12, []int{2, 3, 4, 6}},
		{24, []int{2, 3, 4, 6, 8, 12}},
		{52, []int{2, 4, 13, 26}},
	} {
		assert.Equal(t, tc.want, defaultTemporalLevels(tc.m), "m = %d", tc.m)
	}
}

// TestAutoAveragesWithTemporalLevels recomputes the rule on a series
// without a season: auto's forecast is the mean of its forecast without
// aggregation and that forecast moved, over each block (the last one
// whole, though h cuts it short), to the mean the forecast of the
// series' block means gives the block (with TemporalRepeat: that block
// forecast repeated over the block's steps).
func TestAutoAveragesWithTemporalLevels(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 17))
	y := make([]float64, 41)
	level := 200.0
	for i := range y {
		level += 1 + rng.NormFloat64()
		y[i] = level + 8*rng.NormFloat64()
	}
	sel := Selection{KeepOutliers: true, Challengers: []string{"none"}}
	base, err := New(Config{Selection: sel})
	require.NoError(t, err)
	sel.TemporalLevels = []int{3}
	agg, err := New(Config{Selection: sel})
	require.NoError(t, err)

	const h = 8
	fb, err := base.Forecast(y, 1, h)
	require.NoError(t, err)
	// The level's forecast: the median of the candidates and the
	// temporal candidates (holt) on the 13 block means of the last 39
	// points, 3 blocks ahead (the fits at temporalTol).
	names := append(slices.Clone(DefaultCandidates), DefaultTemporalCandidates...)
	fits := fitCandidates(&fitCache{tol: temporalTol}, names, blockMeans(y, 3), 3, nil)
	require.Len(t, fits, len(names))
	fl := make([]float64, 3)
	for j := range fl {
		v := make([]float64, len(fits))
		for i, c := range fits {
			v[i] = c.r.mean[j]
		}
		fl[j] = medianOf(v)
	}
	// The base forecast's means over the blocks of steps 1–3, 4–6, 7–9:
	// the last block whole, though h cuts it short.
	fb9, err := base.Forecast(y, 1, 9)
	require.NoError(t, err)
	near(t, "the base forecast's first steps", fb9.Mean[:h], fb.Mean, 1e-12)
	bm := make([]float64, 3)
	for s, x := range fb9.Mean {
		bm[s/3] += x / 3
	}
	sel.TemporalRepeat = true
	rep, err := New(Config{Selection: sel})
	require.NoError(t, err)
	for _, c := range []struct {
		name  string
		f     *Forecaster
		level func(s int) float64
	}{
		{"moved", agg, func(s int) float64 { return fb.Mean[s] + fl[s/3] - bm[s/3] }},
		{"repeated", rep, func(s int) float64 { return fl[s/3] }},
	} {
		fa, err := c.f.Forecast(y, 1, h)
		require.NoError(t, err)
		checkFinite(t, fa)
		want := make([]float64, h)
		for s := range want {
			want[s] = (fb.Mean[s] + c.level(s)) / 2
		}
		near(t, c.name, fa.Mean, want, 1e-9)
		assert.Equal(t, fb.Model, fa.Model)
		// The intervals are the base level's, widened to hold the forecast.
		for i, iv := range fa.Intervals {
			for s := range want {
				assert.Equal(t, math.Min(fb.Intervals[i].Lower[s], want[s]), iv.Lower[s], "%s lower %d %d", c.name, i, s)
				assert.Equal(t, math.Max(fb.Intervals[i].Upper[s], want[s]), iv.Upper[s], "%s upper %d %d", c.name, i, s)
			}
		}
	}
	sel.TemporalRepeat = false

	// [1] alone is the series itself: no aggregation.
	sel.TemporalLevels = []int{1}
	one, err := New(Config{Selection: sel})
	require.NoError(t, err)
	f1, err := one.Forecast(y, 1, h)
	require.NoError(t, err)
	assert.Equal(t, fb.Mean, f1.Mean)
	// A level that leaves fewer than 8 blocks is skipped.
	sel.TemporalLevels = []int{6}
	six, err := New(Config{Selection: sel})
	require.NoError(t, err)
	f6, err := six.Forecast(y, 1, h)
	require.NoError(t, err)
	assert.Equal(t, fb.Mean, f6.Mean)
}

// noisySeasonal returns n points of a monthly series whose noise hides
// its slowly wandering level: a season of 12, a random-walk level and
// white noise several times the level's steps.
func noisySeasonal(n int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 23))
	y := make([]float64, n)
	level, slope := 1000.0, 2.0
	for i := range y {
		level += slope + 4*rng.NormFloat64()
		s := 1 + 0.15*math.Sin(2*math.Pi*float64(i%12)/12)
		y[i] = level*s + 40*rng.NormFloat64()
	}
	return y
}

// TestAutoTemporalLevelsImproveNoisyMonthlySeries measures what the
// default levels (2, 3, 4, 6 for a season of 12) buy on noisy monthly
// series, against auto without them, and checks that the default leaves
// a season of 4 or none alone.
func TestAutoTemporalLevelsImproveNoisyMonthlySeries(t *testing.T) {
	with, _ := New(Config{})
	without, _ := New(Config{Selection: Selection{TemporalLevels: []int{1}}})
	var sWith, sWithout float64
	const seeds, n, h = 20, 84, 18
	for seed := uint64(1); seed <= seeds; seed++ {
		y := noisySeasonal(n+h, seed)
		train, test := y[:n], y[n:]
		for _, c := range []struct {
			f   *Forecaster
			sum *float64
		}{{with, &sWith}, {without, &sWithout}} {
			fc, err := c.f.Forecast(train, 12, h)
			require.NoError(t, err)
			*c.sum += smape(test, fc.Mean) / seeds
		}
		for _, m := range []int{1, 4} {
			a, err := with.Forecast(train, m, h)
			require.NoError(t, err)
			b, err := without.Forecast(train, m, h)
			require.NoError(t, err)
			assert.Equal(t, b.Mean, a.Mean, "seed %d, season %d", seed, m)
		}
	}
	t.Logf("sMAPE on noisy monthly series: auto %.3f, without temporal levels %.3f", sWith, sWithout)
	assert.Less(t, sWith, sWithout, "the temporal levels help auto")
}

func TestTemporalLevelsConfigIsCopied(t *testing.T) {
	ks := []int{2, 3}
	f, err := New(Config{Selection: Selection{TemporalLevels: ks}})
	require.NoError(t, err)
	ks[0] = 5
	assert.Equal(t, []int{2, 3}, f.cfg.Selection.TemporalLevels, "the caller's TemporalLevels were not copied")
	f, err = New(Config{Selection: Selection{TemporalLevels: []int{}}})
	require.NoError(t, err)
	assert.Nil(t, f.cfg.Selection.TemporalLevels, "an empty list takes the default")
}

// TestAutoTemporalLevelsMoveAChallenger checks that the levels apply
// where a challenger answers alone too (unless TemporalRepeat): ARIMA's
// forecast of a cyclical series is averaged with itself moved to the
// candidates' forecast of the series' two-point means.
func TestAutoTemporalLevelsMoveAChallenger(t *testing.T) {
	sel := Selection{KeepOutliers: true, TemporalLevels: []int{1}}
	alone, err := New(Config{Selection: sel})
	require.NoError(t, err)
	sel.TemporalLevels = []int{2}
	agg, err := New(Config{Selection: sel})
	require.NoError(t, err)
	sel.TemporalRepeat = true
	rep, err := New(Config{Selection: sel})
	require.NoError(t, err)

	const h = 6
	won := 0
	for seed := uint64(1); seed <= 10; seed++ {
		y := cyclical(60, seed)
		fb, err := alone.Forecast(y, 1, h)
		require.NoError(t, err)
		if !strings.HasPrefix(fb.Model, "auto(arima") {
			continue
		}
		won++
		names := append(slices.Clone(DefaultCandidates), DefaultTemporalCandidates...)
		fits := fitCandidates(&fitCache{tol: temporalTol}, names, blockMeans(y, 2), h/2, nil)
		require.Len(t, fits, len(names))
		want := make([]float64, h)
		for b := range h / 2 {
			v := make([]float64, len(fits))
			for i, c := range fits {
				v[i] = c.r.mean[b]
			}
			shift := medianOf(v) - (fb.Mean[2*b]+fb.Mean[2*b+1])/2
			for s := 2 * b; s < 2*b+2; s++ {
				want[s] = fb.Mean[s] + shift/2
			}
		}
		fa, err := agg.Forecast(y, 1, h)
		require.NoError(t, err)
		assert.Equal(t, fb.Model, fa.Model)
		near(t, "moved", fa.Mean, want, 1e-9)
		fr, err := rep.Forecast(y, 1, h)
		require.NoError(t, err)
		assert.Equal(t, fb.Mean, fr.Mean, "seed %d: TemporalRepeat leaves the challenger alone", seed)
	}
	require.Positive(t, won, "ARIMA answered alone for none of the series")
	t.Logf("ARIMA answered alone for %d of 10 series", won)
}

// TestAutoTemporalLevelsForecastAStepAlikeAtEveryHorizon checks that a
// step's forecast does not depend on how many steps are asked for: a
// block that h cuts short is moved by the level's forecast of its mean
// less the base forecast's mean over the whole block, not over the
// steps h leaves of it (h = 1 moved the first step to the mean of the
// next six months: on a trending series, more than half a month's rise
// ahead of the forecast for h = 6).
func TestAutoTemporalLevelsForecastAStepAlikeAtEveryHorizon(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	y := make([]float64, 96)
	for i := range y {
		y[i] = 100 + 5*float64(i) + 10*math.Sin(2*math.Pi*float64(i%12)/12) + 2*rng.NormFloat64()
	}
	// No challenger and no ranking: what auto chooses does not depend on h.
	f, err := New(Config{Selection: Selection{Challengers: []string{"none"}}})
	require.NoError(t, err)
	const hMax = 18
	full, err := f.Forecast(y, 12, hMax)
	require.NoError(t, err)
	for h := 1; h < hMax; h++ {
		fc, err := f.Forecast(y, 12, h)
		require.NoError(t, err)
		assert.Equal(t, full.Model, fc.Model)
		near(t, fmt.Sprintf("h = %d", h), fc.Mean, full.Mean[:h], 1e-9)
	}
}

// decayingSeasonal returns a monthly series above zero that decays
// towards zero, its season and noise in proportion to its level.
func decayingSeasonal(seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 2))
	y := make([]float64, 30+rng.IntN(60))
	level := 50 + 100*rng.Float64()
	rate := 0.9 + 0.1*rng.Float64()
	for i := range y {
		level *= rate
		y[i] = level*(1+0.3*math.Sin(2*math.Pi*float64(i%12)/12)) + 0.5 + 0.2*level*rng.Float64()
	}
	return y
}

// TestAutoTemporalLevelsKeepAPositiveForecastPositive checks that a level
// whose every candidate goes below zero on a series above zero is left
// out: 2 of these 60 decaying series were forecast below zero with the
// levels (to −11.7), and at or above zero without them.
func TestAutoTemporalLevelsKeepAPositiveForecastPositive(t *testing.T) {
	without, err := New(Config{Selection: Selection{TemporalLevels: []int{1}}})
	require.NoError(t, err)
	with, err := New(Config{})
	require.NoError(t, err)
	for seed := uint64(0); seed < 60; seed++ {
		y := decayingSeasonal(seed)
		b, err := without.Forecast(y, 12, 18)
		require.NoError(t, err)
		if slices.Min(b.Mean) < 0 {
			continue
		}
		a, err := with.Forecast(y, 12, 18)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, slices.Min(a.Mean), 0.0, "seed %d", seed)
	}
}

// TestAutoTemporalCandidatesFollowATrend measures what Holt's linear
// trend at the temporal levels (Selection.TemporalCandidates' default)
// buys on noisy trending monthly series, against the levels with the
// combined candidates alone, and checks that a season of 4, 7 (prime)
// or none, which has no levels by default, is left alone.
func TestAutoTemporalCandidatesFollowATrend(t *testing.T) {
	with, _ := New(Config{})
	without, _ := New(Config{Selection: Selection{TemporalCandidates: []string{"none"}}})
	var sWith, sWithout float64
	const seeds, n, h = 30, 84, 18
	for seed := uint64(1); seed <= seeds; seed++ {
		y := noisySeasonal(n+h, seed)
		train, test := y[:n], y[n:]
		for _, c := range []struct {
			f   *Forecaster
			sum *float64
		}{{with, &sWith}, {without, &sWithout}} {
			fc, err := c.f.Forecast(train, 12, h)
			require.NoError(t, err)
			*c.sum += smape(test, fc.Mean) / seeds
		}
		for _, m := range []int{1, 4, 7} {
			a, err := with.Forecast(train, m, h)
			require.NoError(t, err)
			b, err := without.Forecast(train, m, h)
			require.NoError(t, err)
			assert.Equal(t, b.Mean, a.Mean, "seed %d, season %d", seed, m)
		}
	}
	t.Logf("sMAPE on noisy trending monthly series: holt at the levels %.3f, without %.3f", sWith, sWithout)
	assert.Less(t, sWith, sWithout, "holt at the temporal levels helps auto")
}

func TestTemporalCandidatesConfig(t *testing.T) {
	f, err := New(Config{})
	require.NoError(t, err)
	assert.Equal(t, []string{"holt"}, f.cfg.Selection.TemporalCandidates, "the default")
	f, err = New(Config{Selection: Selection{TemporalCandidates: []string{"none"}}})
	require.NoError(t, err)
	assert.Nil(t, f.cfg.Selection.TemporalCandidates, `"none" alone adds none`)
	names := []string{"holt", "ses"}
	f, err = New(Config{Selection: Selection{TemporalCandidates: names}})
	require.NoError(t, err)
	names[0] = "naive2"
	assert.Equal(t, []string{"holt", "ses"}, f.cfg.Selection.TemporalCandidates, "the caller's list was not copied")
	for _, bad := range [][]string{{"none", "holt"}, {"holt", "holt"}, {"bogus"}} {
		_, err := New(Config{Selection: Selection{TemporalCandidates: bad}})
		assert.Error(t, err, "%v", bad)
	}
}
