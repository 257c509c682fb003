package stats

import (
	"math"
	"slices"
)

// result is a model's forecast on its working series: point forecasts and,
// per level, interval bounds.
type result struct {
	model        string
	mean         []float64
	lower, upper [][]float64 // one slice per level; nil when the model has no intervals
}

// head returns r's first h steps, in slices of their own.
func (r result) head(h int) result {
	out := result{model: r.model, mean: slices.Clone(r.mean[:h])}
	if r.lower != nil {
		out.lower, out.upper = make([][]float64, len(r.lower)), make([][]float64, len(r.upper))
		for i := range r.lower {
			out.lower[i], out.upper[i] = slices.Clone(r.lower[i][:h]), slices.Clone(r.upper[i][:h])
		}
	}
	return out
}

// withNormal returns a result whose intervals are mean ± z·sd at each level.
func withNormal(model string, mean, sd []float64, levels []float64) result {
	r := result{model: model, mean: mean}
	r.lower = make([][]float64, len(levels))
	r.upper = make([][]float64, len(levels))
	for i, lv := range levels {
		z := normalQuantile(0.5 + lv/2)
		lo := make([]float64, len(mean))
		hi := make([]float64, len(mean))
		for k := range mean {
			w := z * sd[k]
			lo[k], hi[k] = mean[k]-w, mean[k]+w
		}
		r.lower[i], r.upper[i] = lo, hi
	}
	return r
}

// normalQuantile returns the standard normal quantile of p.
func normalQuantile(p float64) float64 { return math.Sqrt2 * math.Erfinv(2*p-1) }

// naiveModel is the random walk: the last value, with the intervals of a
// random walk whose step variance is the mean squared first difference.
func naiveModel(y []float64, h int, levels []float64) result {
	return seasonalNaiveModel(y, 1, h, levels, "naive")
}

// seasonalNaiveModel repeats the last season; for m = 1 (or a series not
// longer than m) it is the naive model.
func seasonalNaiveModel(y []float64, m, h int, levels []float64, name string) result {
	n := len(y)
	if m < 1 || n <= m {
		m = 1
	}
	mean := make([]float64, h)
	for k := range h {
		mean[k] = y[n-m+k%m]
	}
	ss, c := 0.0, 0
	for t := m; t < n; t++ {
		d := y[t] - y[t-m]
		ss += d * d
		c++
	}
	sigma := 0.0
	if c > 0 {
		sigma = math.Sqrt(ss / float64(c))
	}
	sd := make([]float64, h)
	for k := range h {
		sd[k] = sigma * math.Sqrt(float64(k/m+1))
	}
	return withNormal(name, mean, sd, levels)
}

// etsModel fits spec to y by crit and forecasts h steps; ok is false when
// the series is too short for the model or no admissible fit exists.
func etsModel(c *fitCache, y []float64, spec etsSpec, crit fitCrit, h int, levels []float64, name string) (result, etsFit, bool) {
	fit, ok := c.fit(y, spec, crit)
	if !ok {
		return result{}, etsFit{}, false
	}
	mean, sd := fit.forecast(h)
	return withNormal(name, mean, sd, levels), fit, true
}

// Specs of the named exponential-smoothing models.
var (
	specSES    = etsSpec{m: 1}
	specHolt   = etsSpec{trend: true, m: 1}
	specDamped = etsSpec{trend: true, damped: true, m: 1}
)

// thetaModel is the Theta method of Assimakopoulos & Nikolopoulos (2000) as
// R's thetaf computes it (Hyndman & Billah 2003): simple exponential
// smoothing with a drift of half the slope of a linear regression on time,
// on y (seasonally adjusted by the caller). The intervals are those of the
// SES model.
func thetaModel(c *fitCache, y []float64, h int, levels []float64) (result, bool) {
	fit, ok := c.fit(y, specSES, critMSE)
	if !ok {
		return result{}, false
	}
	n := len(y)
	_, slope := lineFit(y, 0)
	drift := slope / 2
	a := math.Max(1e-10, fit.par.alpha)
	off := (1 - math.Pow(1-a, float64(n))) / a
	mean, _ := fit.forecast(h)
	sd := make([]float64, h)
	sigma := math.Sqrt(fit.sigma2)
	for k := range h {
		mean[k] += drift * (float64(k) + off)
		sd[k] = sigma * math.Sqrt(float64(k)*a*a+1)
	}
	return withNormal("theta", mean, sd, levels), true
}

// regressionModel is a linear regression of y on a time trend and m-1
// seasonal dummies (none when m is 1), forecast by extrapolation, with
// the regression's prediction intervals (normal quantiles).
func regressionModel(y []float64, m, h int, levels []float64) (result, bool) {
	n := len(y)
	if m < 1 || n < 2*m {
		m = 1
	}
	p := 2 + m - 1
	if n <= p+1 {
		return result{}, false
	}
	row := func(t int) []float64 {
		r := make([]float64, p)
		r[0], r[1] = 1, float64(t+1)/float64(n)
		if j := t % m; j > 0 {
			r[1+j] = 1
		}
		return r
	}
	x := make([][]float64, n)
	for t := range n {
		x[t] = row(t)
	}
	coef, ok := leastSquares(x, y)
	if !ok {
		return result{}, false
	}
	dot := func(r []float64) float64 {
		s := 0.0
		for i, v := range r {
			s += v * coef[i]
		}
		return s
	}
	sse := 0.0
	for t := range n {
		e := y[t] - dot(x[t])
		sse += e * e
	}
	sigma2 := sse / float64(n-p)
	// Leverage of a future row, x0'(X'X)^-1 x0, from the normal equations.
	xtx := make([][]float64, p)
	for i := range p {
		xtx[i] = make([]float64, p)
		for t := range n {
			for j := range p {
				xtx[i][j] += x[t][i] * x[t][j]
			}
		}
	}
	inv, ok := invert(xtx)
	if !ok {
		return result{}, false
	}
	mean := make([]float64, h)
	sd := make([]float64, h)
	for k := range h {
		r := row(n + k)
		mean[k] = dot(r)
		lev := 0.0
		for i := range p {
			for j := range p {
				lev += r[i] * inv[i][j] * r[j]
			}
		}
		sd[k] = math.Sqrt(sigma2 * (1 + max(lev, 0)))
	}
	return withNormal("lm", mean, sd, levels), true
}

// invert inverts a small symmetric positive definite matrix by
// Gauss–Jordan elimination with partial pivoting.
func invert(a [][]float64) ([][]float64, bool) {
	p := len(a)
	w := make([][]float64, p)
	for i := range p {
		w[i] = make([]float64, 2*p)
		copy(w[i], a[i])
		w[i][p+i] = 1
	}
	for c := range p {
		piv := c
		for r := c + 1; r < p; r++ {
			if math.Abs(w[r][c]) > math.Abs(w[piv][c]) {
				piv = r
			}
		}
		if math.Abs(w[piv][c]) < 1e-300 {
			return nil, false
		}
		w[c], w[piv] = w[piv], w[c]
		d := w[c][c]
		for j := range w[c] {
			w[c][j] /= d
		}
		for r := range p {
			if r == c || w[r][c] == 0 {
				continue
			}
			f := w[r][c]
			for j := range w[r] {
				w[r][j] -= f * w[c][j]
			}
		}
	}
	inv := make([][]float64, p)
	for i := range p {
		inv[i] = w[i][p:]
	}
	return inv, true
}

// combine averages results point by point (the mean or the median of the
// point forecasts; the bounds are combined the same way, level by level).
func combine(name string, rs []result, median bool) result {
	h := len(rs[0].mean)
	agg := func(get func(result) float64) float64 {
		if !median {
			s := 0.0
			for _, r := range rs {
				s += get(r)
			}
			return s / float64(len(rs))
		}
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = get(r)
		}
		return medianOf(v)
	}
	out := result{model: name, mean: make([]float64, h)}
	for k := range h {
		out.mean[k] = agg(func(r result) float64 { return r.mean[k] })
	}
	nl := len(rs[0].lower)
	for _, r := range rs {
		nl = min(nl, len(r.lower))
	}
	if nl > 0 {
		out.lower = make([][]float64, nl)
		out.upper = make([][]float64, nl)
		for i := range nl {
			out.lower[i] = make([]float64, h)
			out.upper[i] = make([]float64, h)
			for k := range h {
				out.lower[i][k] = agg(func(r result) float64 { return r.lower[i][k] })
				out.upper[i][k] = agg(func(r result) float64 { return r.upper[i][k] })
			}
		}
	}
	return out
}

// medianOf returns the median of v, reordering v.
func medianOf(v []float64) float64 {
	// slices.Sort, not an insertion sort: robust_drift takes the median
	// of every step, and a series of 100 000 points spent 37 s here.
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}
