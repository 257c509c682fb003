package stats

import "math"

// DefaultMaxTheta is Selection.MaxTheta's default: the optimised theta
// candidate chooses θ in [1, 3], the range of the generalised Theta method
// (Spiliotis, Assimakopoulos and Makridakis 2020).
const DefaultMaxTheta = 3.0

// MaxThetaLimit is the largest Selection.MaxTheta New accepts. At θ =
// 1e8 the forecast's weight on the smoothed level is 1/θ = 1e-8, and the
// forecast is the least-squares line's to within a hundred-millionth of
// the gap between the two: a larger θ changes no forecast that matters
// and only lengthens the search for θ (a MaxTheta of 1e15 once hung it,
// see goldenMin).
const MaxThetaLimit = 1e8

// thetaOptModel is the Theta method with its θ chosen by the fit: the
// theta line θ·y + (1 − θ)·T around the least-squares line T is
// extrapolated by simple exponential smoothing and recombined with T's
// extrapolation, with weights 1/θ and 1 − 1/θ, and θ in [1, maxTheta] is
// the one whose in-sample one-step fit of y has the least mean absolute
// error. It is the linear, additive model of the generalised Theta method
// (4Theta; Spiliotis, Assimakopoulos and Makridakis 2020), which chooses θ
// the same way; θ = 2 is the classical Theta method's point forecast, θ = 1
// simple exponential smoothing. The intervals are those of simple
// exponential smoothing with the fit's residual variance.
func thetaOptModel(y []float64, h int, lv []float64, maxTheta float64) (result, bool) {
	n := len(y)
	if n < 4 || !(maxTheta >= 1) {
		return result{}, false
	}
	icpt, slope := lineFit(y, 0)
	theta := goldenMin(1, maxTheta, 1e-3, func(th float64) float64 {
		return fitThetaLine(y, th, icpt, slope).mae
	})
	fit := fitThetaLine(y, theta, icpt, slope)
	w := 1 / theta
	mean := make([]float64, h)
	sd := make([]float64, h)
	for k := range h {
		mean[k] = w*fit.last + (1-w)*(icpt+slope*float64(n+k))
		sd[k] = fit.sigma * math.Sqrt(1+float64(k)*fit.alpha*fit.alpha)
	}
	for _, v := range mean {
		if !finite(v) {
			return result{}, false
		}
	}
	return withNormal("theta_opt", mean, sd, lv), true
}

// thetaLineFit is the Theta method's fit at one θ (see thetaOptModel).
type thetaLineFit struct {
	mae, sigma  float64 // the one-step fit's mean absolute and root mean squared error
	alpha, last float64 // SES's α and final level on the theta line
}

// fitThetaLine fits the Theta method with θ to y, around the line
// icpt + slope·t: SES on the theta line θ·y + (1 − θ)·T, its one-step
// values recombined with T with weights 1/θ and 1 − 1/θ.
func fitThetaLine(y []float64, theta, icpt, slope float64) thetaLineFit {
	line := make([]float64, len(y))
	for t, v := range y {
		line[t] = theta*v + (1-theta)*(icpt+slope*float64(t))
	}
	alpha, fitted, last := sesFit(line)
	w := 1 / theta
	var ae, se float64
	for t, v := range y {
		e := v - (w*fitted[t] + (1-w)*(icpt+slope*float64(t)))
		ae += math.Abs(e)
		se += e * e
	}
	n := float64(len(y))
	return thetaLineFit{mae: ae / n, sigma: math.Sqrt(se / n), alpha: alpha, last: last}
}

// sesFit fits simple exponential smoothing to y by least squares: for each
// α the initial level minimising the squared one-step errors is solved in
// closed form (each fitted value is linear in it), and α in [1e-4, 0.9999]
// is found by golden-section search. It returns α, the one-step fitted
// values and the final level.
func sesFit(y []float64) (alpha float64, fitted []float64, last float64) {
	n := len(y)
	a0 := make([]float64, n) // fitted values with an initial level of 0
	b0 := make([]float64, n) // each fitted value's weight on the initial level
	solve := func(a float64) (sse, l0 float64) {
		l, b := 0.0, 1.0
		for t, v := range y {
			a0[t], b0[t] = l, b
			l = a*v + (1-a)*l
			b *= 1 - a
		}
		var num, den float64
		for t, v := range y {
			num += b0[t] * (v - a0[t])
			den += b0[t] * b0[t]
		}
		l0 = num / den
		for t, v := range y {
			e := v - a0[t] - b0[t]*l0
			sse += e * e
		}
		return sse, l0
	}
	alpha = goldenMin(1e-4, 0.9999, 1e-5, func(a float64) float64 {
		sse, _ := solve(a)
		return sse
	})
	_, l := solve(alpha)
	fitted = make([]float64, n)
	for t, v := range y {
		fitted[t] = l
		l = alpha*v + (1-alpha)*l
	}
	return alpha, fitted, l
}

// goldenMin returns the minimiser of f on [lo, hi] by golden-section
// search to within tol (f is taken to be unimodal there, as R's optimize
// does), or to within a few ulps of the interval's ends where those are
// further apart than tol (a MaxTheta of 1e15: there the interval stopped
// shrinking and the search never ended).
func goldenMin(lo, hi, tol float64, f func(float64) float64) float64 {
	const ulps = 16 * 0x1p-52
	g := (math.Sqrt(5) - 1) / 2
	c, d := hi-g*(hi-lo), lo+g*(hi-lo)
	fc, fd := f(c), f(d)
	for hi-lo > max(tol, ulps*max(math.Abs(lo), math.Abs(hi))) {
		if fc < fd {
			hi, d, fd = d, c, fc
			c = hi - g*(hi-lo)
			fc = f(c)
		} else {
			lo, c, fc = c, d, fd
			d = lo + g*(hi-lo)
			fd = f(d)
		}
	}
	return lo/2 + hi/2 // (lo + hi) / 2, which overflows past MaxFloat64/2
}
