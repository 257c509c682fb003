package stats

import (
	"math"
	"testing"

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
	if v > 1e-6 {
		t.Errorf("minimum %v, want about 0", v)
	}
	if evals > 2000 {
		t.Errorf("%d evaluations, limit 2000", evals)
	}
}

func TestNelderMeadRespectsEvaluationLimit(t *testing.T) {
	evals := 0
	f := func(x []float64) float64 { evals++; return -x[0] } // unbounded below
	x, v := nelderMead(f, []float64{0, 0}, []float64{1, 1}, nil, nmRelTol, 50)
	if evals != 50 {
		t.Errorf("%d evaluations, limit 50", evals)
	}
	if v != -x[0] || v >= 0 {
		t.Errorf("best %v at %v, want the lowest value seen and its point", v, x)
	}
	evals = 0
	if _, v := nelderMead(f, []float64{0, 0}, []float64{1, 1}, nil, nmRelTol, 0); evals != 0 || v != penalty {
		t.Errorf("limit 0: %d evaluations, value %v", evals, v)
	}
}

func TestNelderMeadNaNIsPenalised(t *testing.T) {
	f := func(x []float64) float64 {
		if x[0] > 1 {
			return math.NaN()
		}
		return (x[0] - 1) * (x[0] - 1)
	}
	x, v := nelderMead(f, []float64{0}, []float64{0.5}, nil, nmRelTol, 500)
	if math.IsNaN(v) || x[0] > 1 || v > 1e-4 {
		t.Errorf("x %v v %v", x, v)
	}
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
		if err != nil {
			t.Fatal(err)
		}
		if res.Status != tc.status {
			t.Errorf("limit %d: status %v, want %v", tc.limit, res.Status, tc.status)
		}
		if res.FuncEvaluations != evals || evals > tc.limit {
			t.Errorf("limit %d: %d evaluations reported, %d made", tc.limit, res.FuncEvaluations, evals)
		}
		if res.MajorIterations != 1 {
			t.Errorf("limit %d: %d major iterations, want 1 (the best point)", tc.limit, res.MajorIterations)
		}
		if got := quad.Func(res.X); got != res.F {
			t.Errorf("limit %d: F %v is not f(X) = %v", tc.limit, res.F, got)
		}
	}
	// Converged: at the minimum (1, -3), value 7, to the tolerance.
	evals = 0
	res, _ := optimize.Minimize(quad, []float64{0, 0}, &optimize.Settings{Converger: optimize.NeverTerminate{}}, newMethod())
	near(t, "x", res.X, []float64{1, -3}, 1e-3)
	if math.Abs(res.F-7) > 1e-6 {
		t.Errorf("minimum %v, want 7", res.F)
	}
}
