package stats

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestACFHandComputed(t *testing.T) {
	// y − mean = −1.5, −0.5, 0.5, 1.5; lag-0 sum 5; lag 1: 0.75 − 0.25 +
	// 0.75; lag 2: −0.75 − 0.75.
	r := acf([]float64{1, 2, 3, 4}, 2)
	near(t, "acf", r, []float64{0.25, -0.3}, 1e-12)
}

func TestSeasonalFigureHandComputed(t *testing.T) {
	y := []float64{1, 3, 1, 3, 1, 3, 1, 3}
	near(t, "multiplicative", seasonalFigure(y, 2, true), []float64{0.5, 1.5}, 1e-12)
	near(t, "additive", seasonalFigure(y, 2, false), []float64{-1, 1}, 1e-12)
	// Odd period: a plain moving average.
	y = []float64{1, 2, 6, 1, 2, 6, 1, 2, 6}
	near(t, "odd", seasonalFigure(y, 3, false), []float64{-2, -1, 3}, 1e-12)
}

func TestIsSeasonal(t *testing.T) {
	assert.True(t, isSeasonal(seasonalSeries(48, 12), 12), "seasonal series not detected")
	y := make([]float64, 48)
	for i := range y {
		y[i] = 100 + float64(i) + 3*math.Sin(float64(i)*1.3)
	}
	assert.False(t, isSeasonal(y, 12), "trend without season detected as seasonal")
	assert.False(t, isSeasonal(seasonalSeries(24, 12), 12), "two seasons are not enough for the test")
	assert.False(t, isSeasonal(constant(5, 40), 4), "constant series detected as seasonal")
}

func TestAdjustSeasonallyRoundTrip(t *testing.T) {
	y := seasonalSeries(36, 4)
	ya, sa := adjustSeasonally(y, 4)
	require.NotNil(t, sa.idx, "not adjusted")
	require.True(t, sa.mul, "not adjusted multiplicatively")
	for i := range y {
		if !assertNearly(t, y[i], sa.apply(ya[i], i), "round trip at %d", i) {
			t.FailNow()
		}
	}
	// A series with a non-positive value is adjusted additively.
	for i := range y {
		y[i] -= 150
	}
	_, sa = adjustSeasonally(y, 4)
	assert.NotNil(t, sa.idx, "series with negative values not adjusted")
	assert.False(t, sa.mul, "series with negative values not adjusted additively")
}

func TestLeastSquares(t *testing.T) {
	x := [][]float64{{1, 0}, {1, 1}, {1, 2}}
	coef, ok := leastSquares(x, []float64{1, 3, 5})
	require.True(t, ok, "refused")
	near(t, "coef", coef, []float64{1, 2}, 1e-12)
	_, ok = leastSquares([][]float64{{1, 2}, {2, 4}, {3, 6}}, []float64{1, 2, 3})
	assert.False(t, ok, "rank-deficient design accepted")
}
