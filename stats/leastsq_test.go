package stats

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLevenbergMarquardtFitsExponential(t *testing.T) {
	// y = a·exp(−b·t) exactly, from a poor start.
	ts := []float64{0, 1, 2, 3, 4, 5, 6, 7}
	res := func(x, r []float64) bool {
		for i, tt := range ts {
			r[i] = x[0]*math.Exp(-x[1]*tt) - 5*math.Exp(-0.4*tt)
		}
		return true
	}
	x, ss, status := levenbergMarquardt(res, []float64{1, 1}, len(ts), 1e-12, 200)
	assert.Equal(t, lmConverged, status)
	near(t, "params", x, []float64{5, 0.4}, 1e-6)
	assert.Less(t, ss, 1e-12)
}

func TestLevenbergMarquardtNonZeroResidual(t *testing.T) {
	// A non-zero-residual problem, where Gauss–Newton alone converges
	// only linearly: the structured secant term gets it to the minimum of
	// Σ (x² − c_i)² at x² = mean(c).
	c := []float64{1, 4, 9, 16}
	res := func(x, r []float64) bool {
		for i, v := range c {
			r[i] = x[0]*x[0] - v
		}
		return true
	}
	x, _, status := levenbergMarquardt(res, []float64{1}, len(c), 1e-14, 100)
	assert.Equal(t, lmConverged, status)
	assert.InDelta(t, math.Sqrt(7.5), x[0], 1e-6)
}

func TestLevenbergMarquardtStatuses(t *testing.T) {
	_, _, status := levenbergMarquardt(func(x, r []float64) bool { return false }, []float64{1}, 1, 1e-8, 10)
	assert.Equal(t, lmFailed, status, "residuals not computable at the start")
	_, _, status = levenbergMarquardt(func(x, r []float64) bool { r[0] = math.NaN(); return true }, []float64{1}, 1, 1e-8, 10)
	assert.Equal(t, lmFailed, status, "NaN residuals at the start")
	// A slowly converging problem stops at the iteration limit.
	res := func(x, r []float64) bool {
		r[0] = math.Exp(x[0]) // infimum 0, never reached
		return true
	}
	x, _, status := levenbergMarquardt(res, []float64{0}, 1, 1e-30, 3)
	assert.Equal(t, lmStopped, status)
	require.Len(t, x, 1)
	assert.Less(t, x[0], 0.0, "it still went downhill")
}
