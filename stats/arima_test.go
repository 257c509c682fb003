package stats

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPartransRoundTrip(t *testing.T) {
	raw := []float64{0.3, -1.2, 2.0}
	phi := make([]float64, 3)
	partrans(raw, phi)
	assert.True(t, rootsOutside(phi, 1), "partrans gives a stationary AR: %v", phi)
	back := make([]float64, 3)
	require.True(t, invpartrans(phi, back))
	near(t, "round trip", back, raw, 1e-12)
	// AR(1): the coefficient is tanh of the raw value.
	one := make([]float64, 1)
	partrans([]float64{0.5}, one)
	assertNearly(t, math.Tanh(0.5), one[0])
	assert.False(t, invpartrans([]float64{1.1}, one), "explosive AR(1)")
	assert.False(t, invpartrans([]float64{0.5, 0.6}, back[:2]), "AR(2) with a unit root outside the triangle")
}

func TestRootsOutside(t *testing.T) {
	// 1 − 0.5z has its root at 2.
	assert.True(t, rootsOutside([]float64{0.5}, 1.99))
	assert.False(t, rootsOutside([]float64{0.5}, 2.01))
	// 1 − 1.5z + 0.56z² = (1 − 0.7z)(1 − 0.8z): roots 1/0.7 and 1.25.
	assert.True(t, rootsOutside([]float64{1.5, -0.56}, 1.2))
	assert.False(t, rootsOutside([]float64{1.5, -0.56}, 1.3))
	assert.True(t, rootsOutside(nil, 1))
	assert.True(t, rootsOutside([]float64{0, 0}, 1), "trailing zeros")
}

func TestMAInvert(t *testing.T) {
	near(t, "MA(1)", maInvert([]float64{2}), []float64{0.5}, 1e-12)
	near(t, "invertible MA(1) unchanged", maInvert([]float64{-0.4}), []float64{-0.4}, 0)
	// (1 + 2z)(1 + 0.5z) = 1 + 2.5z + z²: the root −0.5 goes to −2, giving
	// (1 + 0.5z)(1 + 0.5z) = 1 + z + 0.25z².
	near(t, "MA(2)", maInvert([]float64{2.5, 1}), []float64{1, 0.25}, 1e-9)
	// Complex roots inside the circle: 1 + 0.5z + 2z².
	inv := maInvert([]float64{0.5, 2})
	assert.True(t, rootsOutside(negated(inv), 1), "inverted: %v", inv)
	// The autocorrelations are unchanged: ρ1 = θ1(1+θ2)/(1+θ1²+θ2²), ρ2 = θ2/(…).
	rho := func(th []float64) (float64, float64) {
		d := 1 + th[0]*th[0] + th[1]*th[1]
		return th[0] * (1 + th[1]) / d, th[1] / d
	}
	a1, a2 := rho([]float64{0.5, 2})
	b1, b2 := rho(inv)
	assert.InDelta(t, a1, b1, 1e-9)
	assert.InDelta(t, a2, b2, 1e-9)
}

func TestExpandSeasonal(t *testing.T) {
	// (1 − 0.5B)(1 − 0.3B⁴) = 1 − 0.5B − 0.3B⁴ + 0.15B⁵; MA signs add.
	c := arimaCoef{phi: []float64{0.5}, sphi: []float64{0.3}, theta: []float64{0.4}, stheta: []float64{-0.6}}
	phi, theta := c.expand(4)
	near(t, "phi", phi, []float64{0.5, 0, 0, 0.3, -0.15}, 1e-15)
	near(t, "theta", theta, []float64{0.4, 0, 0, -0.6, -0.24}, 1e-15)
}

func TestDeltaPoly(t *testing.T) {
	// (1 − B)(1 − B⁴) = 1 − B − B⁴ + B⁵.
	near(t, "d=1 D=1", deltaPoly(1, 1, 4), []float64{1, 0, 0, 1, -1}, 0)
	near(t, "d=2", deltaPoly(2, 0, 1), []float64{2, -1}, 0)
	assert.Empty(t, deltaPoly(0, 0, 12))
}

func TestArimaOrderString(t *testing.T) {
	for _, c := range []struct {
		o    arimaOrder
		want string
	}{
		{arimaOrder{d: 1, m: 1, constant: true}, "ARIMA(0,1,0) with drift"},
		{arimaOrder{p: 1, m: 1, constant: true}, "ARIMA(1,0,0) with non-zero mean"},
		{arimaOrder{p: 1, m: 12}, "ARIMA(1,0,0) with zero mean"},
		{arimaOrder{q: 1, d: 1, sq: 1, sd: 1, m: 12}, "ARIMA(0,1,1)(0,1,1)[12]"},
		{arimaOrder{p: 2, d: 1, m: 4}, "ARIMA(2,1,0)"},
	} {
		assert.Equal(t, c.want, c.o.String())
	}
	assert.Equal(t, "arima(0,1,1)(0,1,1)[12]", arimaOrder{q: 1, d: 1, sq: 1, sd: 1, m: 12}.name())
}

// simulateARMA returns n values of an ARMA process with mean mu, after a
// burn-in, from a seeded generator.
func simulateARMA(n int, phi, theta []float64, mu float64, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 1))
	burn := 200
	x := make([]float64, n+burn)
	e := make([]float64, n+burn)
	for t := range x {
		e[t] = rng.NormFloat64()
		v := e[t]
		for i, p := range phi {
			if t-i-1 >= 0 {
				v += p * x[t-i-1]
			}
		}
		for j, q := range theta {
			if t-j-1 >= 0 {
				v += q * e[t-j-1]
			}
		}
		x[t] = v
	}
	out := x[burn:]
	for i := range out {
		out[i] += mu
	}
	return out
}

func TestFitARIMARecoversARMA11(t *testing.T) {
	y := simulateARMA(400, []float64{0.6}, []float64{0.3}, 10, 3)
	s := newARIMAData(y, 1)
	fit, ok := fitARIMA(s, arimaOrder{p: 1, q: 1, m: 1, constant: true}, fitOptions{})
	require.True(t, ok)
	assert.InDelta(t, 0.6, fit.coef.phi[0], 0.1)
	assert.InDelta(t, 0.3, fit.coef.theta[0], 0.1)
	assert.InDelta(t, 10, fit.mu, 0.5)
	assert.InDelta(t, 1, fit.sigma2, 0.2)
	// The likelihood is the plain Kalman filter's at the fitted values.
	x := make([]float64, len(y))
	for i, v := range y {
		x[i] = v - fit.mu
	}
	kr, ok := kalmanFilter(fit.coef.phi, fit.coef.theta, x)
	require.True(t, ok)
	n := float64(len(y))
	want := -0.5 * (n*math.Log(kr.ssq/n) + kr.sumlog + n + n*math.Log(2*math.Pi))
	assert.InDelta(t, want, fit.loglik, 1e-6)
	// It is a maximum: moving the coefficients lowers it.
	for _, d := range []float64{-0.02, 0.02} {
		kr2, _ := kalmanFilter([]float64{fit.coef.phi[0] + d}, fit.coef.theta, x)
		other := -0.5 * (n*math.Log(kr2.ssq/n) + kr2.sumlog + n + n*math.Log(2*math.Pi))
		assert.Less(t, other, fit.loglik)
	}
	// AICc = −2 log L + 2k + 2k(k+1)/(n−k−1), k = ar, ma, mean and σ².
	k := 4.0
	assert.InDelta(t, -2*fit.loglik+2*k+2*k*(k+1)/(n-k-1), fit.aicc, 1e-9)
}

func TestFitARIMARefusesWhatCannotBeFitted(t *testing.T) {
	s := newARIMAData([]float64{1, 2, 3, 5}, 1)
	_, ok := fitARIMA(s, arimaOrder{p: 2, q: 2, m: 1, constant: true}, fitOptions{})
	assert.False(t, ok, "more coefficients than points")
}

// TestCSSOptimisersAgree: where the conditional sum of squares has one
// optimum, R's BFGS path and Levenberg–Marquardt reach it.
func TestCSSOptimisersAgree(t *testing.T) {
	y := simulateARMA(150, []float64{0.5}, []float64{0.4}, 20, 11)
	o := arimaOrder{p: 1, q: 1, m: 1, constant: true}
	xr, mur, s2r, convR, okR := fitCSSR(y, o, &arimaWork{})
	xl, mul, s2l, convL, okL := fitCSSLM(y, o, &arimaWork{})
	require.True(t, okR && okL)
	assert.True(t, convR && convL)
	near(t, "coefficients", xl, xr, 1e-3)
	assert.InDelta(t, mur, mul, 1e-3*math.Abs(mur))
	assert.InDelta(t, s2r, s2l, 1e-6*s2r)
	assert.InDelta(t, 0.5, xr[0], 0.15)
	assert.InDelta(t, 0.4, xr[1], 0.15)
}
