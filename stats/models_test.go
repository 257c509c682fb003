package stats

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var lv95 = []float64{0.95}

const z95 = 1.959963984540054

func TestNaiveHandComputed(t *testing.T) {
	// Steps 1, 2, 3: sigma = sqrt(14/3); the h-step sd grows as sqrt(h).
	r := naiveModel([]float64{1, 2, 4, 7}, 2, lv95)
	near(t, "mean", r.mean, []float64{7, 7}, 0)
	s := math.Sqrt(14.0 / 3)
	near(t, "lo95", r.lower[0], []float64{7 - z95*s, 7 - z95*s*math.Sqrt2}, 1e-12)
}

func TestSeasonalNaiveHandComputed(t *testing.T) {
	y := []float64{1, 2, 3, 4, 2, 3, 4, 5, 3, 4, 5, 6}
	r := seasonalNaiveModel(y, 4, 5, lv95, "snaive")
	near(t, "mean", r.mean, []float64{3, 4, 5, 6, 3}, 0)
	// Every seasonal difference is 1: sd 1 for a season, sqrt(2) after.
	near(t, "hi95", r.upper[0], []float64{3 + z95, 4 + z95, 5 + z95, 6 + z95, 3 + z95*math.Sqrt2}, 1e-12)
}

func TestDriftHandComputed(t *testing.T) {
	// Drift (5 − 1) / 3; residual steps 1 − 4/3, 1 − 4/3, 2 − 4/3.
	r, ok := driftModel([]float64{1, 2, 3, 5}, 2, lv95)
	require.True(t, ok, "refused")
	d := 4.0 / 3
	near(t, "mean", r.mean, []float64{5 + d, 5 + 2*d}, 1e-12)
	sigma := math.Sqrt((2*(1-d)*(1-d) + (2-d)*(2-d)) / 2)
	near(t, "hi95", r.upper[0][:1], []float64{5 + d + z95*sigma*math.Sqrt(1+1.0/3)}, 1e-12)
}

func TestThetaMatchesR(t *testing.T) {
	m := methods["theta"]
	r, ok := m.run(n0001, 1, 6, lv95)
	require.True(t, ok, "refused")
	near(t, "yearly", r.mean, []float64{5085.069837, 5233.189782, 5381.309727, 5529.429672, 5677.549617, 5825.669562}, 1e-6)
	// A seasonal series: multiplicative adjustment, then SES with drift.
	r, _ = m.run(n1173, 4, 8, lv95)
	near(t, "quarterly", r.mean, []float64{4708.954516, 4688.366289, 4441.665195, 4972.171621, 4765.435233, 4744.431947, 4494.622365, 5031.277746}, 1e-6)
}

func TestThetaIsSESPlusHalfSlopeDrift(t *testing.T) {
	y := []float64{3, 5, 4, 6, 8, 7, 9, 11, 10, 12}
	r, ok := thetaModel(nil, y, 3, lv95)
	require.True(t, ok, "refused")
	fit, _ := fitETS(y, specSES, critMSE)
	_, slope := lineFit(y, 0)
	a := fit.par.alpha
	off := (1 - math.Pow(1-a, 10)) / a
	for k := range 3 {
		assertNearly(t, fit.l+slope/2*(float64(k)+off), r.mean[k], "mean[%d]", k)
	}
}

func TestSeasonallyAdjustedBenchmarksMatchR(t *testing.T) {
	for _, tc := range []struct {
		method string
		want   []float64
	}{
		{"naive2", []float64{4689.993842, 4655.528536, 4397.408796, 4908.000000, 4689.993842, 4655.528536, 4397.408796, 4908.000000}},
		{"ses_sa", []float64{4684.261396, 4649.838216, 4392.033969, 4902.001091, 4684.261396, 4649.838216, 4392.033969, 4902.001091}},
		{"damped_sa", []float64{4711.537384, 4698.612405, 4458.189615, 4997.807697, 4796.386194, 4781.153181, 4534.594737, 5081.378825}},
	} {
		r, ok := methods[tc.method].run(n1173, 4, 8, lv95)
		require.True(t, ok, "%s refused", tc.method)
		near(t, tc.method, r.mean, tc.want, 1e-6)
	}
	// naive2's bounds are the random walk's, scaled by the indices.
	r, _ := methods["naive2"].run(n1173, 4, 2, lv95)
	near(t, "naive2 lo95", r.lower[0], []float64{4476.388190, 4355.664448}, 1e-6)
}

func TestRegressionHandComputed(t *testing.T) {
	// y = 2 + 3t + (0, 5) by season: fitted exactly, zero-width intervals.
	y := make([]float64, 10)
	for i := range y {
		y[i] = 2 + 3*float64(i+1) + 5*float64(i%2)
	}
	r, ok := regressionModel(y, 2, 3, lv95)
	require.True(t, ok, "refused")
	near(t, "mean", r.mean, []float64{35, 43, 41}, 1e-9)
	for k := range 3 {
		assert.InDelta(t, r.lower[0][k], r.upper[0][k], 1e-6, "interval %d has a width, want 0", k)
	}
}

func TestCombineMedianAndMean(t *testing.T) {
	rs := []result{
		{mean: []float64{1}, lower: [][]float64{{0}}, upper: [][]float64{{2}}},
		{mean: []float64{2}, lower: [][]float64{{1}}, upper: [][]float64{{3}}},
		{mean: []float64{9}, lower: [][]float64{{8}}, upper: [][]float64{{10}}},
	}
	c := combine("c", rs, true)
	assert.Equal(t, 2.0, c.mean[0], "median")
	assert.Equal(t, 1.0, c.lower[0][0], "median's lower bound")
	assert.Equal(t, 4.0, combine("c", rs, false).mean[0], "mean")
	envelope(&c, rs)
	assert.Equal(t, 0.0, c.lower[0][0], "envelope's lower bound")
	assert.Equal(t, 10.0, c.upper[0][0], "envelope's upper bound")
}

func TestHoltWintersFollowsSeason(t *testing.T) {
	y := seasonalSeries(48, 12)
	for _, name := range []string{"hw", "hw_mult"} {
		r, ok := methods[name].run(y, 12, 12, lv95)
		require.True(t, ok, "%s refused", name)
		// The forecast keeps the season's shape: peak near position 3,
		// trough near 9, as the data.
		assert.Greater(t, r.mean[3], r.mean[9], "%s: forecast %v lost the season", name, r.mean)
		for k := range r.mean {
			want := (100 + 0.8*float64(48+k)) * (1 + 0.2*math.Sin(2*math.Pi*float64(k)/12))
			assert.InDelta(t, want, r.mean[k], 0.08*want, "%s mean[%d]", name, k)
		}
	}
}
