package stats

import (
	"fmt"
	"math"
	"math/cmplx"

	"gonum.org/v1/gonum/mat"
)

// This file fits one seasonal ARIMA model, as R's arima(method =
// "CSS-ML") does inside forecast's auto.arima: the conditional sum of
// squares gives starting values (a model whose conditional AR part is not
// stationary is refused, as R refuses it), then the exact Gaussian
// likelihood of the differenced series (kalman.go) is maximised with the
// AR parts kept stationary by R's transformation (partial
// autocorrelations through tanh), and a non-invertible MA part is
// inverted afterwards. A mean (no differencing) or a drift (one
// difference) is estimated by generalised least squares for each set of
// ARMA coefficients, which gives the same maximum as R's joint search.
// arima_search.go chooses among the models.

// arimaOrder is one ARIMA(p,d,q)(P,D,Q)[m] model.
type arimaOrder struct {
	p, d, q    int
	sp, sd, sq int  // seasonal P, D, Q
	m          int  // seasonal period (1: none)
	constant   bool // a mean (d+D = 0) or a drift (d+D = 1)
}

// nARMA is the number of ARMA coefficients.
func (o arimaOrder) nARMA() int { return o.p + o.q + o.sp + o.sq }

// nDiff is the number of values differencing takes off the series.
func (o arimaOrder) nDiff() int { return o.d + o.sd*o.m }

// String names the model as R's forecast package does
// ("ARIMA(0,1,1)(0,1,1)[12]", "ARIMA(1,1,0) with drift").
func (o arimaOrder) String() string {
	s := fmt.Sprintf("ARIMA(%d,%d,%d)", o.p, o.d, o.q)
	if o.m > 1 && o.sp+o.sd+o.sq > 0 {
		s += fmt.Sprintf("(%d,%d,%d)[%d]", o.sp, o.sd, o.sq, o.m)
	}
	switch nd := o.d + o.sd; {
	case o.constant && nd == 0:
		s += " with non-zero mean"
	case o.constant && nd == 1:
		s += " with drift"
	case nd == 0:
		s += " with zero mean"
	}
	return s
}

// name is String in strata's lower-case style ("arima(0,1,1) with
// drift").
func (o arimaOrder) name() string { return "arima" + o.String()[len("ARIMA"):] }

// arimaCoef are a model's coefficients: non-seasonal and seasonal AR and
// MA, in the sign convention of R (x_t = Σ φ_i x_{t−i} + ε_t + Σ θ_j ε_{t−j}).
type arimaCoef struct {
	phi, theta, sphi, stheta []float64
}

// expand multiplies out the seasonal polynomials: (1 − φ(B))(1 − Φ(B^m))
// and (1 + θ(B))(1 + Θ(B^m)) as single AR and MA coefficient vectors.
func (c arimaCoef) expand(m int) (phi, theta []float64) {
	return c.expandInto(m, nil, nil)
}

// expandInto is expand writing into the given buffers when they are large
// enough.
func (c arimaCoef) expandInto(m int, pbuf, qbuf []float64) (phi, theta []float64) {
	np := len(c.phi) + m*len(c.sphi)
	nq := len(c.theta) + m*len(c.stheta)
	phi, theta = grow(pbuf, np), grow(qbuf, nq)
	for i := range phi {
		phi[i] = 0
	}
	for i := range theta {
		theta[i] = 0
	}
	copy(phi, c.phi)
	copy(theta, c.theta)
	for j, s := range c.sphi {
		phi[(j+1)*m-1] += s
		for i, v := range c.phi {
			phi[(j+1)*m+i] -= v * s
		}
	}
	for j, s := range c.stheta {
		theta[(j+1)*m-1] += s
		for i, v := range c.theta {
			theta[(j+1)*m+i] += v * s
		}
	}
	return phi, theta
}

// unpack reads a parameter vector laid out as R's (φ, θ, Φ, Θ) into c.
// With trans, every part goes through partrans: the AR parts become
// stationary (as R's arima transforms them) and the MA parts invertible
// (the MA polynomial 1 + Σ θ_j z^j read as an AR one, 1 − Σ (−θ_j) z^j).
// R leaves the MA parts free and inverts them after the fit; bounding them
// instead keeps the search off the unit circle, where the exact
// likelihood folds over (an MA polynomial and its inverse give the same
// likelihood) and a Gauss–Newton step stalls. c's slices are reused when
// they have the right lengths.
func (o arimaOrder) unpack(x []float64, trans bool, c *arimaCoef) {
	c.phi = grow(c.phi, o.p)
	c.theta = grow(c.theta, o.q)
	c.sphi = grow(c.sphi, o.sp)
	c.stheta = grow(c.stheta, o.sq)
	k := 0
	for _, part := range []struct {
		dst []float64
		ma  bool
	}{{c.phi, false}, {c.theta, true}, {c.sphi, false}, {c.stheta, true}} {
		src := x[k : k+len(part.dst)]
		k += len(part.dst)
		if !trans {
			copy(part.dst, src)
			continue
		}
		partrans(src, part.dst)
		if part.ma {
			for i, v := range part.dst {
				part.dst[i] = -v
			}
		}
	}
}

// pack is unpack's inverse. With trans it reports false when an AR part
// is not stationary; an MA part on the unit circle is pulled just inside
// the invertible region first.
func (o arimaOrder) pack(c arimaCoef, trans bool) ([]float64, bool) {
	x := make([]float64, 0, o.nARMA())
	add := func(v []float64, ma bool) bool {
		if !trans {
			x = append(x, v...)
			return true
		}
		t := make([]float64, len(v))
		if !ma {
			if !invpartrans(v, t) {
				return false
			}
			x = append(x, t...)
			return true
		}
		u := negated(v)
		for !invpartrans(u, t) {
			// Roots on the circle: scale them out by 1 %.
			s := 1.0
			for i := range u {
				s *= 0.99
				u[i] *= s
			}
		}
		x = append(x, t...)
		return true
	}
	ok := add(c.phi, false) && add(c.theta, true) && add(c.sphi, false) && add(c.stheta, true)
	return x, ok
}

// partrans maps unconstrained values to the coefficients of a stationary
// AR polynomial, as R's arima does: tanh gives partial autocorrelations in
// (−1, 1), and the Durbin–Levinson recursion turns them into AR
// coefficients. out must have raw's length.
func partrans(raw, out []float64) {
	p := len(raw)
	var buf [64]float64
	work := buf[:0]
	if p > len(buf) {
		work = make([]float64, p)
	} else {
		work = buf[:p]
	}
	for j := range p {
		out[j] = math.Tanh(raw[j])
		work[j] = out[j]
	}
	for j := 1; j < p; j++ {
		a := out[j]
		for k := range j {
			work[k] -= a * out[j-k-1]
		}
		copy(out[:j], work[:j])
	}
}

// invpartrans is partrans's inverse: it runs the Durbin–Levinson recursion
// backwards to the partial autocorrelations and maps them through atanh.
// It reports false when phi is not stationary (a partial autocorrelation
// outside (−1, 1)).
func invpartrans(phi, out []float64) bool {
	p := len(phi)
	copy(out, phi)
	work := make([]float64, p)
	for j := p - 1; j > 0; j-- {
		a := out[j]
		if !(math.Abs(a) < 1) {
			return false
		}
		for k := range j {
			work[k] = (out[k] + a*out[j-k-1]) / (1 - a*a)
		}
		copy(out[:j], work[:j])
	}
	for j := range p {
		if !(math.Abs(out[j]) < 1) {
			return false
		}
		out[j] = math.Atanh(out[j])
	}
	return true
}

// rootsOutside reports whether every root of 1 − Σ a_i z^i has modulus
// above rmin (the Schur–Cohn test on the polynomial rescaled by rmin: the
// step-down recursion's coefficients all inside (−1, 1)).
func rootsOutside(a []float64, rmin float64) bool {
	p := len(a)
	for p > 0 && a[p-1] == 0 {
		p--
	}
	if p == 0 {
		return true
	}
	c := make([]float64, p)
	s := 1.0
	for i := range p {
		s *= rmin
		c[i] = a[i] * s
	}
	work := make([]float64, p)
	for j := p - 1; j >= 0; j-- {
		k := c[j]
		if !(math.Abs(k) < 1) {
			return false
		}
		for i := range j {
			work[i] = (c[i] + k*c[j-i-1]) / (1 - k*k)
		}
		copy(c[:j], work[:j])
	}
	return true
}

// negated returns −v.
func negated(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = -x
	}
	return out
}

// polyRoots returns the roots of 1 + c_1 z + … + c_n z^n (c_n ≠ 0) as the
// eigenvalues of its companion matrix.
func polyRoots(c []float64) ([]complex128, bool) {
	n := len(c)
	if n == 1 {
		return []complex128{complex(-1/c[0], 0)}, true
	}
	comp := mat.NewDense(n, n, nil)
	// Monic in z: z^n + (c_{n−1}/c_n) z^{n−1} + … + 1/c_n.
	for j := range n {
		var coef float64
		if j == n-1 {
			coef = 1 / c[n-1]
		} else {
			coef = c[n-2-j] / c[n-1]
		}
		comp.Set(0, j, -coef)
	}
	for i := 1; i < n; i++ {
		comp.Set(i, i-1, 1)
	}
	var eig mat.Eigen
	if !eig.Factorize(comp, mat.EigenNone) {
		return nil, false
	}
	return eig.Values(nil), true
}

// maInvert makes an MA polynomial invertible, as R's arima does after the
// fit: roots of 1 + Σ θ_j z^j inside the unit circle are replaced by their
// reciprocals (the same autocovariances, up to the innovation variance,
// which the likelihood concentrates out).
func maInvert(ma []float64) []float64 {
	q0 := len(ma)
	for q0 > 0 && ma[q0-1] == 0 {
		q0--
	}
	if q0 == 0 || rootsOutside(negated(ma[:q0]), 1) {
		return ma
	}
	out := make([]float64, len(ma))
	if q0 == 1 {
		out[0] = 1 / ma[0]
		return out
	}
	roots, ok := polyRoots(ma[:q0])
	if !ok {
		return ma
	}
	// Rebuild Π (1 − z/r) with the inverted roots.
	poly := []complex128{1}
	for _, r := range roots {
		if cmplx.Abs(r) < 1 {
			r = 1 / r
		}
		next := make([]complex128, len(poly)+1)
		copy(next, poly)
		for i, v := range poly {
			next[i+1] -= v / r
		}
		poly = next
	}
	for i := range q0 {
		out[i] = real(poly[i+1])
	}
	return out
}

// arimaData is a series prepared for fitting: the values and their
// differenced versions, computed once per order of differencing.
type arimaData struct {
	y    []float64
	m    int
	diff map[[2]int][]float64
}

// newARIMAData returns the data of series y with seasonal period m.
func newARIMAData(y []float64, m int) *arimaData {
	return &arimaData{y: y, m: m, diff: map[[2]int][]float64{}}
}

// differenced returns y differenced d times at lag 1 and D times at lag m.
func (s *arimaData) differenced(d, D int) []float64 {
	key := [2]int{d, D}
	if w, ok := s.diff[key]; ok {
		return w
	}
	w := append([]float64(nil), s.y...)
	for range d {
		w = diffLag(w, 1)
	}
	for range D {
		w = diffLag(w, s.m)
	}
	s.diff[key] = w
	return w
}

// diffLag returns x_t − x_{t−lag}.
func diffLag(x []float64, lag int) []float64 {
	if len(x) <= lag {
		return nil
	}
	out := make([]float64, len(x)-lag)
	for i := range out {
		out[i] = x[i+lag] - x[i]
	}
	return out
}

// arimaFit is a fitted model.
type arimaFit struct {
	order  arimaOrder
	coef   arimaCoef
	mu     float64 // mean of the differenced series (intercept, or drift × its step)
	nobs   int     // observations in the likelihood (after differencing)
	loglik float64
	aic    float64
	aicc   float64
	ic     float64 // the criterion the search compares (AICc, or AIC for tiny series)
	sigma2 float64 // innovation variance, corrected for the parameters fitted
	css    bool    // fitted by conditional sum of squares only (the search's approximation)
}

// npar counts the fitted parameters as forecast's auto.arima does: the
// ARMA coefficients, the mean or drift, and the variance.
func (f *arimaFit) npar() int {
	n := f.order.nARMA() + 1
	if f.order.constant {
		n++
	}
	return n
}

// setCriteria sets aic, aicc and ic from loglik (or, for a CSS fit, from
// the conditional variance and offset), and sigma2 from ssq, as forecast's
// myarima does. useAIC selects AIC over AICc.
//
// σ² is ssq / (n − npar + 1) over the standardised innovations of the
// differenced series. R's sum of squares runs over the undifferenced
// series, whose first d + D·m innovations, under its approximate diffuse
// prior (variance 10⁶ σ²), add a little: on M3 R's σ² is up to a few
// tenths of a percent larger, and so are its intervals.
func (f *arimaFit) setCriteria(ssq, cssSigma2, offset float64, useAIC bool) {
	np := float64(f.npar())
	nstar := float64(f.nobs)
	if f.css {
		f.aic = offset + nstar*math.Log(cssSigma2) + 2*np
	} else {
		f.aic = -2*f.loglik + 2*np
	}
	den := nstar - np - 1
	if den > 0 {
		f.aicc = f.aic + 2*np*(np+1)/den
	} else {
		f.aicc = math.Inf(1)
	}
	f.ic = f.aicc
	if useAIC {
		f.ic = f.aic
	}
	if !finite(f.ic) {
		f.ic = math.Inf(1)
	}
	f.sigma2 = ssq / math.Max(nstar-np+1, 1)
}

// arimaWork holds the buffers of one model's fit.
type arimaWork struct {
	c              arimaCoef
	phi, theta     []float64
	e, e1          []float64
	arLag, maLag   []int
	arCoef, maCoef []float64
}

// cssResiduals sets out to the conditional residuals of w − μ under
// (phi, theta) from index ncond on, earlier residuals taken as zero (R's
// ARIMA_CSS on the differenced series).
func (wk *arimaWork) cssResiduals(w, phi, theta []float64, ncond int, mu float64, out []float64) {
	n := len(w)
	wk.e = grow(wk.e, n)
	e := wk.e
	// The expanded seasonal polynomials are mostly zeros: keep the lags
	// that are not.
	wk.arLag, wk.arCoef = wk.arLag[:0], wk.arCoef[:0]
	sumPhi := 0.0
	for j, v := range phi {
		if v != 0 {
			wk.arLag = append(wk.arLag, j+1)
			wk.arCoef = append(wk.arCoef, v)
			sumPhi += v
		}
	}
	wk.maLag, wk.maCoef = wk.maLag[:0], wk.maCoef[:0]
	for j, v := range theta {
		if v != 0 {
			wk.maLag = append(wk.maLag, j+1)
			wk.maCoef = append(wk.maCoef, v)
		}
	}
	for l := range ncond {
		e[l] = 0
	}
	c0 := mu * (1 - sumPhi)
	for l := ncond; l < n; l++ {
		v := w[l] - c0
		for i, lag := range wk.arLag {
			v -= wk.arCoef[i] * w[l-lag]
		}
		for i, lag := range wk.maLag {
			if lag > l-ncond {
				break
			}
			v -= wk.maCoef[i] * e[l-lag]
		}
		e[l] = v
		out[l-ncond] = v
	}
}

// constantStep is what the constant regressor becomes on the differenced
// series: 1 for an intercept (no differencing) or a drift after a first
// difference, m for a drift after a seasonal one.
func (o arimaOrder) constantStep() float64 {
	if o.sd == 1 && o.d == 0 {
		return float64(o.m)
	}
	return 1
}

// fitCSSR fits o's ARMA coefficients, and the mean or drift, to the
// differenced series w by conditional sum of squares, as R's arima does:
// R's BFGS from zero coefficients and the least-squares constant, on
// 0.5·log(σ²) with the constant scaled by ten times its standard error.
// It returns the ARMA coefficients (R's layout), the mean of w, the
// residual variance ssq/ν, and whether the search converged; ok is false
// when R's would have stopped with an error.
func fitCSSR(w []float64, o arimaOrder, wk *arimaWork) (x []float64, mu, sigma2 float64, converged, ok bool) {
	ncond := o.p + o.m*o.sp
	nu := len(w) - ncond
	if nu <= 0 {
		return nil, 0, 0, false, false
	}
	k := o.nARMA()
	c := o.constantStep()
	x0 := make([]float64, k, k+1)
	scale := 1.0
	if o.constant {
		// The least-squares constant and its standard error, as lm gives
		// them for the differenced regressor.
		n := float64(len(w))
		m := 0.0
		for _, v := range w {
			m += v
		}
		m /= n
		ss := 0.0
		for _, v := range w {
			ss += (v - m) * (v - m)
		}
		beta := m / c
		se := math.Sqrt(ss / (n - 1) / (n * c * c))
		if !(se > 0) {
			se = math.Max(math.Abs(beta), 1)
		}
		scale = 10 * se
		x0 = append(x0, beta/scale)
	}
	r := make([]float64, nu)
	obj := func(x []float64) float64 {
		o.unpack(x[:k], false, &wk.c)
		wk.phi, wk.theta = wk.c.expandInto(o.m, wk.phi, wk.theta)
		mu := 0.0
		if o.constant {
			mu = x[k] * scale * c
		}
		wk.cssResiduals(w, wk.phi, wk.theta, ncond, mu, r)
		return 0.5 * math.Log(sumSq(r)/float64(nu))
	}
	x, f, converged, ok := rBFGS(obj, x0, 100, nmRelTol)
	if !ok || !finite(f) {
		return nil, 0, 0, false, false
	}
	if o.constant {
		mu = x[k] * scale * c
	}
	return x[:k], mu, math.Exp(2 * f), converged, true
}

// fitCSSLM fits what fitCSSR fits, by Levenberg–Marquardt from zero with
// the mean or drift concentrated out (least squares on the filtered
// constant), in several times fewer evaluations. It reaches the same
// optimum where the conditional sum of squares has one; converged is false
// where the search stalled, as R's BFGS stops unconverged.
func fitCSSLM(w []float64, o arimaOrder, wk *arimaWork) (x []float64, mu, sigma2 float64, converged, ok bool) {
	ncond := o.p + o.m*o.sp
	nu := len(w) - ncond
	if nu <= 0 {
		return nil, 0, 0, false, false
	}
	k := o.nARMA()
	ones := make([]float64, len(w))
	for i := range ones {
		ones[i] = 1
	}
	e1 := make([]float64, nu)
	resid := func(x, r []float64) float64 {
		o.unpack(x, false, &wk.c)
		wk.phi, wk.theta = wk.c.expandInto(o.m, wk.phi, wk.theta)
		wk.cssResiduals(w, wk.phi, wk.theta, ncond, 0, r)
		if !o.constant {
			return 0
		}
		wk.cssResiduals(ones, wk.phi, wk.theta, ncond, 0, e1)
		var s11, s1y float64
		for t, v := range e1 {
			s11 += v * v
			s1y += v * r[t]
		}
		mu := 0.0
		if s11 > 0 {
			mu = s1y / s11
		}
		for t, v := range e1 {
			r[t] -= mu * v
		}
		return mu
	}
	res := func(x, r []float64) bool {
		resid(x, r)
		for _, v := range r {
			if !finite(v) {
				return false
			}
		}
		return true
	}
	x, ss, status := levenbergMarquardt(res, make([]float64, k), nu, nmRelTol, 100)
	if status == lmFailed {
		return nil, 0, 0, false, false
	}
	r := make([]float64, nu)
	mu = resid(x, r)
	return x, mu, ss / float64(nu), status == lmConverged, true
}

// fitOptions say how fitARIMA fits a model.
type fitOptions struct {
	// approx fits by conditional sum of squares alone (forecast's
	// approximation for long or highly seasonal series), whose criterion
	// adds offset.
	approx bool
	offset float64
	// useAIC selects AIC as the criterion instead of AICc.
	useAIC bool
	// fastCSS fits the conditional sum of squares by Levenberg–Marquardt
	// (fitCSSLM) instead of on R's path (fitCSSR).
	fastCSS bool
}

// fitARIMA fits order o to the series: by conditional sum of squares and
// then exact likelihood, or by conditional sum of squares alone (see
// fitOptions). ok is false when the model cannot be fitted; a fitted model
// whose AR or MA polynomial has a root within 1.01 of the unit circle gets
// an infinite criterion, as in forecast's myarima.
func fitARIMA(s *arimaData, o arimaOrder, opt fitOptions) (arimaFit, bool) {
	yield()
	approx, offset, useAIC := opt.approx, opt.offset, opt.useAIC
	w := s.differenced(o.d, o.sd)
	k := o.nARMA()
	fit := arimaFit{order: o, nobs: len(w), css: approx}
	if len(w) < k+2+boolInt(o.constant) {
		return arimaFit{}, false
	}
	wk := &arimaWork{}
	var xc []float64
	var cssSigma2 float64
	if k > 0 {
		var ok bool
		var converged bool
		fitCSS := fitCSSR
		if opt.fastCSS {
			fitCSS = fitCSSLM
		}
		xc, fit.mu, cssSigma2, converged, ok = fitCSS(w, o, wk)
		if !ok {
			return arimaFit{}, false
		}
		if !converged && !approx {
			// As R's arima: the likelihood search starts from zero when
			// the conditional one did not converge.
			xc = make([]float64, k)
		}
		o.unpack(xc, false, &fit.coef)
	}
	if approx {
		if k == 0 {
			fit.mu, cssSigma2 = meanAndVar(w, o.constant)
		}
		fit.coef = cloneCoef(fit.coef)
		fit.setCriteria(cssSigma2*float64(len(w)), cssSigma2, offset, useAIC)
		fit.checkRoots()
		return fit, true
	}
	af := newARMAFilter(w, o.constant)
	if k > 0 {
		// R refuses a model whose conditional AR estimates are not
		// stationary ("non-stationary AR part from CSS").
		if !rootsOutside(fit.coef.phi, 1) || !rootsOutside(fit.coef.sphi, 1) {
			return arimaFit{}, false
		}
		fit.coef.theta = maInvert(fit.coef.theta)
		fit.coef.stheta = maInvert(fit.coef.stheta)
		x0, ok := o.pack(fit.coef, true)
		if !ok {
			return arimaFit{}, false
		}
		n := len(w)
		res := func(x, r []float64) bool {
			o.unpack(x, true, &wk.c)
			wk.phi, wk.theta = wk.c.expandInto(o.m, wk.phi, wk.theta)
			if !af.run(wk.phi, wk.theta) {
				return false
			}
			g := math.Exp(af.sumlog / float64(2*n))
			for t := range n {
				r[t] = (af.e[t] - af.mu*af.e1[t]) / math.Sqrt(af.f[t]) * g
			}
			return true
		}
		x, _, status := levenbergMarquardt(res, x0, n, 1e-8, 100)
		if status == lmFailed {
			return arimaFit{}, false
		}
		o.unpack(x, true, &fit.coef)
		fit.coef = cloneCoef(fit.coef)
		fit.coef.theta = maInvert(fit.coef.theta)
		fit.coef.stheta = maInvert(fit.coef.stheta)
	}
	phi, theta := fit.coef.expand(o.m)
	if !af.run(phi, theta) {
		return arimaFit{}, false
	}
	n := float64(len(w))
	fit.mu = af.mu
	fit.loglik = -0.5 * (n*math.Log(af.ssq/n) + af.sumlog + n + n*math.Log(2*math.Pi))
	fit.setCriteria(af.ssq, 0, 0, useAIC)
	fit.checkRoots()
	return fit, true
}

// checkRoots gives the fit an infinite criterion when an expanded AR or
// MA polynomial has a root of modulus below 1.01.
func (f *arimaFit) checkRoots() {
	phi, theta := f.coef.expand(f.order.m)
	if !rootsOutside(phi, 1.01) || !rootsOutside(negated(theta), 1.01) {
		f.ic = math.Inf(1)
	}
}

// meanAndVar returns the mean of w (0 without mean) and the mean squared
// deviation from it.
func meanAndVar(w []float64, mean bool) (mu, v float64) {
	if mean {
		for _, x := range w {
			mu += x
		}
		mu /= float64(len(w))
	}
	for _, x := range w {
		v += (x - mu) * (x - mu)
	}
	return mu, v / float64(len(w))
}

func cloneCoef(c arimaCoef) arimaCoef {
	return arimaCoef{
		phi:    append([]float64(nil), c.phi...),
		theta:  append([]float64(nil), c.theta...),
		sphi:   append([]float64(nil), c.sphi...),
		stheta: append([]float64(nil), c.stheta...),
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// deltaPoly returns the coefficients δ of (1 − B)^d (1 − B^m)^D = 1 − Σ δ_i B^i.
func deltaPoly(d, D, m int) []float64 {
	poly := []float64{1}
	mul := func(lag int) {
		next := make([]float64, len(poly)+lag)
		copy(next, poly)
		for i, v := range poly {
			next[i+lag] -= v
		}
		poly = next
	}
	for range d {
		mul(1)
	}
	for range D {
		mul(m)
	}
	return negated(poly[1:])
}

// forecast returns the fit's point forecasts h steps past the end of the
// series and their standard deviations.
func (f *arimaFit) forecast(s *arimaData, h int) (mean, sd []float64, ok bool) {
	o := f.order
	phi, theta := f.coef.expand(o.m)
	w := s.differenced(o.d, o.sd)
	x := make([]float64, len(w))
	for i, v := range w {
		x[i] = v - f.mu
	}
	kr, ok := kalmanFilter(phi, theta, x)
	if !ok {
		return nil, nil, false
	}
	delta := deltaPoly(o.d, o.sd, o.m)
	n := len(s.y)
	// z is the series less its regression part: the drift b·t (t from 1,
	// as R's drift regressor), whose differenced form is the mean μ of
	// w, or the mean itself without differencing.
	var drift, level float64
	if o.constant {
		switch {
		case o.d == 1:
			drift = f.mu
		case o.sd == 1:
			drift = f.mu / float64(o.m)
		default:
			level = f.mu
		}
	}
	nd := len(delta)
	last := make([]float64, nd)
	for i := range nd {
		t := n - 2 - i
		last[i] = s.y[t] - drift*float64(t+1) - level
	}
	mz, v := arimaForecast(phi, theta, delta, kr.a, kr.p, last, h)
	mean = make([]float64, h)
	sd = make([]float64, h)
	for k := range h {
		mean[k] = mz[k] + drift*float64(n+k+1) + level
		sd[k] = math.Sqrt(v[k] * f.sigma2)
	}
	return mean, sd, true
}
