package stats

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRobustDriftModel(t *testing.T) {
	lv := []float64{0.8, 0.95}
	// A random walk that rises by about 1 a step and crashes once: the
	// step is half the median step and half the mean step.
	y := []float64{10}
	for i := 1; i < 20; i++ {
		s := 1 + 0.1*math.Sin(float64(i))
		if i == 12 {
			s = -15
		}
		y = append(y, y[i-1]+s)
	}
	n := len(y)
	steps := make([]float64, n-1)
	for i := 1; i < n; i++ {
		steps[i-1] = y[i] - y[i-1]
	}
	meanStep := (y[n-1] - y[0]) / float64(n-1)
	medStep := medianOf(append([]float64(nil), steps...))
	r, ok := robustDriftModel(y, 4, lv, 0.5)
	require.True(t, ok)
	assert.Equal(t, "robust_drift", r.model)
	d, _ := driftModel(y, 4, lv)
	for k := range 4 {
		want := y[n-1] + (0.5*medStep+0.5*meanStep)*float64(k+1)
		assertNearly(t, want, r.mean[k], "mean[%d]", k)
		for i := range lv {
			// The random walk with drift's intervals, about the new step.
			assertNearly(t, d.upper[i][k]-d.mean[k], r.upper[i][k]-r.mean[k], "interval %d, step %d", i, k)
		}
	}
	r, _ = robustDriftModel(y, 2, lv, 1)
	assertNearly(t, y[n-1]+medStep, r.mean[0], "weight 1: the median step")

	// Noise about a trend: the steps are negatively autocorrelated (about
	// −0.5), and the mean step, whose noise is only the end points', is
	// kept alone.
	rng := rand.New(rand.NewPCG(3, 9))
	y = make([]float64, 40)
	for i := range y {
		y[i] = 50 + 2*float64(i) + 5*rng.NormFloat64()
	}
	r, _ = robustDriftModel(y, 3, lv, 0.5)
	d, _ = driftModel(y, 3, lv)
	assert.Equal(t, d.mean, r.mean)

	_, ok = robustDriftModel([]float64{1, 2}, 3, lv, 0.5)
	assert.False(t, ok, "two points")
}

// On random walks with drift that crashed once in their history, auto's
// robust drift follows the walk's drift where the mean step takes the
// crash in.
func TestAutoRobustDriftOnShockedWalks(t *testing.T) {
	robust, err := New(Config{})
	require.NoError(t, err)
	plain, err := New(Config{Selection: Selection{Candidates: []string{"theta_opt", "damped", "ets", "drift"}}})
	require.NoError(t, err)
	var sRobust, sPlain float64
	const seeds, n, h = 60, 30, 6
	for seed := uint64(1); seed <= seeds; seed++ {
		rng := rand.New(rand.NewPCG(seed, 23))
		crash := 5 + rng.IntN(n-10)
		y := make([]float64, n+h)
		y[0] = 100
		for i := 1; i < len(y); i++ {
			y[i] = y[i-1] + 2 + 2*rng.NormFloat64()
			if i == crash {
				y[i] -= 25
			}
		}
		for _, c := range []struct {
			f   *Forecaster
			sum *float64
		}{{robust, &sRobust}, {plain, &sPlain}} {
			fc, err := c.f.Forecast(y[:n], 1, h)
			require.NoError(t, err)
			*c.sum += smape(y[n:], fc.Mean) / seeds
		}
	}
	t.Logf("sMAPE on random walks with drift that crashed once: auto %.3f, with the mean-step drift %.3f", sRobust, sPlain)
	assert.Less(t, sRobust, sPlain)
}

// TestGrowthDriftModel: on a series growing by 10 % a step the growth
// drift compounds it exactly, and its intervals are the robust drift's in
// the series' units, moved with the forecast.
func TestGrowthDriftModel(t *testing.T) {
	lv := []float64{0.8, 0.95}
	y := make([]float64, 20)
	for i := range y {
		y[i] = 100 * math.Pow(1.1, float64(i))
	}
	r, ok := growthDriftModel(y, 4, lv, 0.5)
	require.True(t, ok)
	d, _ := robustDriftModel(y, 4, lv, 0.5)
	for k := range 4 {
		assertNearly(t, 100*math.Pow(1.1, float64(20+k)), r.mean[k], "mean[%d]", k)
		assert.Less(t, d.mean[k], r.mean[k], "the units' drift does not compound, step %d", k)
		for i := range lv {
			assertNearly(t, d.upper[i][k]-d.mean[k], r.upper[i][k]-r.mean[k], "interval %d, step %d", i, k)
			assertNearly(t, d.mean[k]-d.lower[i][k], r.mean[k]-r.lower[i][k], "interval %d, step %d", i, k)
		}
	}
}
