package stats

import (
	"math"

	"gonum.org/v1/gonum/optimize"
)

// nmRelTol is the relative tolerance of the Nelder–Mead stopping rule: the
// simplex's worst and best values within nmRelTol·(|f(x0)| + nmRelTol), as
// R's optim (its default reltol, √ε).
const nmRelTol = 1.4901161193847656e-08

// nelderMead minimises f from x0 with gonum's optimize.Minimize driving
// rNelderMead, R's Nelder–Mead variant, and returns the best point found
// and its value. steps[i] is the initial simplex's edge along coordinate i;
// units[i] converts coordinate i to the units in which the simplex's size
// is measured (nil: all 1), so that a search in rescaled coordinates takes
// the same path as in the original ones; tol is the relative tolerance of
// the stopping rule. f must return a finite value (penalty where
// inadmissible; NaN and infinities are treated as penalty). At most maxEval
// evaluations are made (Minimize's evaluation limit).
func nelderMead(f func([]float64) float64, x0, steps, units []float64, tol float64, maxEval int) ([]float64, float64) {
	best := append([]float64(nil), x0...)
	if len(x0) == 0 || maxEval <= 0 {
		return best, penalty
	}
	m := &rNelderMead{simplex: simplex{steps: steps, units: units, tol: tol}}
	settings := &optimize.Settings{
		FuncEvaluations: maxEval,
		// R's rule stops the search (MethodDone); gonum's convergence
		// checks run at major iterations, and the method reports only one,
		// at the end. NeverTerminate says so explicitly.
		Converger: optimize.NeverTerminate{},
	}
	res, err := optimize.Minimize(optimize.Problem{Func: f}, x0, settings, m)
	if err != nil || res.F >= penalty || math.IsNaN(res.F) {
		return best, penalty
	}
	copy(best, res.X)
	return best, res.F
}

// rNelderMead is the Nelder–Mead variant of R's optim (Nash 1990), which
// R's ets uses, as a gonum optimize.Method. The shape of a smoothing
// model's objective makes the local optimum found depend on the variant,
// and this one reproduces R's fits (gonum's NelderMead, with its other
// contraction and shrink rules, lands elsewhere: 4 % off R's Holt on the
// M3 subset).
//
// Run drives simplex.search and asks Minimize for every evaluation through
// the task channels, one at a time (Init asks for one task). When its
// stopping rule is met it sends MethodDone (Status: MethodConverge); when
// Minimize ends the run first (the evaluation limit) it stops evaluating.
// Either way it then reports the best point evaluated as the run's single
// MajorIteration, which becomes Minimize's Result.
//
// Design note: gonum v0.17's Minimize runs Run in its own goroutine and
// passes each evaluation method → distributor → worker → stats combiner →
// method over channels, whatever the Settings (Concurrent 0 and 1 are the
// same path; more would need a reentrant objective, and the search is
// sequential anyway). That costs about 0.8 µs per evaluation, as much as
// the objective itself on short series: auto's CPU time is about twice the
// hand-run loop's on 120–144 points and three times on M3's short series.
// A MajorIteration per simplex iteration, as gonum's NelderMead sends,
// would add another 20 %, hence the single final one.
type rNelderMead struct {
	simplex

	status optimize.Status
	err    error
}

var (
	_ optimize.Method   = (*rNelderMead)(nil)
	_ optimize.Statuser = (*rNelderMead)(nil)
)

// Init implements optimize.Method: evaluations are sequential.
func (m *rNelderMead) Init(dim, tasks int) int {
	m.status, m.err = optimize.NotTerminated, nil
	return 1
}

// Uses implements optimize.Method: only the function value is needed.
func (m *rNelderMead) Uses(has optimize.Available) (optimize.Available, error) {
	return optimize.Available{}, nil
}

// Status implements optimize.Statuser; Minimize reads it after a
// MethodDone.
func (m *rNelderMead) Status() (optimize.Status, error) {
	return m.status, m.err
}

// Run implements optimize.Method.
func (m *rNelderMead) Run(operation chan<- optimize.Task, result <-chan optimize.Task, tasks []optimize.Task) {
	task := tasks[0]
	x0 := append([]float64(nil), task.X...)
	best := append([]float64(nil), x0...)
	fbest := math.Inf(1)
	stopped := false // Minimize has sent PostIteration
	eval := func(x []float64) float64 {
		if stopped {
			return penalty
		}
		copy(task.X, x)
		task.Op = optimize.FuncEvaluation
		operation <- task
		r := <-result
		if r.Op == optimize.PostIteration {
			// The run ended at this evaluation (its limit): its result,
			// if it was made, follows.
			stopped = true
			var ok bool
			if r, ok = <-result; !ok || r.Op != optimize.FuncEvaluation {
				return penalty
			}
		}
		v := r.F
		if math.IsNaN(v) || math.IsInf(v, 0) {
			v = penalty
		}
		if v < fbest {
			fbest = v
			copy(best, r.X)
		}
		return v
	}
	m.search(eval, x0, func() bool { return stopped })
	if !stopped {
		m.status = optimize.MethodConverge
		task.Op = optimize.MethodDone
		operation <- task
	}
	for range result { // PostIteration, then closed
	}
	copy(task.X, best)
	task.F = fbest
	task.Op = optimize.MajorIteration
	operation <- task
	close(operation)
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
