package stats

import (
	"math"
	"sort"
)

// This file is the automatic ARIMA: the stepwise search of Hyndman and
// Khandakar (2008) as forecast's auto.arima runs it by default. The
// orders of differencing come first (unitroot.go); then, from
// ARIMA(2,d,2)(1,D,1) (smaller for short series), the null model, AR(1)
// and MA(1) forms and the null model without constant, the search moves to
// the best neighbour (one order up or down, or two together, and the
// constant toggled) by AICc until no neighbour improves or 94 models have
// been fitted. Every model is fitted by exact likelihood, except for
// series longer than 150 points or with a period above 12, where the
// search compares conditional-sum-of-squares fits (with R's offset to the
// likelihood scale) and the best is then refitted exactly.

// Limits of the search, as auto.arima's defaults.
const (
	arimaMaxP      = 5
	arimaMaxQ      = 5
	arimaMaxSP     = 2
	arimaMaxSQ     = 2
	arimaMaxModels = 94
	// arimaApproxLength and arimaApproxPeriod: longer series, or longer
	// periods, are searched with the conditional-sum-of-squares
	// approximation.
	arimaApproxLength = 150
	arimaApproxPeriod = 12
	// arimaMaxSeasonalLag bounds the seasonal AR and MA terms: P·m and Q·m
	// stay at most this (two years of a weekly season), so that a long
	// period cannot make the expanded polynomials, and every likelihood
	// evaluation, arbitrarily large. R has no such bound (its arima refuses
	// lags above 350).
	arimaMaxSeasonalLag = 104
)

// arimaSearch records the models fitted so far.
type arimaSearch struct {
	s       *arimaData
	approx  bool
	offset  float64
	useAIC  bool
	fastCSS bool
	fitted  []arimaFit // every model tried, ic +Inf when it could not be fitted
	maxP    int
	maxQ    int
	maxSP   int
	maxSQ   int
	dropped bool // the model limit was reached
}

// try fits o unless it was tried already; it returns the fit (ic +Inf
// when it failed) and whether it was new.
func (as *arimaSearch) try(o arimaOrder) (arimaFit, bool) {
	for _, f := range as.fitted {
		if f.order == o {
			return f, false
		}
	}
	if len(as.fitted) >= arimaMaxModels {
		as.dropped = true
		return arimaFit{order: o, ic: math.Inf(1)}, false
	}
	f, ok := fitARIMA(as.s, o, fitOptions{approx: as.approx, offset: as.offset, useAIC: as.useAIC, fastCSS: as.fastCSS})
	if !ok {
		f = arimaFit{order: o, ic: math.Inf(1)}
	}
	as.fitted = append(as.fitted, f)
	return f, true
}

// autoARIMA chooses and fits an ARIMA model for y with seasonal period m
// (1 for none). ok is false when no model could be fitted. With fastCSS
// each model's conditional-sum-of-squares stage is fitted by
// Levenberg–Marquardt (several times cheaper) instead of on R's path.
func autoARIMA(y []float64, m int, fastCSS bool) (*arimaData, arimaFit, bool) {
	n := len(y)
	if m < 1 {
		m = 1
	}
	s := newARIMAData(y, m)
	if n < 3 {
		return s, arimaFit{}, false
	}
	as := &arimaSearch{s: s, fastCSS: fastCSS}
	as.maxP, as.maxQ, as.maxSP, as.maxSQ = orderLimits(n, m)
	as.useAIC = n <= 3
	// Orders of differencing.
	D := 0
	if m > 1 && n > 2*m {
		D = nsdiffs(y, m)
	}
	dx := s.differenced(0, D)
	d := ndiffs(dx)
	dx = s.differenced(d, D)
	if len(dx) == 0 {
		return s, arimaFit{}, false
	}
	if nearlyConstant(dx) {
		return s, constantDifferences(s, d, D, dx), true
	}
	as.approx = n > arimaApproxLength || m > arimaApproxPeriod
	if as.approx {
		base := arimaOrder{d: d, sd: D, m: m, constant: d+D == 0}
		if f, ok := fitARIMA(s, base, fitOptions{useAIC: as.useAIC, fastCSS: fastCSS}); ok {
			as.offset = -2*f.loglik - float64(n)*math.Log(f.sigma2R())
		}
	}
	constant := d+D <= 1
	startP, startQ, startSP, startSQ := 2, 2, 1, 1
	if n < 10 {
		startP, startQ, startSP, startSQ = 1, 1, 0, 0
	}
	p, q := min(startP, as.maxP), min(startQ, as.maxQ)
	sp, sq := min(startSP, as.maxSP), min(startSQ, as.maxSQ)
	order := func(p, q, sp, sq int, c bool) arimaOrder {
		return arimaOrder{p: p, d: d, q: q, sp: sp, sd: D, sq: sq, m: m, constant: c}
	}
	best, _ := as.try(order(p, q, sp, sq, constant))
	consider := func(o arimaOrder) bool {
		f, _ := as.try(o)
		if f.ic < best.ic {
			best = f
			return true
		}
		return false
	}
	if consider(order(0, 0, 0, 0, constant)) {
		p, q, sp, sq = 0, 0, 0, 0
	}
	if as.maxP > 0 || as.maxSP > 0 {
		ap, asp := boolInt(as.maxP > 0), boolInt(m > 1 && as.maxSP > 0)
		if consider(order(ap, 0, asp, 0, constant)) {
			p, q, sp, sq = ap, 0, asp, 0
		}
	}
	if as.maxQ > 0 || as.maxSQ > 0 {
		aq, asq := boolInt(as.maxQ > 0), boolInt(m > 1 && as.maxSQ > 0)
		if consider(order(0, aq, 0, asq, constant)) {
			p, q, sp, sq = 0, aq, 0, asq
		}
	}
	if constant {
		if consider(order(0, 0, 0, 0, false)) {
			p, q, sp, sq = 0, 0, 0, 0
		}
	}
	// The neighbours, in auto.arima's order: each move is (Δp, Δq, ΔP, ΔQ);
	// the constant is toggled last.
	moves := [][4]int{
		{0, 0, -1, 0}, {0, 0, 0, -1}, {0, 0, 1, 0}, {0, 0, 0, 1},
		{0, 0, -1, -1}, {0, 0, -1, 1}, {0, 0, 1, -1}, {0, 0, 1, 1},
		{-1, 0, 0, 0}, {0, -1, 0, 0}, {1, 0, 0, 0}, {0, 1, 0, 0},
		{-1, -1, 0, 0}, {-1, 1, 0, 0}, {1, -1, 0, 0}, {1, 1, 0, 0},
	}
	for improved := true; improved && !as.dropped; {
		improved = false
		for _, mv := range moves {
			np, nq, nsp, nsq := p+mv[0], q+mv[1], sp+mv[2], sq+mv[3]
			if np < 0 || nq < 0 || nsp < 0 || nsq < 0 || np > as.maxP || nq > as.maxQ || nsp > as.maxSP || nsq > as.maxSQ {
				continue
			}
			if consider(order(np, nq, nsp, nsq, constant)) {
				p, q, sp, sq = np, nq, nsp, nsq
				improved = true
				break
			}
			if as.dropped {
				break
			}
		}
		if !improved && !as.dropped && d+D <= 1 && consider(order(p, q, sp, sq, !constant)) {
			constant = !constant
			improved = true
		}
	}
	if as.approx {
		// Refit the best models exactly, in order of their approximate
		// criterion, until one fits.
		cands := append([]arimaFit(nil), as.fitted...)
		sort.SliceStable(cands, func(i, j int) bool { return cands[i].ic < cands[j].ic })
		best = arimaFit{ic: math.Inf(1)}
		for _, c := range cands {
			f, ok := fitARIMA(s, c.order, fitOptions{useAIC: as.useAIC, fastCSS: fastCSS})
			if ok && !math.IsInf(f.ic, 1) {
				best = f
				break
			}
		}
	}
	if math.IsInf(best.ic, 1) {
		return s, arimaFit{}, false
	}
	return s, best, true
}

// orderLimits returns the largest orders the search considers for n
// points with period m, as auto.arima's: p, q ≤ 5 and P, Q ≤ 2, none above
// n/3 (n/3/m for the seasonal ones), seasonal lags P·m and Q·m at most
// arimaMaxSeasonalLag, and p, q below m when there are seasonal terms.
func orderLimits(n, m int) (p, q, sp, sq int) {
	p, q = min(arimaMaxP, n/3), min(arimaMaxQ, n/3)
	if m <= 1 {
		return p, q, 0, 0
	}
	sp = min(arimaMaxSP, n/3/m, arimaMaxSeasonalLag/m)
	sq = min(arimaMaxSQ, n/3/m, arimaMaxSeasonalLag/m)
	if sp > 0 {
		p = min(p, m-1)
	}
	if sq > 0 {
		q = min(q, m-1)
	}
	return p, q, sp, sq
}

// sigma2R is the variance R's arima reports, ssq / n (before forecast's
// correction for the parameters): the auto.arima offset uses it.
func (f *arimaFit) sigma2R() float64 {
	return f.sigma2 * math.Max(float64(f.nobs-f.npar()+1), 1) / float64(f.nobs)
}

// constantDifferences is auto.arima's answer when the differenced series
// is constant: the differencing alone, with the constant difference as a
// fixed drift (or mean) when there is one difference or none.
func constantDifferences(s *arimaData, d, D int, dx []float64) arimaFit {
	o := arimaOrder{d: d, sd: D, m: s.m}
	fit := arimaFit{order: o, nobs: len(dx)}
	if d+D <= 1 {
		o.constant = true
		fit.order = o
		fit.mu = dx[0]
		for _, v := range dx {
			fit.mu += (v - dx[0]) / float64(len(dx))
		}
	}
	ss := 0.0
	for _, v := range dx {
		ss += (v - fit.mu) * (v - fit.mu)
	}
	fit.sigma2 = ss / float64(len(dx))
	return fit
}
