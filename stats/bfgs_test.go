package stats

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func rosenbrock(x []float64) float64 {
	a, b := x[1]-x[0]*x[0], 1-x[0]
	return 100*a*a + b*b
}

// TestRBFGSTakesRsPath compares with R 4.2.2's optim(c(-1.2, 1), fr,
// method = "BFGS") (no gradient given), converged and stopped after 10
// iterations.
func TestRBFGSTakesRsPath(t *testing.T) {
	x, f, converged, ok := rBFGS(rosenbrock, []float64{-1.2, 1}, 100, nmRelTol)
	require.True(t, ok)
	assert.True(t, converged)
	near(t, "par", x, []float64{0.999804433231397, 0.999608380623481}, 1e-9)
	assert.InDelta(t, 3.82738275610795e-08, f, 1e-12)

	x, f, converged, ok = rBFGS(rosenbrock, []float64{-1.2, 1}, 10, nmRelTol)
	require.True(t, ok)
	assert.False(t, converged, "maxit reached is optim's code 1")
	near(t, "par after 10", x, []float64{-0.0606317028927686, -0.0458314084262612}, 1e-8)
	assert.InDelta(t, 1.37003997201239, f, 1e-9)
}

func TestRBFGSRefusesNonFiniteStart(t *testing.T) {
	_, _, _, ok := rBFGS(func([]float64) float64 { return math.NaN() }, []float64{1}, 100, nmRelTol)
	assert.False(t, ok)
	// A point where f is not finite is stepped back from.
	x, _, converged, ok := rBFGS(func(x []float64) float64 {
		if x[0] > 2 {
			return math.Inf(1)
		}
		return (x[0] - 1.5) * (x[0] - 1.5)
	}, []float64{0}, 100, nmRelTol)
	require.True(t, ok)
	assert.True(t, converged)
	assert.InDelta(t, 1.5, x[0], 1e-4)
}
