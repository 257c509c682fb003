package stats

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSESFitIsTheLeastSquaresFit checks sesFit against a search over α
// and the initial level: no pair fits the one-step errors better, and
// its fitted values and final level are SES's recursion.
func TestSESFitIsTheLeastSquaresFit(t *testing.T) {
	sse := func(y []float64, a, l float64) float64 {
		s := 0.0
		for _, v := range y {
			s += (v - l) * (v - l)
			l = a*v + (1-a)*l
		}
		return s
	}
	for _, y := range [][]float64{n0001, n1173, cyclical(40, 3)} {
		alpha, fitted, last := sesFit(y)
		got := sse(y, alpha, fitted[0])
		l := fitted[0]
		for i, v := range y {
			assertNearly(t, l, fitted[i], "fitted[%d]", i)
			l = alpha*v + (1-alpha)*l
		}
		assertNearly(t, l, last, "the final level")
		for a := 0.0001; a < 1; a += 0.01 {
			for _, dl := range []float64{-0.1, -0.01, 0, 0.01, 0.1} {
				l0 := fitted[0] + dl*math.Abs(fitted[0])
				assert.GreaterOrEqual(t, sse(y, a, l0), got*(1-1e-9), "α %v, l0 %v", a, l0)
			}
		}
	}
}

// TestThetaOptModel checks the optimised Theta method: θ held at 1 is
// simple exponential smoothing; the θ it chooses fits no worse than any
// on a grid over [1, 3], and its forecast is that θ's.
func TestThetaOptModel(t *testing.T) {
	h := 6
	_, _, last := sesFit(n0001)
	r, ok := thetaOptModel(n0001, h, []float64{0.95}, 1)
	require.True(t, ok)
	for k := range h {
		assertNearly(t, last, r.mean[k], "θ = 1 is SES: mean[%d]", k)
	}
	for _, y := range [][]float64{n0001, n1173, cyclical(40, 3)} {
		n := len(y)
		icpt, slope := lineFit(y, 0)
		r, ok := thetaOptModel(y, h, []float64{0.8, 0.95}, DefaultMaxTheta)
		require.True(t, ok)
		assert.Equal(t, "theta_opt", r.model)
		// The θ it used: the grid point (to 1e-4) whose forecast is r's.
		used := math.NaN()
		for th := 1.0; th <= DefaultMaxTheta; th += 1e-4 {
			f := fitThetaLine(y, th, icpt, slope)
			if math.Abs(f.last/th+(1-1/th)*(icpt+slope*float64(n))-r.mean[0]) < 1e-6*math.Abs(r.mean[0]) {
				used = th
				break
			}
		}
		require.False(t, math.IsNaN(used), "no θ in [1, 3] gives r's forecast")
		best := fitThetaLine(y, used, icpt, slope).mae
		for th := 1.0; th <= DefaultMaxTheta; th += 0.05 {
			assert.LessOrEqual(t, best, fitThetaLine(y, th, icpt, slope).mae*(1+1e-3), "θ %.2f fits better than the chosen %.4f", th, used)
		}
	}
}

// TestAutoOptimisedThetaOnTrends measures the optimised Theta candidate
// on noisy linear trends, where the classical θ = 2 halves the trend of
// the theta line's SES: auto's sMAPE with it and with the classical
// Theta method.
func TestAutoOptimisedThetaOnTrends(t *testing.T) {
	opt, err := New(Config{})
	require.NoError(t, err)
	classic, err := New(Config{Selection: Selection{Candidates: []string{"theta", "damped", "ets", "drift"}}})
	require.NoError(t, err)
	var sOpt, sClassic float64
	const seeds, n, h = 60, 30, 6
	for seed := uint64(1); seed <= seeds; seed++ {
		rng := rand.New(rand.NewPCG(seed, 17))
		y := make([]float64, n+h)
		for i := range y {
			y[i] = 100 + 3*float64(i) + 8*rng.NormFloat64()
		}
		for _, c := range []struct {
			f   *Forecaster
			sum *float64
		}{{opt, &sOpt}, {classic, &sClassic}} {
			fc, err := c.f.Forecast(y[:n], 1, h)
			require.NoError(t, err)
			*c.sum += smape(y[n:], fc.Mean) / seeds
		}
	}
	t.Logf("sMAPE on noisy linear trends: auto %.3f, with the classical theta %.3f", sOpt, sClassic)
	assert.Less(t, sOpt, sClassic)
}

// goldenMin stops on any finite interval. Its tolerance is absolute, and
// a minimiser above about 5e12 sits where neighbouring float64s are
// further apart than 1e-3: the interval stopped shrinking there and the
// search never ended — Forecast hung for ever with MaxTheta 1e15, which
// New accepts. Now it also stops once the interval is a few ulps of its
// ends wide.
func TestGoldenMinStopsOnAWideInterval(t *testing.T) {
	for _, c := range []struct {
		lo, hi, tol float64
		f           func(float64) float64
		want        float64
	}{
		{1, 1e15, 1e-3, func(x float64) float64 { return -x }, 1e15},
		{1, math.MaxFloat64, 1e-3, func(x float64) float64 { return -x }, math.MaxFloat64},
		{1, 1e15, 1e-3, func(x float64) float64 { return math.Abs(x - 7e13) }, 7e13},
		{1, 1e15, 1e-3, func(x float64) float64 { return math.Abs(x - 2) }, 2},
		{1, 1e15, 1e-3, func(float64) float64 { return math.NaN() }, 1e15},
	} {
		calls := 0
		got := goldenMin(c.lo, c.hi, c.tol, func(x float64) float64 {
			calls++
			if calls > 10000 {
				t.Fatalf("goldenMin(%g, %g) still searching after %d calls, at %v", c.lo, c.hi, calls, x)
			}
			return c.f(x)
		})
		assert.InEpsilon(t, c.want, got, 1e-3, "goldenMin(%g, %g)", c.lo, c.hi)
		assert.LessOrEqual(t, calls, 1600, "goldenMin(%g, %g)", c.lo, c.hi)
	}
	// A huge MaxTheta forecasts, and a steady trend chooses a θ far above
	// 3: the forecast is then nearly the least-squares line's.
	rng := rand.New(rand.NewPCG(5, 85))
	y := make([]float64, 60)
	for i := range y {
		y[i] = 100 + 2*float64(i) + rng.NormFloat64()
	}
	icpt, slope := lineFit(y, 0)
	r, ok := thetaOptModel(y, 3, []float64{0.95}, 1e15)
	require.True(t, ok)
	for k, v := range r.mean {
		assert.InDelta(t, icpt+slope*float64(60+k), v, 0.5, "mean[%d]", k)
	}
	f, err := New(Config{Selection: Selection{MaxTheta: MaxThetaLimit}})
	require.NoError(t, err)
	fc, err := f.Forecast(y, 1, 3)
	require.NoError(t, err)
	checkFinite(t, fc)
}

// New accepts a MaxTheta up to MaxThetaLimit and refuses one above it
// with the typed error naming selection.max_theta; at the limit the
// optimised theta forecasts the least-squares line to within 1e-8 of the
// gap between the line and the series' smoothed level (MaxThetaLimit's
// doc).
func TestMaxThetaLimit(t *testing.T) {
	_, err := New(Config{Selection: Selection{MaxTheta: MaxThetaLimit}})
	require.NoError(t, err)
	for _, v := range []float64{math.Nextafter(MaxThetaLimit, math.Inf(1)), 1e15, math.MaxFloat64} {
		_, err := New(Config{Selection: Selection{MaxTheta: v}})
		var ce *ConfigError
		require.ErrorAs(t, err, &ce, "MaxTheta %g", v)
		assert.ErrorIs(t, err, ErrInvalidConfig)
		assert.Equal(t, "selection.max_theta", ce.Field)
		assert.Contains(t, err.Error(), "must be in [1, 1e+08]")
	}
	// A series that is a line plus a step: the smoothed level stays off
	// the line, and the largest θ, the line alone, fits it best.
	y := make([]float64, 40)
	for i := range y {
		y[i] = 50 + 3*float64(i)
		if i%2 == 1 {
			y[i] += 4
		}
	}
	icpt, slope := lineFit(y, 0)
	r, ok := thetaOptModel(y, 3, []float64{0.95}, MaxThetaLimit)
	require.True(t, ok)
	fit := fitThetaLine(y, MaxThetaLimit, icpt, slope)
	for k, v := range r.mean {
		line := icpt + slope*float64(len(y)+k)
		assert.LessOrEqual(t, math.Abs(v-line), 1.01e-8*math.Abs(fit.last-line)+1e-9*math.Abs(line), "mean[%d]", k)
	}
}
