package stats

import (
	"math"
	"testing"
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
	if evals > 2000+5 {
		t.Errorf("%d evaluations, limit 2000", evals)
	}
}

func TestNelderMeadRespectsEvaluationLimit(t *testing.T) {
	evals := 0
	f := func(x []float64) float64 { evals++; return -x[0] } // unbounded below
	nelderMead(f, []float64{0, 0}, []float64{1, 1}, nil, nmRelTol, 50)
	if evals > 60 {
		t.Errorf("%d evaluations, limit 50", evals)
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
