package stats

import (
	"math"
)

// nmRelTol is the relative tolerance of the Nelder–Mead stopping rule: the
// simplex's worst and best values within nmRelTol·(|f(x0)| + nmRelTol), as
// R's optim (its default reltol, √ε).
const nmRelTol = 1.4901161193847656e-08

// nelderMead minimises f from x0 and returns the best point found and its
// value. The search is the Nelder–Mead variant of R's optim (Nash 1990),
// which R's ets uses: the shape of a smoothing model's objective makes the
// local optimum found depend on the variant, and this one reproduces R's
// fits (gonum's NelderMead, with its other contraction and shrink rules,
// lands elsewhere: 4 % off R's Holt on the M3 subset). steps[i] is the
// initial simplex's edge along coordinate i; units[i] converts coordinate
// i to the units in which the simplex's size is measured (nil: all 1), so
// that a search in rescaled coordinates takes the same path as in the
// original ones; tol is the relative tolerance of the stopping rule. f must
// return a finite value (penalty where inadmissible; NaN and infinities are
// treated as penalty). At most maxEval evaluations are made.
//
// Design note: the search runs as a plain loop rather than as an
// optimize.Method driven by gonum's optimize.Minimize. Minimize hands every
// evaluation between three goroutines over channels; for these cheap
// objectives that doubled the CPU time of a forecast (1.7 ms against
// 0.75 ms for auto on 120 daily points) and made it sensitive to
// scheduler load.
func nelderMead(f func([]float64) float64, x0, steps, units []float64, tol float64, maxEval int) ([]float64, float64) {
	best := append([]float64(nil), x0...)
	fbest := math.Inf(1)
	evals := 0
	eval := func(x []float64) float64 {
		if evals >= maxEval {
			return penalty
		}
		evals++
		v := f(x)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			v = penalty
		}
		if v < fbest {
			fbest = v
			copy(best, x)
		}
		return v
	}
	s := simplex{steps: steps, units: units, tol: tol}
	s.search(eval, append([]float64(nil), x0...), func() bool { return evals >= maxEval })
	if math.IsInf(fbest, 1) {
		return best, penalty
	}
	return best, fbest
}

// simplex holds the settings of one Nelder–Mead search: reflection 1,
// expansion 2, contraction and shrink 0.5; a contraction is tried after
// every reflection that does not improve on the best vertex; the search
// stops when the vertices' values agree to tol relative to the starting
// value, or when a shrink no longer reduces the simplex.
type simplex struct {
	steps []float64
	units []float64
	tol   float64
}

// search runs the simplex search from x0; it ends early once stopped
// reports true (the evaluation budget is spent).
func (m *simplex) search(eval func([]float64) float64, x0 []float64, stopped func() bool) {
	const (
		alpha = 1.0 // reflection
		gamma = 2.0 // expansion
		beta  = 0.5 // contraction and shrink
	)
	n := len(x0)
	unit := func(i int) float64 {
		if m.units == nil {
			return 1
		}
		return m.units[i]
	}
	p := make([][]float64, n+1) // vertices
	v := make([]float64, n+1)   // their values
	f0 := eval(x0)
	if stopped() {
		return
	}
	convtol := m.tol * (math.Abs(f0) + m.tol)
	p[0], v[0] = x0, f0
	oldSize := 0.0
	for j := 1; j <= n; j++ {
		x := append([]float64(nil), x0...)
		step := m.steps[j-1]
		for x[j-1] == x0[j-1] {
			x[j-1] = x0[j-1] + step
			step *= 10
		}
		oldSize += step * unit(j-1)
		p[j] = x
		v[j] = eval(x)
		if stopped() {
			return
		}
	}
	centroid := make([]float64, n)
	xr := make([]float64, n)
	xe := make([]float64, n)
	lo := 0
	for !stopped() {
		// Scan from the previous best, as R does, so that ties resolve alike.
		hi := lo
		for j := range n + 1 {
			if j == lo {
				continue
			}
			if v[j] < v[lo] {
				lo = j
			}
			if v[j] > v[hi] {
				hi = j
			}
		}
		if v[hi] <= v[lo]+convtol {
			return
		}
		for i := range n {
			s := 0.0
			for j := range n + 1 {
				if j != hi {
					s += p[j][i]
				}
			}
			centroid[i] = s / float64(n)
		}
		for i := range n {
			xr[i] = (1+alpha)*centroid[i] - alpha*p[hi][i]
		}
		fr := eval(xr)
		if fr < v[lo] {
			for i := range n {
				xe[i] = gamma*xr[i] + (1-gamma)*centroid[i]
			}
			fe := eval(xe)
			if fe < fr {
				copy(p[hi], xe)
				v[hi] = fe
			} else {
				copy(p[hi], xr)
				v[hi] = fr
			}
			continue
		}
		vh := v[hi]
		if fr < vh {
			copy(p[hi], xr)
			v[hi] = fr
		}
		for i := range n {
			xe[i] = (1-beta)*p[hi][i] + beta*centroid[i]
		}
		fc := eval(xe)
		if fc < v[hi] {
			copy(p[hi], xe)
			v[hi] = fc
			continue
		}
		if fr < vh {
			continue
		}
		// Shrink towards the best vertex.
		size := 0.0
		for j := range n + 1 {
			if j == lo {
				continue
			}
			for i := range n {
				p[j][i] = beta*(p[j][i]-p[lo][i]) + p[lo][i]
				size += math.Abs(p[j][i]-p[lo][i]) * unit(i)
			}
			v[j] = eval(p[j])
		}
		if size >= oldSize {
			return
		}
		oldSize = size
	}
}
