package stats

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/optimize"
)

func TestNelderMeadFindsMinimum(t *testing.T) {
	evals := 0
	f := func(x []float64) float64 {
		evals++
		if x[0] < 0 {
			return penalty
		}
		return (x[0]-0.5)*(x[0]-0.5) + 3*(x[1]+2)*(x[1]+2) + math.Pow(x[2]-100, 2)/1e4
	}
	x, v := nelderMead(f, []float64{0.2, 0, 50}, []float64{5, 5, 5}, nil, nmRelTol, 2000)
	near(t, "x", x, []float64{0.5, -2, 100}, 1e-2)
	assert.LessOrEqual(t, v, 1e-6, "minimum, want about 0")
	assert.LessOrEqual(t, evals, 2000, "evaluations")
}

func TestNelderMeadRespectsEvaluationLimit(t *testing.T) {
	evals := 0
	f := func(x []float64) float64 { evals++; return -x[0] } // unbounded below
	x, v := nelderMead(f, []float64{0, 0}, []float64{1, 1}, nil, nmRelTol, 50)
	assert.Equal(t, 50, evals, "evaluations")
	assert.Equal(t, -x[0], v, "best value, want the value at its point")
	assert.Negative(t, v, "best value, want the lowest value seen")
	evals = 0
	_, v = nelderMead(f, []float64{0, 0}, []float64{1, 1}, nil, nmRelTol, 0)
	assert.Equal(t, 0, evals, "limit 0: evaluations")
	assert.Equal(t, penalty, v, "limit 0: value")
}

func TestNelderMeadNaNIsPenalised(t *testing.T) {
	f := func(x []float64) float64 {
		if x[0] > 1 {
			return math.NaN()
		}
		return (x[0] - 1) * (x[0] - 1)
	}
	x, v := nelderMead(f, []float64{0}, []float64{0.5}, nil, nmRelTol, 500)
	assert.False(t, math.IsNaN(v), "v is NaN")
	assert.LessOrEqual(t, x[0], 1.0, "x")
	assert.LessOrEqual(t, v, 1e-4, "v")
}

// TestRNelderMeadUnderMinimize checks the method's contract with gonum's
// Minimize: its own stopping rule ends the run as MethodConverge, the
// evaluation limit as FunctionEvaluationLimit, and the Result holds the
// best point evaluated either way.
func TestRNelderMeadUnderMinimize(t *testing.T) {
	evals := 0
	quad := optimize.Problem{Func: func(x []float64) float64 {
		evals++
		return (x[0]-1)*(x[0]-1) + 2*(x[1]+3)*(x[1]+3) + 7
	}}
	newMethod := func() *rNelderMead {
		return &rNelderMead{simplex: simplex{steps: []float64{1, 1}, tol: nmRelTol}}
	}
	for _, tc := range []struct {
		limit  int
		status optimize.Status
	}{
		{2000, optimize.MethodConverge},
		{20, optimize.FunctionEvaluationLimit},
	} {
		evals = 0
		settings := &optimize.Settings{FuncEvaluations: tc.limit, Converger: optimize.NeverTerminate{}}
		res, err := optimize.Minimize(quad, []float64{0, 0}, settings, newMethod())
		require.NoError(t, err)
		assert.Equal(t, tc.status, res.Status, "limit %d: status", tc.limit)
		assert.Equal(t, evals, res.FuncEvaluations, "limit %d: evaluations reported, against made", tc.limit)
		assert.LessOrEqual(t, evals, tc.limit, "limit %d: evaluations made", tc.limit)
		assert.Equal(t, 1, res.MajorIterations, "limit %d: major iterations, want 1 (the best point)", tc.limit)
		assert.Equal(t, quad.Func(res.X), res.F, "limit %d: F is not f(X)", tc.limit)
	}
	// Converged: at the minimum (1, -3), value 7, to the tolerance.
	evals = 0
	res, _ := optimize.Minimize(quad, []float64{0, 0}, &optimize.Settings{Converger: optimize.NeverTerminate{}}, newMethod())
	near(t, "x", res.X, []float64{1, -3}, 1e-3)
	assert.InDelta(t, 7, res.F, 1e-6, "minimum")
}
