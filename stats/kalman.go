package stats

import (
	"math"
)

// This file holds the state-space side of ARIMA: the exact Gaussian
// likelihood of a stationary ARMA process through a Kalman filter, and the
// forecasts of an ARIMA model (differencing included) with their variances.
//
// The ARMA(p, q) process x_t = φ1 x_{t-1} + … + φp x_{t-p} + ε_t + θ1 ε_{t-1}
// + … + θq ε_{t-q} is written in Harvey's form, as R's arima does: a state of
// r = max(p, q+1) values, a_t[0] = x_t and
//
//	a_{t+1}[i] = φ_{i+1} a_t[0] + a_t[i+1] + θ_i ε_{t+1}    (θ_0 = 1)
//
// (φ and θ are zero beyond their orders), so T is the companion matrix with
// φ down its first column and ones above the diagonal, and the disturbance
// loads on R = (1, θ1, …, θ_{r-1}). The innovation variance σ² is 1 here:
// it is concentrated out of the likelihood.
//
// The filter starts from the stationary distribution of the state (mean
// zero, covariance Q0 solving Q0 = T Q0 T' + R R'), computed from the
// process's autocovariances. Because Q0 is the stationary covariance, the
// first change of the filter's covariance, P_2 − P_1, has rank one, and so
// has every later change (Morf, Sidhu and Kailath 1974): the Chandrasekhar
// recursions carry that rank-one factor instead of the r×r covariance, and
// cost O(r) per observation instead of O(r²). Mélard (1984, AS 197) uses
// them for the same likelihood. They need only Q0's first column.
// armaFilter.loglik runs them; kalmanFilter is the plain filter, run once
// on the chosen model to get the final state and covariance a forecast
// starts from (and, in the tests, to check the fast one).

// armaAutocov fills gamma[0..len(gamma)-1] with the autocovariances at lags
// 0, 1, … of the ARMA process (σ² = 1) and psi[0..len(psi)-1] with its
// ψ weights; psi must hold at least q+1 values and work at least
// (p+1)² + 2·(len(gamma) + q). ok is false when the AR part is not
// stationary.
//
// The process is x = θ(B) u with u the AR process φ(B) u = ε. The
// autocovariances of u come from the Levinson–Durbin recursion run
// backwards and then forwards: the step-down gives the partial
// autocorrelations κ_k (all inside (−1, 1) exactly when φ is stationary)
// and the AR coefficients of every order, so γ_u(0) = 1/Π(1 − κ_k²) and
// γ_u(k) = Σ_j φ_{k,j} γ_u(k−j). Then γ_x(k) = Σ_i Σ_j θ_i θ_j γ_u(k+j−i).
// That is O(p²) where solving the autocovariance equations directly costs
// O(p³): seasonal models expand to p of 13 to 26 (monthly) or 106 (weekly).
func armaAutocov(phi, theta, gamma, psi, work []float64) bool {
	p, q := len(phi), len(theta)
	// ψ weights: ψ_0 = 1, ψ_j = θ_j + Σ φ_i ψ_{j-i}.
	for j := range psi {
		v := 0.0
		if j == 0 {
			v = 1
		} else if j <= q {
			v = theta[j-1]
		}
		for i := 1; i <= min(j, p); i++ {
			v += phi[i-1] * psi[j-i]
		}
		psi[j] = v
	}
	nl := len(gamma)
	// gu holds γ_u at lags 0..nl-1+q.
	nu := nl + q
	w := (p + 1) * (p + 1)
	coef := work[:w] // row k: the AR(k) coefficients φ_{k,1..k}
	gu := work[w : w+nu]
	if p == 0 {
		for k := range gu {
			gu[k] = 0
		}
		gu[0] = 1
	} else {
		// Step down from order p.
		row := func(k int) []float64 { return coef[k*(p+1) : k*(p+1)+k] }
		copy(row(p), phi)
		g0 := 1.0
		for k := p; k >= 1; k-- {
			cur := row(k)
			kappa := cur[k-1]
			if !(math.Abs(kappa) < 1) {
				return false
			}
			d := 1 - kappa*kappa
			g0 /= d
			if k == 1 {
				break
			}
			prev := row(k - 1)
			for j := range k - 1 {
				prev[j] = (cur[j] + kappa*cur[k-2-j]) / d
			}
		}
		gu[0] = g0
		for k := 1; k < nu; k++ {
			var c []float64
			if k <= p {
				c = row(k)
			} else {
				c = phi
			}
			v := 0.0
			for j, cj := range c {
				v += cj * gu[k-1-j]
			}
			gu[k] = v
		}
	}
	// γ_x(k) = Σ_i θ_i v(k−i) with v(l) = Σ_j θ_j γ_u(|l+j|), over the
	// non-zero θ's only (θ_0 = 1): v at l = k−i ∈ [−q, nl−1] is stored at
	// l+q.
	v := work[w+nu : w+nu+nl+q]
	for l := -q; l < nl; l++ {
		x := gu[abs(l)]
		for j, tj := range theta {
			if tj != 0 {
				x += tj * gu[abs(l+j+1)]
			}
		}
		v[l+q] = x
	}
	for k := range nl {
		x := v[k+q]
		for i, ti := range theta {
			if ti != 0 {
				x += ti * v[k-i-1+q]
			}
		}
		gamma[k] = x
	}
	return gamma[0] > 0 && finite(gamma[0])
}

// abs returns |l|.
func abs(l int) int {
	if l < 0 {
		return -l
	}
	return l
}

// stateDim is the dimension r = max(p, q+1) of the ARMA state.
func stateDim(p, q int) int { return max(p, q+1) }

// coefAt returns c[i-1] (φ_i or θ_i), or 0 beyond the order; θ_0 is 1 when
// one is true.
func coefAt(c []float64, i int, one bool) float64 {
	if i == 0 {
		if one {
			return 1
		}
		return 0
	}
	if i <= len(c) {
		return c[i-1]
	}
	return 0
}

// stationaryColumn fills col[0..r-1] with the first column of Q0, the
// stationary covariance of the state: Cov(a_t[j], x_t) = Σ_k φ_{j+1+k} γ_{k+1}
// + θ_{j+k} ψ_k. gamma must hold lags 0..r and psi 0..r-1.
func stationaryColumn(phi, theta, gamma, psi, col []float64) {
	r := len(col)
	for j := range r {
		s := 0.0
		for k := 0; k < r-j; k++ {
			s += coefAt(phi, j+1+k, false)*gamma[k+1] + coefAt(theta, j+k, true)*psi[k]
		}
		col[j] = s
	}
	col[0] = gamma[0]
}

// stationaryCov returns the full stationary covariance Q0 of the state
// (row-major r×r), or ok false for a non-stationary model. It fills the
// first column from the autocovariances and the rest from Q0 = T Q0 T' +
// R R', which for the companion T reads
//
//	Q0[i][j] = R_i R_j + φ_{i+1} φ_{j+1} Q0[0][0] + φ_{i+1} Q0[0][j+1] + φ_{j+1} Q0[i+1][0] + Q0[i+1][j+1]
//
// and is filled from the last row and column back.
func stationaryCov(phi, theta []float64) ([]float64, bool) {
	p, q := len(phi), len(theta)
	r := stateDim(p, q)
	gamma := make([]float64, r+1)
	psi := make([]float64, max(r, q+1))
	work := make([]float64, (p+1)*(p+1)+2*(r+1+q))
	if !armaAutocov(phi, theta, gamma, psi, work) {
		return nil, false
	}
	col := make([]float64, r)
	stationaryColumn(phi, theta, gamma, psi, col)
	return fillStationaryCov(phi, theta, col), true
}

// fillStationaryCov completes Q0 from its first column (see stationaryCov).
func fillStationaryCov(phi, theta, col []float64) []float64 {
	r := len(col)
	q0 := make([]float64, r*r)
	at := func(i, j int) float64 {
		if i >= r || j >= r {
			return 0
		}
		return q0[i*r+j]
	}
	for i := range r {
		q0[i*r] = col[i]
		q0[i] = col[i]
	}
	for i := r - 1; i >= 1; i-- {
		for j := r - 1; j >= i; j-- {
			v := coefAt(theta, i, true)*coefAt(theta, j, true) +
				coefAt(phi, i+1, false)*coefAt(phi, j+1, false)*q0[0] +
				coefAt(phi, i+1, false)*at(0, j+1) +
				coefAt(phi, j+1, false)*at(i+1, 0) +
				at(i+1, j+1)
			q0[i*r+j] = v
			q0[j*r+i] = v
		}
	}
	return q0
}

// armaFilter computes the exact concentrated likelihood of ARMA models on
// one series, reusing its buffers between calls (it is not safe for
// concurrent use). The series x is the differenced series; when mean is
// true the model is x_t − μ = ARMA with μ estimated by generalised least
// squares for each set of coefficients (the profile likelihood, whose
// maximum is the joint one).
type armaFilter struct {
	x    []float64
	mean bool

	// per-call results
	e, e1, f []float64 // innovations of x and of the constant column, their variances
	mu       float64   // GLS estimate of the mean (0 without mean)
	ssq      float64   // Σ (e − μ e1)² / F
	sumlog   float64   // Σ log F

	gamma, psi, work    []float64
	col, k, l, tl, a, b []float64
	ph                  []float64
}

// newARMAFilter returns a filter for series x.
func newARMAFilter(x []float64, mean bool) *armaFilter {
	n := len(x)
	return &armaFilter{x: x, mean: mean, e: make([]float64, n), e1: make([]float64, n), f: make([]float64, n)}
}

// grow returns s with length n, reallocating when it is too short.
func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}

// run filters the series under the ARMA model (phi, theta) with the
// Chandrasekhar recursions and sets e, e1, f, mu, ssq and sumlog. ok is
// false for a non-stationary model or a filter that broke down.
func (af *armaFilter) run(phi, theta []float64) bool {
	p, q := len(phi), len(theta)
	r := stateDim(p, q)
	af.gamma = grow(af.gamma, r+1)
	af.psi = grow(af.psi, max(r, q+1))
	af.work = grow(af.work, (p+1)*(p+1)+2*(r+1+q))
	if !armaAutocov(phi, theta, af.gamma, af.psi, af.work) {
		return false
	}
	af.col = grow(af.col, r)
	stationaryColumn(phi, theta, af.gamma, af.psi, af.col)
	// The vectors carry one trailing zero and φ is padded to r, so that
	// T v reads ph[i]·v[0] + v[i+1] without branches.
	K := grow(af.k, r)
	L := grow(af.l, r+1)
	TL := grow(af.tl, r)
	a := grow(af.a, r+1)
	b := grow(af.b, r+1)
	ph := grow(af.ph, r)
	af.k, af.l, af.tl, af.a, af.b, af.ph = K, L, TL, a, b, ph
	for i := range r {
		ph[i] = coefAt(phi, i+1, false)
	}
	L[r], a[r], b[r] = 0, 0, 0
	// F_1 = Q0[0][0]; K_1 = T Q0 e_0; L_1 = K_1, M_1 = −1/F_1.
	F := af.col[0]
	for i := range r {
		v := ph[i] * af.col[0]
		if i+1 < r {
			v += af.col[i+1]
		}
		K[i] = v
		L[i] = v
		a[i] = 0
		b[i] = 0
	}
	M := -1 / F
	steady := false
	var syy, s1y, s11, sumlog float64
	prod := 1.0 // running product of the F's, logged in chunks
	for t, xt := range af.x {
		if !(F > 0) || !finite(F) {
			return false
		}
		et := xt - a[0]
		af.e[t], af.f[t] = et, F
		syy += et * et / F
		prod *= F
		if prod > 1e100 || prod < 1e-100 {
			sumlog += math.Log(prod)
			prod = 1
		}
		// a ← T a + K e / F (and the same for the constant's state b).
		ge := et / F
		a0 := a[0]
		for i, k := range K {
			a[i] = ph[i]*a0 + a[i+1] + k*ge
		}
		if af.mean {
			e1 := 1 - b[0]
			af.e1[t] = e1
			s1y += et * e1 / F
			s11 += e1 * e1 / F
			g1 := e1 / F
			b0 := b[0]
			for i, k := range K {
				b[i] = ph[i]*b0 + b[i+1] + k*g1
			}
		}
		if steady {
			continue
		}
		zl := L[0]
		norm := 0.0
		for _, v := range L[:r] {
			norm += v * v
		}
		if norm*math.Abs(M) <= 1e-13*F {
			// The covariance's changes, L M L', have died out: F and K
			// stay as they are from here on.
			steady = true
			continue
		}
		fn := F + zl*zl*M
		for i := range TL {
			TL[i] = ph[i]*zl + L[i+1]
		}
		c1, c2 := zl/F, M*zl
		for i, tl := range TL {
			L[i] = tl - K[i]*c1
			K[i] += tl * c2
		}
		M -= M * M * zl * zl / fn
		F = fn
	}
	sumlog += math.Log(prod)
	af.mu = 0
	af.ssq = syy
	if af.mean {
		if !(s11 > 0) {
			return false
		}
		af.mu = s1y / s11
		af.ssq = syy - s1y*s1y/s11
	}
	af.sumlog = sumlog
	return af.ssq > 0 && finite(af.ssq) && finite(sumlog)
}

// kalmanResult is the outcome of the plain Kalman filter over a series.
type kalmanResult struct {
	ssq, sumlog float64   // Σ e²/F and Σ log F
	resid       []float64 // standardised innovations e/√F
	a, p        []float64 // filtered state and covariance (r×r) after the last observation
}

// kalmanFilter runs the plain Kalman filter of the ARMA model (phi, theta)
// over x, started from the stationary state distribution, as R's
// ARIMA_Like does for an undifferenced model. ok is false for a
// non-stationary model.
func kalmanFilter(phi, theta, x []float64) (kalmanResult, bool) {
	p, q := len(phi), len(theta)
	r := stateDim(p, q)
	q0, ok := stationaryCov(phi, theta)
	if !ok {
		return kalmanResult{}, false
	}
	res := kalmanResult{resid: make([]float64, len(x)), a: make([]float64, r), p: make([]float64, r*r)}
	a, P := res.a, res.p
	anew := make([]float64, r)
	pnew := make([]float64, r*r)
	mcol := make([]float64, r)
	rv := make([]float64, r)
	for i := range r {
		rv[i] = coefAt(theta, i, true)
	}
	for t, xt := range x {
		for i := range r {
			v := coefAt(phi, i+1, false) * a[0]
			if i+1 < r {
				v += a[i+1]
			}
			anew[i] = v
		}
		if t == 0 {
			copy(pnew, q0)
		} else {
			// Pnew = T P T' + R R'.
			for i := range r {
				pi := coefAt(phi, i+1, false)
				for j := range r {
					pj := coefAt(phi, j+1, false)
					v := rv[i]*rv[j] + pi*pj*P[0]
					if i+1 < r && j+1 < r {
						v += P[(i+1)*r+j+1]
					}
					if j+1 < r {
						v += pi * P[j+1]
					}
					if i+1 < r {
						v += pj * P[(i+1)*r]
					}
					pnew[i*r+j] = v
				}
			}
		}
		f := pnew[0]
		if !(f > 0) {
			return kalmanResult{}, false
		}
		e := xt - anew[0]
		res.ssq += e * e / f
		res.sumlog += math.Log(f)
		res.resid[t] = e / math.Sqrt(f)
		for i := range r {
			mcol[i] = pnew[i*r]
		}
		for i := range r {
			a[i] = anew[i] + mcol[i]*e/f
			for j := range r {
				P[i*r+j] = pnew[i*r+j] - mcol[i]*mcol[j]/f
			}
		}
	}
	return res, true
}

// arimaForecast forecasts h steps of an ARIMA model from the end of a
// series: phi and theta are the ARMA part's expanded coefficients, delta
// the differencing polynomial's (z_t = Σ δ_i z_{t-i} + x_t, empty without
// differencing), a and pa the ARMA state filtered at the last observation
// and its covariance (a[0] is the last differenced value x_n), and last
// the len(delta) values of the series before its last, newest first
// (z_{n-1}, z_{n-2}, …; z_n itself is x_n plus their differencing). It
// returns the forecasts and their variances in units of σ², those of R's
// KalmanForecast on makeARIMA's model (the differencing states are
// known, with zero variance, once the series is observed).
//
// KalmanForecast propagates the state's covariance, P ← T P T' + R R',
// which costs O(dim²) memory and time a step for a state of dim = r +
// len(delta) values: with a seasonal difference of period m, dim exceeds
// m, and a season of 5000 took 600 MB and half a second a step. Only the
// observation's variance is needed: Z P_k Z' = Σ_{j<k} (Z T^j R)² +
// (Z T^k) P_0 (Z T^k)', where P_0 has only the ARMA block pa, so the row
// Z T^j is carried instead, in O(dim) a step.
func arimaForecast(phi, theta, delta, a, pa, last []float64, h int) (mean, v []float64) {
	r := len(a)
	nd := len(delta)
	dim := r + nd
	s := make([]float64, dim)
	copy(s, a)
	copy(s[r:], last)
	rv := make([]float64, r)
	for i := range r {
		rv[i] = coefAt(theta, i, true)
	}
	// z is Z T^j: Z reads the observation off the state, x_0 plus the
	// differencing of the series' last values.
	z := make([]float64, dim)
	z[0] = 1
	copy(z[r:], delta)
	zn := make([]float64, dim)
	sn := make([]float64, dim)
	mean = make([]float64, h)
	v = make([]float64, h)
	acc := 0.0 // Σ_{j≤k} (Z T^j R)²
	for k := range h {
		// s ← T s: the ARMA rows from the companion form, the first
		// differencing row as the observation, the others shifted.
		for i := range r {
			sn[i] = coefAt(phi, i+1, false) * s[0]
			if i+1 < r {
				sn[i] += s[i+1]
			}
		}
		if nd > 0 {
			sn[r] = s[0]
			for j := range nd {
				sn[r] += delta[j] * s[r+j]
			}
			copy(sn[r+1:], s[r:dim-1])
		}
		s, sn = sn, s
		mean[k] = s[0]
		for j := range nd {
			mean[k] += delta[j] * s[r+j]
		}
		zr := 0.0
		for i := range r {
			zr += z[i] * rv[i]
		}
		acc += zr * zr
		// z ← z T, the transpose of the rows above.
		zn[0] = 0
		for i := range r {
			zn[0] += z[i] * coefAt(phi, i+1, false)
		}
		for c := 1; c < r; c++ {
			zn[c] = z[c-1]
		}
		if nd > 0 {
			zn[0] += z[r]
			for j := range nd {
				zn[r+j] = z[r] * delta[j]
				if j+1 < nd {
					zn[r+j] += z[r+j+1]
				}
			}
		}
		z, zn = zn, z
		zp := 0.0
		for i := range r {
			for j := range r {
				zp += z[i] * pa[i*r+j] * z[j]
			}
		}
		v[k] = math.Max(acc+zp, 0)
	}
	return mean, v
}
