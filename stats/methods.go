package stats

// methodFunc computes one forecasting method on a checked series y with
// seasonal period m (1 for none), h steps ahead. ok is false when the
// method cannot be applied (the series is too short for it, or no
// admissible fit exists); the caller then falls back to a simpler method.
type methodFunc func(y []float64, m, h int, levels []float64) (result, bool)

// methods maps each method name to its implementation and the method to
// fall back to when it cannot be applied.
var methods = map[string]struct {
	run      methodFunc
	fallback string
}{
	"naive": {func(y []float64, _, h int, lv []float64) (result, bool) {
		return naiveModel(y, h, lv), true
	}, ""},
	"snaive": {func(y []float64, m, h int, lv []float64) (result, bool) {
		return seasonalNaiveModel(y, m, h, lv, "snaive"), true
	}, "naive"},
	"naive2": {adjusted("naive2", func(y []float64, h int, lv []float64) (result, bool) {
		return naiveModel(y, h, lv), true
	}), "naive"},
	"ses":       {raw(ets(specSES, "ses")), "naive"},
	"holt":      {raw(ets(specHolt, "holt")), "ses"},
	"damped":    {raw(ets(specDamped, "damped")), "holt"},
	"ses_sa":    {adjusted("ses_sa", ets(specSES, "ses")), "ses"},
	"holt_sa":   {adjusted("holt_sa", ets(specHolt, "holt")), "holt"},
	"damped_sa": {adjusted("damped_sa", ets(specDamped, "damped")), "damped"},
	"theta": {adjusted("theta", func(y []float64, h int, lv []float64) (result, bool) {
		return thetaModel(nil, y, h, lv)
	}), "ses"},
	"comb_sa": {combSA, "damped_sa"},
	"hw":      {holtWinters(false), "damped_sa"},
	"hw_mult": {holtWinters(true), "hw"},
	"lm":      {regression, "naive"},
	"drift": {func(y []float64, _, h int, lv []float64) (result, bool) {
		return driftModel(y, h, lv)
	}, "naive"},
	"arima": {arimaMethod, "naive"},
	"ets": {adjusted("ets", func(y []float64, h int, lv []float64) (result, bool) {
		r, _, ok := etsAICc(nil, y, h, lv)
		return r, ok
	}), "damped_sa"},
}

// raw applies a non-seasonal model to the series as it is.
func raw(inner func(y []float64, h int, lv []float64) (result, bool)) methodFunc {
	return func(y []float64, _, h int, lv []float64) (result, bool) {
		return inner(y, h, lv)
	}
}

// adjusted applies a non-seasonal model to the seasonally adjusted series
// and puts the seasonal indices back into its forecast (the M3
// benchmarks' recipe).
func adjusted(name string, inner func(y []float64, h int, lv []float64) (result, bool)) methodFunc {
	return func(y []float64, m, h int, lv []float64) (result, bool) {
		ya, sa := adjustSeasonally(y, m, false, indexRule{})
		r, ok := inner(ya, h, lv)
		if !ok {
			return result{}, false
		}
		sa.reseasonalize(&r, len(y))
		r.model = name
		return r, true
	}
}

// ets returns a method fitting spec by squared error, as R's ses(),
// holt() and holt(damped = TRUE) do.
func ets(spec etsSpec, name string) func(y []float64, h int, lv []float64) (result, bool) {
	return func(y []float64, h int, lv []float64) (result, bool) {
		r, _, ok := etsModel(nil, y, spec, critMSE, h, lv, name)
		return r, ok
	}
}

// combSA is the M3 benchmark Comb S-H-D: the mean of SES, Holt and damped
// trend on the seasonally adjusted series (intervals: the mean of their
// bounds).
func combSA(y []float64, m, h int, lv []float64) (result, bool) {
	ya, sa := adjustSeasonally(y, m, false, indexRule{})
	var rs []result
	for _, spec := range []etsSpec{specSES, specHolt, specDamped} {
		r, _, ok := etsModel(nil, ya, spec, critMSE, h, lv, "")
		if !ok {
			return result{}, false
		}
		rs = append(rs, r)
	}
	c := combine("comb_sa", rs, false)
	sa.reseasonalize(&c, len(y))
	return c, true
}

// holtWinters returns the Holt–Winters method with additive or
// multiplicative seasonality (ETS(A,A,A) or ETS(M,A,M) fitted by squared
// error, as R's hw()). A non-seasonal period or a series shorter than two
// seasons and a bit is refused; a multiplicative model also refuses a
// series with a non-positive value.
func holtWinters(mul bool) methodFunc {
	return func(y []float64, m, h int, lv []float64) (result, bool) {
		if m <= 1 {
			return result{}, false
		}
		spec := etsSpec{trend: true, season: seasonAdd, m: m}
		name := "hw"
		if mul {
			for _, v := range y {
				if v <= 0 {
					return result{}, false
				}
			}
			spec = etsSpec{errMul: true, trend: true, season: seasonMul, m: m}
			name = "hw_mult"
		}
		r, _, ok := etsModel(nil, y, spec, critMSE, h, lv, name)
		return r, ok
	}
}

// regression is the linear regression on trend and seasonal dummies.
func regression(y []float64, m, h int, lv []float64) (result, bool) {
	return regressionModel(y, m, h, lv)
}

// arimaMethod is the automatic seasonal ARIMA (R's auto.arima): the
// model chosen by the stepwise search, forecast with the intervals of its
// state-space forecast variances.
func arimaMethod(y []float64, m, h int, lv []float64) (result, bool) {
	r, _, ok := autoARIMAForecast(y, m, h, lv, false)
	return r, ok
}

// arimaCandidate is auto's ARIMA: the search without seasonal terms (auto
// fits its candidates to the seasonally adjusted series), with the
// conditional sum of squares fitted by Levenberg–Marquardt rather than on
// R's path (the same optimum at a fraction of the cost; auto needs
// accuracy, not R's exact path), and the number of values it fits
// (coefficients and mean or drift).
func arimaCandidate(ya []float64, h int, lv []float64) (result, int, bool) {
	return autoARIMAForecast(ya, 1, h, lv, true)
}

// autoARIMAForecast runs the search on y with period m (see autoARIMA for
// fastCSS) and forecasts h steps. A series of extreme magnitude is fitted divided by its mean
// absolute value (the model is scale-free, though the optimiser's
// stopping rule is not; R does not rescale, and at ordinary magnitudes
// neither does this).
func autoARIMAForecast(y []float64, m, h int, lv []float64, fastCSS bool) (result, int, bool) {
	scale := meanAbs(y)
	if !(scale > 0) || !finite(scale) || (scale > 1e-50 && scale < 1e50) {
		scale = 1
	}
	if scale != 1 {
		ys := make([]float64, len(y))
		for i, v := range y {
			ys[i] = v / scale
		}
		y = ys
	}
	s, fit, ok := autoARIMA(y, m, fastCSS)
	if !ok {
		return result{}, 0, false
	}
	mean, sd, ok := fit.forecast(s, h)
	if !ok {
		return result{}, 0, false
	}
	for k := range mean {
		mean[k] *= scale
		sd[k] *= scale
	}
	return withNormal(fit.order.name(), mean, sd, lv), fit.npar() - 1, true
}
