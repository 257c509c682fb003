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
			for k, v := range y[n:] {
				*c.sum += 200 * math.Abs(v-fc.Mean[k]) / (math.Abs(v) + math.Abs(fc.Mean[k])) / h / seeds
			}
		}
	}
	t.Logf("sMAPE on noisy linear trends: auto %.3f, with the classical theta %.3f", sOpt, sClassic)
	assert.Less(t, sOpt, sClassic)
}
