package stats

import (
	"cmp"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// seasonalZ is the one-sided 95 % normal quantile of the M3 seasonality
// test (a two-sided 90 % test on the lag-m autocorrelation).
const seasonalZ = 1.6448536269514722

// acf returns the sample autocorrelations of y at lags 1..maxLag (the
// series is demeaned; the denominator is the lag-0 sum, as R's acf).
func acf(y []float64, maxLag int) []float64 {
	n := len(y)
	mean := 0.0
	for _, v := range y {
		mean += v
	}
	mean /= float64(n)
	den := 0.0
	for _, v := range y {
		den += (v - mean) * (v - mean)
	}
	r := make([]float64, maxLag)
	if den == 0 {
		return r
	}
	for k := 1; k <= maxLag && k < n; k++ {
		s := 0.0
		for t := 0; t+k < n; t++ {
			s += (y[t] - mean) * (y[t+k] - mean)
		}
		r[k-1] = s / den
	}
	return r
}

// isSeasonal is the seasonality test of the M3 Naive2 benchmark and of R's
// thetaf: the lag-m autocorrelation must exceed its 90 % limit under
// Bartlett's variance of the first m-1 autocorrelations. It needs more than
// two full seasons and a non-constant series.
func isSeasonal(y []float64, m int) bool {
	n := len(y)
	if m <= 1 || n <= 2*m || isConstant(y) {
		return false
	}
	r := acf(y, m)
	s := 1.0
	for _, v := range r[:m-1] {
		s += 2 * v * v
	}
	return math.Abs(r[m-1]) > seasonalZ*math.Sqrt(s/float64(n))
}

// isConstant reports whether every value of y equals the first.
func isConstant(y []float64) bool {
	for _, v := range y {
		if v != y[0] {
			return false
		}
	}
	return true
}

// seasonalFigure returns the m seasonal indices of a classical
// decomposition of y (R's decompose) as rule takes them: y is detrended
// by a centred moving average of order m (2×m for even m), the detrended
// values are averaged per position in the cycle (rule.medians: their
// median is taken instead), and the averages are normalised to mean 1
// (mul) or 0 (additive). Position j holds the index of the times t ≡ j
// mod m. y must hold at least two full seasons. The average (or median)
// may be weighted toward the newest cycles: a position's k-th newest
// detrended value (k from 0) weighs decay^k, decay the one of
// rule.decays that chooseDecay picks (1, equal weights, when there are
// none). noise is the mean sampling variance of an index, in the
// indices' units: each position's (weighted) sample variance of its
// detrended values times Σw²/(Σw)² (1/count for equal weights), averaged
// over the positions that have two values or more (0 when none has), and
// times π/2 for a median (its large-sample variance for normal noise).
// detrended returns y divided by (mul) or less its centred moving average
// of order m (2×m for even m), by time: the values of times half to
// n−half−1 (half = m/2); the others are 0.
func detrended(y []float64, m int, mul bool) []float64 {
	n, half := len(y), m/2
	det := make([]float64, n)
	for t := half; t+half < n; t++ {
		var tr float64
		if m%2 == 0 {
			tr = 0.5*y[t-half] + 0.5*y[t+half]
			for j := t - half + 1; j < t+half; j++ {
				tr += y[j]
			}
		} else {
			for j := t - half; j <= t+half; j++ {
				tr += y[j]
			}
		}
		tr /= float64(m)
		if mul {
			det[t] = y[t] / tr
		} else {
			det[t] = y[t] - tr
		}
	}
	return det
}

// indexRule is how seasonalFigure takes the indices from the detrended
// values; the zero value is the classical mean of every cycle.
type indexRule struct {
	decays  []float64 // the weightings chooseDecay picks among
	medians bool      // weighted medians, not means
}

func seasonalFigure(y []float64, m int, mul bool, rule indexRule) (fig []float64, noise float64) {
	n := len(y)
	half := m / 2
	det := detrended(y, m, mul)
	decay := chooseDecay(det[half:n-half], m, rule.decays)
	var vs, ws []float64 // a position's values and weights, newest first
	fig = make([]float64, m)
	avg, positions := 0.0, 0
	for j := range fig {
		// The detrended values of position j (the times t ≡ j mod m
		// that have one), newest first, and their weights.
		vs, ws = vs[:0], ws[:0]
		last := n - half - 1
		last -= ((last-j)%m + m) % m
		w := 1.0
		for t := last; t >= half; t -= m {
			vs = append(vs, det[t])
			ws = append(ws, w)
			w *= decay
		}
		if len(vs) == 0 {
			continue
		}
		// Summed oldest first, in time order: with equal weights the
		// classical indices are R's decompose to the last bit, and the
		// M3 benchmarks' fits on them (summed newest first, an ulp off,
		// they moved hw_mult's and ets's optimisers).
		var sw, sw2 float64
		for k := len(vs) - 1; k >= 0; k-- {
			fig[j] += ws[k] * vs[k]
			sw += ws[k]
			sw2 += ws[k] * ws[k]
		}
		fig[j] /= sw
		avg += fig[j] / float64(m)
		// The variance from the deviations, not as Σwd² − Σw·mean²:
		// detrended values that vary by less than about 1e-8 of their
		// size (a multiplicative season on a level of 1e9 and more) lose
		// their variance in that difference's rounding, and the noise
		// came out many times too large, shrinking a clear season away.
		// It is divided by (Σw)²/Σw², the count for equal weights.
		if df := sw - sw2/sw; df > 0 {
			var sq float64
			for k := len(vs) - 1; k >= 0; k-- {
				e := vs[k] - fig[j]
				sq += ws[k] * e * e
			}
			noise += sq / df / (sw * sw / sw2)
			positions++
		}
		if rule.medians {
			// A median of the detrended values is less moved by the odd
			// month far off its season (a strike, a holiday moved).
			avg -= fig[j] / float64(m)
			fig[j] = weightedMedian(vs, ws)
			avg += fig[j] / float64(m)
		}
	}
	if positions > 0 {
		noise /= float64(positions)
	}
	if rule.medians {
		noise *= math.Pi / 2
	}
	for j := range fig {
		if mul {
			fig[j] /= avg
		} else {
			fig[j] -= avg
		}
	}
	if mul {
		noise /= avg * avg
	}
	return fig, noise
}

// weightedMedian is the weighted median of vs (weights ws, positive): the
// value at which the cumulative weight, in order of value, passes half
// the total, or the mean of the two values on either side when it
// reaches half exactly — the plain median for equal weights. It reorders
// neither slice.
func weightedMedian(vs, ws []float64) float64 {
	idx := make([]int, len(vs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(vs[a], vs[b]) })
	total := 0.0
	for _, w := range ws {
		total += w
	}
	cum := 0.0
	for k, i := range idx {
		cum += ws[i]
		if k+1 < len(idx) && math.Abs(cum-total/2) <= 1e-12*total {
			return (vs[i] + vs[idx[k+1]]) / 2
		}
		if cum > total/2 {
			return vs[i]
		}
	}
	return vs[idx[len(idx)-1]]
}

// chooseDecay returns the decay of decays (1 when there are none) whose
// weighted means best predict each position's next detrended value: for
// each position of the cycle, each of its values from the third on is
// predicted by the decay-weighted mean of the values before it, and the
// squared errors are summed over the positions. A decay below 1 is a
// parameter chosen on the data, so its sum is multiplied by exp(2/N), N
// the errors summed — AIC's penalty for one parameter, N·ln(SSE) + 2 —
// and a season that stays put keeps the classical mean unless the
// weights clearly predict it better. One decay is used as it is; with
// fewer than three cycles the largest is. det holds the detrended values,
// det[0] at a time ≡ 0 mod m or not: only the order within a position
// matters.
func chooseDecay(det []float64, m int, decays []float64) float64 {
	switch len(decays) {
	case 0:
		return 1
	case 1:
		return decays[0]
	}
	best, chosen := math.Inf(1), slices.Max(decays)
	for _, d := range decays {
		sse, errs := 0.0, 0
		for j := range min(m, len(det)) {
			var num, den float64 // the weighted sum and weight of the values before t
			for t := j; t < len(det); t += m {
				if t >= j+2*m {
					e := det[t] - num/den
					sse += e * e
					errs++
				}
				num = num*d + det[t]
				den = den*d + 1
			}
		}
		if errs == 0 {
			return chosen // fewer than three cycles: the nearest to the classical mean
		}
		if d < 1 {
			sse *= math.Exp(2 / float64(errs))
		}
		if sse < best {
			best, chosen = sse, d
		}
	}
	return chosen
}

// shrinkSeasonal moves the indices toward none (1 when they multiply, 0
// when they add) by the positive-part James–Stein factor of Miller and
// Williams (2003), 1 − (m−3)·noise / Σ(index − none)²: indices the
// series' own noise could have made move most, clear ones hardly at all.
// A cycle of three positions or fewer is left as it is (the factor would
// not shrink).
func shrinkSeasonal(fig []float64, noise float64, mul bool) {
	m := len(fig)
	none := 0.0
	if mul {
		none = 1
	}
	dev := 0.0
	for _, f := range fig {
		dev += (f - none) * (f - none)
	}
	if m <= 3 || dev == 0 {
		return
	}
	c := max(0, 1-float64(m-3)*noise/dev)
	for j, f := range fig {
		fig[j] = none + c*(f-none)
	}
}

// seasonalAdjustment is a classical seasonal adjustment of a series: the
// per-position indices and whether they multiply or add.
type seasonalAdjustment struct {
	idx []float64 // nil when the series is not adjusted
	mul bool
}

// adjustSeasonally applies the M3 benchmarks' seasonal adjustment: when the
// lag-m test finds seasonality, y is divided by the indices of a classical
// multiplicative decomposition (or, when y has a non-positive value,
// reduced by the additive ones). With refined (auto's default) a season
// whose STL strength would have auto.arima difference it (nsdiffs) is
// seasonal too — the lag-m test misses a smooth season in fewer than four
// cycles, whose first m−1 autocorrelations are all large — and the indices
// are first moved toward none by how noisy they are (shrinkSeasonal). rule
// is how the indices are taken (seasonalFigure). It returns y itself when
// y is not seasonal or the indices are unusable.
func adjustSeasonally(y []float64, m int, refined bool, rule indexRule) ([]float64, seasonalAdjustment) {
	if !isSeasonal(y, m) && !(refined && nsdiffs(y, m) == 1) {
		return y, seasonalAdjustment{}
	}
	mul := true
	for _, v := range y {
		if v <= 0 {
			mul = false
			break
		}
	}
	fig, noise := seasonalFigure(y, m, mul, rule)
	if refined {
		shrinkSeasonal(fig, noise, mul)
	}
	for _, v := range fig {
		if !finite(v) || (mul && v < 1e-4) {
			return y, seasonalAdjustment{}
		}
	}
	sa := seasonalAdjustment{idx: fig, mul: mul}
	out := make([]float64, len(y))
	for t, v := range y {
		out[t] = sa.remove(v, t)
	}
	return out, sa
}

// remove takes the seasonal index of time t out of v.
func (sa seasonalAdjustment) remove(v float64, t int) float64 {
	if sa.idx == nil {
		return v
	}
	if sa.mul {
		return v / sa.idx[t%len(sa.idx)]
	}
	return v - sa.idx[t%len(sa.idx)]
}

// apply puts the seasonal index of time t back into v.
func (sa seasonalAdjustment) apply(v float64, t int) float64 {
	if sa.idx == nil {
		return v
	}
	if sa.mul {
		return v * sa.idx[t%len(sa.idx)]
	}
	return v + sa.idx[t%len(sa.idx)]
}

// reseasonalize puts the indices back into a forecast made on the adjusted
// series of length n: the means and the interval bounds are scaled (or
// shifted) by the index of their period, as the M3 benchmarks do.
func (sa seasonalAdjustment) reseasonalize(r *result, n int) {
	if sa.idx == nil {
		return
	}
	for k := range r.mean {
		r.mean[k] = sa.apply(r.mean[k], n+k)
	}
	for i := range r.lower {
		for k := range r.lower[i] {
			r.lower[i][k] = sa.apply(r.lower[i][k], n+k)
			r.upper[i][k] = sa.apply(r.upper[i][k], n+k)
		}
	}
}

// leastSquares solves the least-squares problem x·coef ≈ y (x has one row
// per observation). ok is false when x is rank deficient.
func leastSquares(x [][]float64, y []float64) (coef []float64, ok bool) {
	n := len(x)
	if n == 0 {
		return nil, false
	}
	p := len(x[0])
	if n < p {
		return nil, false
	}
	a := mat.NewDense(n, p, nil)
	for i, row := range x {
		a.SetRow(i, row)
	}
	var qr mat.QR
	qr.Factorize(a)
	// Refuse a numerically singular design before solving.
	var r mat.Dense
	qr.RTo(&r)
	maxd := 0.0
	for i := range p {
		maxd = max(maxd, math.Abs(r.At(i, i)))
	}
	for i := range p {
		if math.Abs(r.At(i, i)) <= 1e-10*maxd || maxd == 0 {
			return nil, false
		}
	}
	var sol mat.Dense
	if err := qr.SolveTo(&sol, false, mat.NewDense(n, 1, append([]float64(nil), y...))); err != nil {
		return nil, false
	}
	coef = make([]float64, p)
	for i := range p {
		coef[i] = sol.At(i, 0)
		if !finite(coef[i]) {
			return nil, false
		}
	}
	return coef, true
}
