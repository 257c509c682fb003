package stats

import (
	"math"
)

// This file holds the exponential-smoothing engine behind ses, holt,
// damped and hw: the innovations state-space recursions of Hyndman et al.
// (2008) for additive or multiplicative errors, no/additive/damped trend and
// no/additive/multiplicative seasonality, fitted by squared error or by
// likelihood with R's Nelder–Mead variant driven by gonum's
// optimize.Minimize (optim.go).

// seasonKind is the seasonal component of a model.
type seasonKind uint8

const (
	seasonNone seasonKind = iota
	seasonAdd
	seasonMul
)

// etsSpec is one exponential-smoothing model.
type etsSpec struct {
	errMul bool       // multiplicative errors
	trend  bool       // additive trend
	damped bool       // damped trend (requires trend)
	season seasonKind // seasonal component
	m      int        // seasonal period (1 when season is none)
}

// Parameter bounds, as in R's forecast::ets (bounds = "usual" plus beta <
// alpha and gamma < 1 - alpha).
const (
	parLower = 1e-4
	parUpper = 0.9999
	phiLower = 0.8
	phiUpper = 0.98
)

// penalty is the objective value of an inadmissible or failed evaluation.
// It is finite so that Nelder–Mead's comparisons stay well defined.
const penalty = 1e35

// etsParams are a model's smoothing parameters.
type etsParams struct {
	alpha, beta, gamma, phi float64
}

// etsRun is the result of running a model's recursion over a series.
type etsRun struct {
	sse    float64 // sum of squared one-step errors, y - yhat
	sseRel float64 // sum of squared relative errors (multiplicative models)
	logF   float64 // sum of log|yhat| (multiplicative models)
	l, b   float64 // final level and trend
	ok     bool    // false when the recursion broke down (non-positive state in a multiplicative model, overflow)
}

// run runs spec's recursion over y from level l, trend b and the seasonal
// indices s (s[j] belongs to the times t ≡ j mod m; updated in place; nil
// for non-seasonal models).
func (spec etsSpec) run(y []float64, p etsParams, l, b float64, s []float64) etsRun {
	phi := 1.0
	if spec.damped {
		phi = p.phi
	}
	if !spec.trend {
		b, phi = 0, 0
	}
	r := etsRun{ok: true}
	prod := 1.0
	m := spec.m
	j := 0
	for _, v := range y {
		phib := phi * b
		q := l + phib
		var f, st, pv float64
		switch spec.season {
		case seasonNone:
			f, pv = q, v
		case seasonAdd:
			st = s[j]
			f, pv = q+st, v-st
		case seasonMul:
			st = s[j]
			if st <= 1e-10 || q <= 0 {
				r.ok = false
				return r
			}
			f, pv = q*st, v/st
		}
		e := v - f
		r.sse += e * e
		if spec.errMul {
			if f <= 0 {
				r.ok = false
				return r
			}
			er := e / f
			r.sseRel += er * er
			// Σ log f as the log of running products (one Log per
			// chunk instead of per point: the logs dominated the cost).
			prod *= f
			if prod > 1e100 || prod < 1e-100 {
				r.logF += math.Log(prod)
				prod = 1
			}
		}
		nl := q + p.alpha*(pv-q)
		if spec.trend {
			b = phib + p.beta/p.alpha*((nl-l)-phib)
		}
		switch spec.season {
		case seasonAdd:
			s[j] = st + p.gamma*(v-q-st)
		case seasonMul:
			s[j] = st + p.gamma*(v/q-st)
		}
		l = nl
		if m > 1 {
			j++
			if j == m {
				j = 0
			}
		}
	}
	if spec.errMul {
		r.logF += math.Log(prod)
	}
	if math.IsNaN(r.sse) || math.IsInf(r.sse, 0) || !finite(l) || !finite(b) {
		r.ok = false
	}
	r.l, r.b = l, b
	return r
}

// lik returns R's -2 log-likelihood up to a constant for a run over n
// points: n log(SSE) for additive errors, n log(SSE of relative errors) +
// 2 Σ log|yhat| for multiplicative ones.
func (spec etsSpec) lik(r etsRun, n int) float64 {
	if spec.errMul {
		return float64(n)*math.Log(r.sseRel) + 2*r.logF
	}
	return float64(n) * math.Log(r.sse)
}

// admissible reports whether p lies inside the usual bounds.
func (spec etsSpec) admissible(p etsParams) bool {
	if !(p.alpha >= parLower && p.alpha <= parUpper) {
		return false
	}
	if spec.trend && !(p.beta >= parLower && p.beta <= p.alpha && p.beta <= parUpper) {
		return false
	}
	if spec.damped && !(p.phi >= phiLower && p.phi <= phiUpper) {
		return false
	}
	if spec.season != seasonNone && !(p.gamma >= parLower && p.gamma <= 1-p.alpha && p.gamma <= parUpper) {
		return false
	}
	return true
}

// nParams is the number of smoothing parameters of spec.
func (spec etsSpec) nParams() int {
	n := 1
	if spec.trend {
		n++
	}
	if spec.damped {
		n++
	}
	if spec.season != seasonNone {
		n++
	}
	return n
}

// nStates is the number of free initial states of spec (the last seasonal
// index is implied by the others).
func (spec etsSpec) nStates() int {
	n := 1
	if spec.trend {
		n++
	}
	if spec.season != seasonNone {
		n += spec.m - 1
	}
	return n
}

// minLength is the shortest series spec can be fitted to: more points than
// free parameters plus one, as R's ets requires, and two full seasons for a
// seasonal model.
func (spec etsSpec) minLength() int {
	n := spec.nParams() + spec.nStates() + 2
	if spec.season != seasonNone {
		n = max(n, 2*spec.m+1)
	}
	return n
}

// etsFit is a fitted exponential-smoothing model.
type etsFit struct {
	spec   etsSpec
	par    etsParams
	l, b   float64   // final level and trend
	s      []float64 // final seasonal indices, s[j] for times ≡ j mod m
	n      int       // length of the fitted series
	sigma2 float64   // innovation variance (relative for multiplicative errors)
	lik    float64   // -2 log-likelihood up to a constant
	aicc   float64
	np     int // parameters estimated, counting sigma
}

// initialStates returns R's heuristic starting states for spec on y: for a
// seasonal model the indices of a classical decomposition (or of a
// one-harmonic regression on a short series), then the level (and trend)
// from the first ten seasonally adjusted points. s is nil for a
// non-seasonal model.
func (spec etsSpec) initialStates(y []float64) (l, b float64, s []float64) {
	n := len(y)
	ysa := y
	m := 1
	if spec.season != seasonNone {
		m = spec.m
		s = make([]float64, m)
		mul := spec.season == seasonMul
		if n >= 3*m {
			fig, _ := seasonalFigure(y, m, mul, indexRule{})
			copy(s, fig)
		} else {
			fourierInit(y, m, mul, s)
		}
		ysa = make([]float64, n)
		if mul {
			sum := 0.0
			for j := range s {
				s[j] = max(s[j], 1e-2)
				sum += s[j]
			}
			if sum > float64(m) {
				for j := range s {
					s[j] /= sum + 1e-2
				}
			}
			for t, v := range y {
				ysa[t] = v / s[t%m]
			}
		} else {
			for t, v := range y {
				ysa[t] = v - s[t%m]
			}
		}
	}
	maxn := min(max(10, 2*m), n)
	if !spec.trend {
		sum := 0.0
		for _, v := range ysa[:maxn] {
			sum += v
		}
		return sum / float64(maxn), 0, s
	}
	icpt, slope := lineFit(ysa[:maxn], 1)
	if math.Abs(icpt+slope) < 1e-8 {
		icpt *= 1 + 1e-3
		slope *= 1 + 1e-3
	}
	return icpt, slope, s
}

// fourierInit fills s with the seasonal pattern of a regression of y on a
// linear trend and one harmonic of period m, as R's ets does for a series
// shorter than three seasons.
func fourierInit(y []float64, m int, mul bool, s []float64) {
	n := len(y)
	x := make([][]float64, n)
	for t := range n {
		w := 2 * math.Pi * float64(t+1) / float64(m)
		row := []float64{1, float64(t + 1), math.Sin(w)}
		if m > 2 {
			row = append(row, math.Cos(w))
		}
		x[t] = row
	}
	coef, ok := leastSquares(x, y)
	if !ok {
		for j := range s {
			if mul {
				s[j] = 1
			} else {
				s[j] = 0
			}
		}
		return
	}
	for j := range m {
		t := j
		trend := coef[0] + coef[1]*float64(t+1)
		if mul {
			if trend != 0 {
				s[j] = y[t] / trend
			} else {
				s[j] = 1
			}
		} else {
			s[j] = y[t] - trend
		}
	}
}

// startParams returns R's starting smoothing parameters for spec.
func (spec etsSpec) startParams() etsParams {
	m := 1.0
	if spec.season != seasonNone {
		m = float64(spec.m)
	}
	p := etsParams{}
	p.alpha = parLower + 0.2*(parUpper-parLower)/m
	if spec.trend {
		up := min(parUpper, p.alpha)
		p.beta = parLower + 0.1*(up-parLower)
	}
	if spec.season != seasonNone {
		up := min(parUpper, 1-p.alpha)
		p.gamma = parLower + 0.05*(up-parLower)
	}
	if spec.damped {
		p.phi = phiLower + 0.99*(phiUpper-phiLower)
	}
	return p
}

// fitCrit is what a fit minimises.
type fitCrit uint8

const (
	critMSE fitCrit = iota // mean squared one-step error (R's opt.crit = "mse")
	critLik                // likelihood (R's default)
)

// fitETS fits spec to y (already checked: finite, long enough, positive for
// multiplicative models), optimising the smoothing parameters and the
// initial states by crit. ok is false when no admissible fit was found.
func fitETS(y []float64, spec etsSpec, crit fitCrit) (etsFit, bool) {
	return fitETSTol(y, spec, crit, nmRelTol)
}

// fitETSTol is fitETS with the optimiser's relative tolerance tol.
func fitETSTol(y []float64, spec etsSpec, crit fitCrit, tol float64) (etsFit, bool) {
	yield()
	n := len(y)
	if n < spec.minLength() {
		return etsFit{}, false
	}
	if spec.season == seasonNone {
		spec.m = 1
	}
	// Work on y/scale so that the objective is well conditioned whatever the
	// series' magnitude. The starting simplex is R's, sized in the series'
	// units (below), so the optimum found can depend on them.
	scale := meanAbs(y)
	if scale == 0 || !finite(scale) {
		scale = 1
	}
	ys := make([]float64, n)
	for i, v := range y {
		ys[i] = v / scale
	}
	l0, b0, s0 := spec.initialStates(ys)
	p0 := spec.startParams()

	np := spec.nParams()
	x0 := make([]float64, 0, np+spec.nStates())
	x0 = append(x0, p0.alpha)
	if spec.trend {
		x0 = append(x0, p0.beta)
	}
	if spec.season != seasonNone {
		x0 = append(x0, p0.gamma)
	}
	if spec.damped {
		x0 = append(x0, p0.phi)
	}
	x0 = append(x0, l0)
	if spec.trend {
		x0 = append(x0, b0)
	}
	if spec.season != seasonNone {
		x0 = append(x0, s0[1:]...)
	}

	// R's Nelder–Mead starts from a simplex whose step is a tenth of the
	// largest starting coordinate in the original units; keep that
	// behaviour (it shapes which local optimum is found) but in scaled
	// coordinates: parameters keep the step, states get step/scale.
	step := 0.0
	for i, v := range x0 {
		if i >= np {
			v *= scale
		}
		step = max(step, 0.1*math.Abs(v))
	}
	if step == 0 {
		step = 0.1
	}
	steps := make([]float64, len(x0))
	units := make([]float64, len(x0))
	for i := range steps {
		if i < np {
			steps[i], units[i] = step, 1
		} else {
			steps[i], units[i] = step/scale, scale
		}
	}

	sbuf := make([]float64, spec.m)
	decode := func(x []float64) (etsParams, float64, float64, bool) {
		var p etsParams
		k := 0
		p.alpha = x[k]
		k++
		if spec.trend {
			p.beta = x[k]
			k++
		}
		if spec.season != seasonNone {
			p.gamma = x[k]
			k++
		}
		if spec.damped {
			p.phi = x[k]
			k++
		}
		l := x[k]
		k++
		b := 0.0
		if spec.trend {
			b = x[k]
			k++
		}
		if spec.season != seasonNone {
			sum := 0.0
			for j := 1; j < spec.m; j++ {
				sbuf[j] = x[k]
				sum += x[k]
				k++
			}
			if spec.season == seasonMul {
				sbuf[0] = float64(spec.m) - sum
				for _, v := range sbuf {
					if v <= 0 {
						return p, l, b, false
					}
				}
			} else {
				sbuf[0] = -sum
			}
		}
		return p, l, b, true
	}
	obj := func(x []float64) float64 {
		p, l, b, ok := decode(x)
		if !ok || !spec.admissible(p) {
			return penalty
		}
		var s []float64
		if spec.season != seasonNone {
			s = sbuf
		}
		r := spec.run(ys, p, l, b, s)
		if !r.ok {
			return penalty
		}
		var v float64
		if crit == critLik {
			v = spec.lik(r, n)
		} else {
			v = r.sse / float64(n)
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return penalty
		}
		return max(v, -1e10)
	}
	if obj(x0) >= penalty {
		return etsFit{}, false
	}
	xb, fb := nelderMead(obj, x0, steps, units, tol, 2000)
	if fb >= penalty {
		return etsFit{}, false
	}
	p, l, b, _ := decode(xb)
	var s []float64
	if spec.season != seasonNone {
		s = append([]float64(nil), sbuf...)
	}
	r := spec.run(ys, p, l, b, s)
	if !r.ok {
		return etsFit{}, false
	}
	fit := etsFit{spec: spec, par: p, n: n}
	// Back to the original units (multiplicative indices are unit-free).
	fit.l, fit.b = r.l*scale, r.b*scale
	if spec.season == seasonAdd {
		for j := range s {
			s[j] *= scale
		}
	}
	fit.s = s
	fit.np = len(x0) + 1
	dof := float64(max(n-len(x0), 1))
	if spec.errMul {
		fit.sigma2 = r.sseRel / dof
	} else {
		fit.sigma2 = r.sse * scale * scale / dof
	}
	// The likelihood in original units: n log(SSE) shifts by 2n log(scale)
	// for additive errors; for multiplicative ones the relative errors are
	// unit-free and 2 Σ log|yhat| shifts by the same 2n log(scale).
	fit.lik = spec.lik(r, n) + 2*float64(n)*math.Log(scale)
	k := float64(fit.np)
	fit.aicc = fit.lik + 2*k + 2*k*(k+1)/math.Max(float64(n)-k-1, 1)
	if float64(n)-k-1 <= 0 {
		fit.aicc = math.Inf(1)
	}
	return fit, true
}

// fitCache shares fits between the models of one forecast: auto's
// candidates fit some of the same models (theta's SES is ets's ETS(A,N,N),
// damped is ETS(A,Ad,N)). Squared error and likelihood have the same
// optimum for additive errors, so those fits are shared across criteria.
// A nil *fitCache fits every time. It is not safe for concurrent use.
type fitCache struct {
	tol      float64 // optimiser tolerance; 0 for nmRelTol
	maxTheta float64 // the theta_opt candidate's largest θ; 0 for DefaultMaxTheta
	// the robust_drift candidate's weight on the median step; 0 for
	// DefaultRobustDriftMedian
	robustDriftMedian float64
	// the robust_drift candidate steps by growth rates (see
	// Selection.GrowthDriftSeason)
	growthDrift bool
	// the robust_drift candidate starts from the level of its last
	// driftCycle points (see Selection.DriftCycleSeason); 0 for the last
	// value
	driftCycle int
	// the theta_opt candidate is fitted to the logarithms (see
	// Selection.AdditiveTheta)
	growthTheta bool
	// every candidate is fitted to the logarithms of a series above zero
	// and a forecast may grow by growth a step (see
	// Selection.ExplosiveGrowth); 0 for neither
	growth float64
	fits   []cachedFit
}

type cachedFit struct {
	spec etsSpec
	crit fitCrit
	fit  etsFit
	ok   bool
}

// fit returns spec's fit to y by crit, from the cache when it holds one.
func (c *fitCache) fit(y []float64, spec etsSpec, crit fitCrit) (etsFit, bool) {
	if c == nil {
		return fitETS(y, spec, crit)
	}
	if !spec.errMul {
		crit = critMSE
	}
	for _, f := range c.fits {
		if f.spec == spec && f.crit == crit {
			return f.fit, f.ok
		}
	}
	tol := c.tol
	if tol == 0 {
		tol = nmRelTol
	}
	f, ok := fitETSTol(y, spec, crit, tol)
	c.fits = append(c.fits, cachedFit{spec: spec, crit: crit, fit: f, ok: ok})
	return f, ok
}

// forecast returns the point forecasts and their standard deviations h
// steps ahead. The variances are the exact ones of the additive-error
// models (Hyndman et al. 2008, class 1); a multiplicative-error model gets
// the same factors applied to its relative variance, a first-order
// approximation.
func (f etsFit) forecast(h int) (mean, sd []float64) {
	mean = make([]float64, h)
	sd = make([]float64, h)
	spec := f.spec
	phi := 1.0
	if spec.damped {
		phi = f.par.phi
	}
	cum := 0.0 // phi + phi^2 + ... + phi^k
	pk := 1.0
	for k := range h {
		pk *= phi
		cum += pk
		v := f.l
		if spec.trend {
			v += cum * f.b
		}
		switch spec.season {
		case seasonAdd:
			v += f.s[(f.n+k)%spec.m]
		case seasonMul:
			v *= f.s[(f.n+k)%spec.m]
		}
		mean[k] = v
	}
	// c_j = alpha + beta*(phi + ... + phi^j) + gamma*[j mod m == 0]
	acc := 0.0
	cumj := 0.0
	pj := 1.0
	for k := range h {
		var vk float64
		if spec.errMul {
			vk = f.sigma2 * (1 + acc) * mean[k] * mean[k]
		} else {
			vk = f.sigma2 * (1 + acc)
		}
		sd[k] = math.Sqrt(vk)
		j := k + 1
		pj *= phi
		cumj += pj
		c := f.par.alpha
		if spec.trend {
			c += f.par.beta * cumj
		}
		if spec.season != seasonNone && j%spec.m == 0 {
			c += f.par.gamma
		}
		acc += c * c
	}
	return mean, sd
}

// meanAbs returns the mean absolute value of y.
func meanAbs(y []float64) float64 {
	s := 0.0
	for _, v := range y {
		s += math.Abs(v) / float64(len(y))
	}
	return s
}

// lineFit returns the least-squares intercept and slope of y on the times
// t0, t0+1, ....
func lineFit(y []float64, t0 float64) (icpt, slope float64) {
	n := float64(len(y))
	if len(y) == 0 {
		return 0, 0
	}
	if len(y) == 1 {
		return y[0], 0
	}
	tm := t0 + (n-1)/2
	ym := 0.0
	for _, v := range y {
		ym += v
	}
	ym /= n
	sxy, sxx := 0.0, 0.0
	for i, v := range y {
		d := t0 + float64(i) - tm
		sxy += d * (v - ym)
		sxx += d * d
	}
	slope = sxy / sxx
	return ym - slope*tm, slope
}
