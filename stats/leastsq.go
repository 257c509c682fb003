package stats

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// lmStatus is how a levenbergMarquardt run ended.
type lmStatus uint8

const (
	lmFailed    lmStatus = iota // the residuals could not be computed at the start
	lmConverged                 // a step gained less than the tolerance
	lmStopped                   // the iteration limit, a stall, or a step that could not be damped enough
)

// residualFunc fills r with the residuals at x and reports whether they
// could be computed (false: x is inadmissible).
type residualFunc func(x, r []float64) bool

// levenbergMarquardt minimises the sum of squares of res's m residuals
// from x0 by Levenberg–Marquardt (Marquardt's scaling of the damping by
// the diagonal of J'J), with the Jacobian J by forward differences, and
// returns the best point and its sum of squares. ok is false when res
// fails at x0. It stops when a lightly damped step lowers the sum by less
// than tol relative, when the damping grows past any use, or after maxIter
// Jacobians.
//
// Design note: ARIMA's two objectives are sums of squares — the
// conditional sum of squares, and the exact likelihood once written as
// n·log Σ u_t² with u_t the standardised innovations scaled by the
// geometric mean of their variances (Ansley 1979) — so a Gauss–Newton
// method uses their structure: from the conditional estimates it reaches
// the likelihood's optimum in a handful of Jacobians (k+1 filter runs
// each) where R's BFGS with numerical gradients makes some ten times as
// many evaluations. gonum's optimize has no least-squares method, and
// driving this loop through optimize.Minimize would cost goroutine
// hand-offs per evaluation (see rNelderMead); gonum solves each step's
// normal equations (mat.Cholesky).
func levenbergMarquardt(res residualFunc, x0 []float64, m int, tol float64, maxIter int) (x []float64, ss float64, status lmStatus) {
	k := len(x0)
	x = append([]float64(nil), x0...)
	r := make([]float64, m)
	if !res(x, r) {
		return x, math.Inf(1), lmFailed
	}
	ss = sumSq(r)
	if !finite(ss) {
		return x, ss, lmFailed
	}
	if k == 0 {
		return x, ss, lmConverged
	}
	jac := mat.NewDense(m, k, nil)
	jprev := mat.NewDense(m, k, nil)
	rt := make([]float64, m)
	xt := make([]float64, k)
	jtj := mat.NewSymDense(k, nil)
	aug := mat.NewSymDense(k, nil) // the secant estimate of Σ r_i ∇²r_i
	a := mat.NewSymDense(k, nil)
	g := mat.NewVecDense(k, nil)
	gprev := mat.NewVecDense(k, nil)
	y := mat.NewVecDense(k, nil)
	ys := mat.NewVecDense(k, nil)
	sv := mat.NewVecDense(k, nil)
	tmp := mat.NewVecDense(k, nil)
	step := mat.NewVecDense(k, nil)
	rv := mat.NewVecDense(m, r)
	var chol mat.Cholesky
	lambda := 1e-3
	small := 0
	var hist []float64
	haveStep := false
	for range maxIter {
		// Jacobian by forward differences.
		for j := range k {
			h := 1e-7 * (1 + math.Abs(x[j]))
			copy(xt, x)
			xt[j] += h
			if !res(xt, rt) {
				xt[j] = x[j] - h
				h = -h
				if !res(xt, rt) {
					return x, ss, lmStopped
				}
			}
			for i := range m {
				jac.Set(i, j, (rt[i]-r[i])/h)
			}
		}
		jtj.SymOuterK(1, jac.T())
		g.MulVec(jac.T(), rv)
		if haveStep {
			// Structured secant update (Dennis, Gay and Welsch 1981,
			// NL2SOL) of the second-order term: with s the last step,
			// y = J'r − J₋'r₋ and y# = (J − J₋)'r, size the estimate by
			// min(1, |s'y#| / |s'As|) and update it so that A s = y#.
			y.SubVec(g, gprev)
			ys.MulVec(jprev.T(), rv)
			ys.SubVec(g, ys)
			tmp.MulVec(aug, sv)
			if sas := mat.Dot(sv, tmp); sas != 0 {
				if tau := math.Abs(mat.Dot(sv, ys)) / math.Abs(sas); tau < 1 {
					aug.ScaleSym(tau, aug)
					tmp.ScaleVec(tau, tmp)
				}
			}
			if yts := mat.Dot(y, sv); yts > 1e-12*mat.Norm(y, 2)*mat.Norm(sv, 2) {
				tmp.SubVec(ys, tmp) // y# − A s
				c := mat.Dot(tmp, sv) / (yts * yts)
				for i := range k {
					for j := i; j < k; j++ {
						v := aug.At(i, j) + (tmp.AtVec(i)*y.AtVec(j)+y.AtVec(i)*tmp.AtVec(j))/yts - c*y.AtVec(i)*y.AtVec(j)
						aug.SetSym(i, j, v)
					}
				}
			}
		}
		maxd := 0.0
		for j := range k {
			maxd = math.Max(maxd, jtj.At(j, j))
		}
		if !(maxd > 0) || !finite(maxd) {
			return x, ss, lmConverged
		}
		// A slow crawl (a flat valley, a boundary) stops when ten
		// Jacobians have gained less than 100·tol together.
		hist = append(hist, ss)
		if n := len(hist); n > 10 && hist[n-11]-ss <= 100*tol*ss {
			return x, ss, lmStopped
		}
		improved := false
		useAug := true
		fails := 0
		for !improved {
			a.CopySym(jtj)
			if useAug {
				a.AddSym(a, aug)
			}
			for j := range k {
				d := math.Max(jtj.At(j, j), 1e-12*maxd)
				a.SetSym(j, j, a.At(j, j)+lambda*d)
			}
			if chol.Factorize(a) {
				if err := chol.SolveVecTo(step, g); err == nil {
					for j := range k {
						xt[j] = x[j] - step.AtVec(j)
					}
					if res(xt, rt) {
						if st := sumSq(rt); st < ss {
							// R's optim rule on f = ½·log(S/m): a step
							// that gains less than tol·(|f| + tol).
							fOld, fNew := 0.5*math.Log(ss/float64(m)), 0.5*math.Log(st/float64(m))
							rel := (fOld - fNew) / (math.Abs(fNew) + tol)
							for j := range k {
								sv.SetVec(j, xt[j]-x[j])
							}
							jprev.Copy(jac)
							gprev.CopyVec(g)
							copy(x, xt)
							copy(r, rt)
							ss = st
							haveStep = true
							lambda = math.Max(lambda/3, 1e-12)
							improved = true
							// A small gain from a Gauss–Newton-like step
							// says converged; from a damped one, only when
							// it is the third in a row.
							if rel > tol {
								small = 0
								continue
							}
							small++
							if lambda <= 1 || small >= 3 {
								return x, ss, lmConverged
							}
							continue
						}
					}
				}
			}
			fails++
			if useAug && fails >= 2 {
				// The second-order estimate misleads here: drop it.
				useAug = false
				aug.Zero()
				continue
			}
			lambda *= 4
			if lambda > 1e12 {
				return x, ss, lmStopped
			}
		}
	}
	return x, ss, lmStopped
}

// sumSq returns Σ r_i².
func sumSq(r []float64) float64 {
	s := 0.0
	for _, v := range r {
		s += v * v
	}
	return s
}
