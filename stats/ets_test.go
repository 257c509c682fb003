package stats

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestETSRecursionHandComputed(t *testing.T) {
	// SES, alpha 0.5, l0 1, y = 2, 4: f1 = 1, e1 = 1, l1 = 1.5;
	// f2 = 1.5, e2 = 2.5, l2 = 2.75; SSE = 1 + 6.25.
	r := specSES.run([]float64{2, 4}, etsParams{alpha: 0.5}, 1, 0, nil)
	assert.True(t, r.ok, "ses")
	assertNearly(t, 7.25, r.sse, "ses: sse")
	assertNearly(t, 2.75, r.l, "ses: l")
	// Holt, alpha 0.5, beta 0.2, l0 1, b0 1, y = 3, 4:
	// f1 = 2, e1 = 1, l1 = 2.5, b1 = 1 + 0.4·(1.5 − 1) = 1.2;
	// f2 = 3.7, e2 = 0.3, l2 = 3.85, b2 = 1.2 + 0.4·(1.35 − 1.2) = 1.26.
	r = specHolt.run([]float64{3, 4}, etsParams{alpha: 0.5, beta: 0.2}, 1, 1, nil)
	assert.True(t, r.ok, "holt")
	assertNearly(t, 1.09, r.sse, "holt: sse")
	assertNearly(t, 3.85, r.l, "holt: l")
	assertNearly(t, 1.26, r.b, "holt: b")
	// Damped, phi 0.5, same start: f1 = 1.5, e1 = 1.5, l1 = 2.25,
	// b1 = 0.5 + 0.4·(1.25 − 0.5) = 0.8; f2 = 2.65, e2 = 1.35.
	r = specDamped.run([]float64{3, 4}, etsParams{alpha: 0.5, beta: 0.2, phi: 0.5}, 1, 1, nil)
	assert.True(t, r.ok, "damped")
	assertNearly(t, 1.5*1.5+1.35*1.35, r.sse, "damped: sse")
	// Additive Holt–Winters, m 2, alpha 0.5, beta 0.1, gamma 0.2, l0 10,
	// b0 0, s = (1, −1), y = 12: f = 11, e = 1, l = 10 + 0.5·(11 − 10) =
	// 10.5, s0 = 1 + 0.2·(12 − 10 − 1) = 1.2.
	s := []float64{1, -1}
	spec := etsSpec{trend: true, season: seasonAdd, m: 2}
	r = spec.run([]float64{12}, etsParams{alpha: 0.5, beta: 0.1, gamma: 0.2}, 10, 0, s)
	assert.True(t, r.ok, "hw")
	assertNearly(t, 1, r.sse, "hw: sse")
	assertNearly(t, 10.5, r.l, "hw: l")
	assertNearly(t, 1.2, s[0], "hw: s0")
	// Multiplicative seasonality: s = (2, 0.5), l0 10, y = 30: f = 20,
	// relative error 0.5, l = 10 + 0.5·(15 − 10) = 12.5, s0 = 2 + 0.2·(3 − 2).
	s = []float64{2, 0.5}
	spec = etsSpec{errMul: true, trend: true, season: seasonMul, m: 2}
	r = spec.run([]float64{30}, etsParams{alpha: 0.5, beta: 0.1, gamma: 0.2}, 10, 0, s)
	assert.True(t, r.ok, "hw_mult")
	assertNearly(t, 0.25, r.sseRel, "hw_mult: sseRel")
	assertNearly(t, 12.5, r.l, "hw_mult: l")
	assertNearly(t, 2.2, s[0], "hw_mult: s0")
	assertNearly(t, math.Log(20), r.logF, "hw_mult: logF")
}

func TestETSForecastHandComputed(t *testing.T) {
	// Damped trend, l 10, b 1, phi 0.5: means 10.5, 10.75; with sigma² 1,
	// alpha 0.5 and beta 0.1, c1 = 0.5 + 0.1·0.5 so v2 = 1 + 0.55².
	f := etsFit{spec: specDamped, par: etsParams{alpha: 0.5, beta: 0.1, phi: 0.5}, l: 10, b: 1, n: 5, sigma2: 1}
	mean, sd := f.forecast(2)
	near(t, "mean", mean, []float64{10.5, 10.75}, 1e-12)
	near(t, "sd", sd, []float64{1, math.Sqrt(1 + 0.55*0.55)}, 1e-12)
	// Additive seasonal: the index of the forecast's period is added.
	f = etsFit{spec: etsSpec{season: seasonAdd, m: 2}, par: etsParams{alpha: 0.5, gamma: 0.1}, l: 10, s: []float64{1, -1}, n: 3, sigma2: 4}
	mean, sd = f.forecast(3)
	near(t, "seasonal mean", mean, []float64{9, 11, 9}, 1e-12)
	// c1 = 0.5, c2 = 0.5 + 0.1 (a full season later).
	near(t, "seasonal sd", sd, []float64{2, 2 * math.Sqrt(1.25), 2 * math.Sqrt(1.25+0.36)}, 1e-12)
}

func TestInitialStatesLikeR(t *testing.T) {
	// A non-seasonal model starts from the mean (no trend) or the
	// regression line (trend) of the first ten points.
	y := []float64{1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 100}
	l, _, _ := specSES.initialStates(y)
	assertNearly(t, 10, l, "ses l0")
	l, b, _ := specHolt.initialStates(y)
	assertNearly(t, -1, l, "holt l0")
	assertNearly(t, 2, b, "holt b0")
}

func TestFitETSMatchesR(t *testing.T) {
	h := 6
	for _, tc := range []struct {
		name string
		spec etsSpec
		want []float64
	}{
		{"ses", specSES, []float64{4936.935076, 4936.935076, 4936.935076, 4936.935076, 4936.935076, 4936.935076}},
		{"holt", specHolt, []float64{5486.122078, 6035.250635, 6584.379192, 7133.507749, 7682.636306, 8231.764863}},
		{"damped", specDamped, []float64{5475.715914, 6003.666499, 6521.058023, 7028.101669, 7525.004395, 8011.969020}},
	} {
		r, _, ok := etsModel(nil, n0001, tc.spec, critMSE, h, []float64{0.95}, tc.name)
		require.True(t, ok, "%s: no fit", tc.name)
		near(t, tc.name, r.mean, tc.want, 1e-6)
	}
	// R's 95 % bounds for ses (sigma² = SSE / (n − 2)).
	r, _, _ := etsModel(nil, n0001, specSES, critMSE, 2, []float64{0.95}, "ses")
	near(t, "ses lo95", r.lower[0], []float64{4250.813855, 3966.661661}, 1e-6)
}

func TestFitETSRefusesShortSeries(t *testing.T) {
	_, ok := fitETS([]float64{1, 2, 3, 4, 5, 6}, specDamped, critMSE)
	assert.False(t, ok, "damped fitted to 6 points, want refusal (needs 7)")
	_, ok = fitETS(seasonalSeries(20, 12), etsSpec{trend: true, season: seasonAdd, m: 12}, critMSE)
	assert.False(t, ok, "seasonal model fitted to less than two seasons")
}

func TestETSAICcPicksTrendForTrendingSeries(t *testing.T) {
	y := make([]float64, 40)
	for i := range y {
		y[i] = 50 + 3*float64(i) + 2*math.Sin(float64(i)*2.3)
	}
	r, fit, ok := etsAICc(nil, y, 4, []float64{0.8})
	require.True(t, ok, "no fit")
	assert.True(t, fit.spec.trend, "AICc chose %v for a trending series, want a trend model", fit.spec)
	assert.GreaterOrEqual(t, r.mean[3], y[39]+6, "forecast %v does not follow the trend (last %v)", r.mean, y[39])
}
