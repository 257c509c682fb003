package stats

import (
	"math"
	"math/rand/v2"
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
