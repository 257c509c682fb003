package stats

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestARMAAutocovHandComputed(t *testing.T) {
	gamma := make([]float64, 4)
	psi := make([]float64, 4)
	work := make([]float64, 128)
	// AR(1): γ_k = φ^k / (1 − φ²).
	require.True(t, armaAutocov([]float64{0.6}, nil, gamma, psi, work))
	for k, g := range gamma {
		assertNearly(t, math.Pow(0.6, float64(k))/(1-0.36), g, "AR(1) γ_%d", k)
	}
	// MA(1): γ_0 = 1 + θ², γ_1 = θ, 0 beyond.
	require.True(t, armaAutocov(nil, []float64{0.4}, gamma, psi, work))
	near(t, "MA(1) γ", gamma, []float64{1.16, 0.4, 0, 0}, 1e-12)
	// ARMA(1,1): γ_0 = (1 + 2φθ + θ²)/(1 − φ²), γ_1 = (1 + φθ)(φ + θ)/(1 − φ²).
	phi, th := 0.5, 0.3
	require.True(t, armaAutocov([]float64{phi}, []float64{th}, gamma, psi, work))
	assertNearly(t, (1+2*phi*th+th*th)/(1-phi*phi), gamma[0], "ARMA(1,1) γ_0")
	assertNearly(t, (1+phi*th)*(phi+th)/(1-phi*phi), gamma[1], "ARMA(1,1) γ_1")
	assertNearly(t, phi*gamma[1], gamma[2], "ARMA(1,1) γ_2")
	near(t, "ARMA(1,1) ψ", psi, []float64{1, phi + th, phi * (phi + th), phi * phi * (phi + th)}, 1e-12)
	// A unit root has no stationary variance.
	assert.False(t, armaAutocov([]float64{1}, nil, gamma, psi, work), "random walk")
	assert.False(t, armaAutocov([]float64{1.2, -0.1}, nil, gamma, psi, work), "explosive AR(2)")
}

// TestARMAAutocovMatchesDirectSolution checks the Levinson–Durbin route
// against the direct solution of the autocovariance equations on random
// stationary models, seasonal ones included.
func TestARMAAutocovMatchesDirectSolution(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := range 60 {
		m := []int{1, 4, 12}[trial%3]
		c := arimaCoef{phi: randPACF(rng, rng.IntN(4)), theta: randPACF(rng, rng.IntN(4))}
		if m > 1 {
			c.sphi = randPACF(rng, rng.IntN(3))
			c.stheta = randPACF(rng, rng.IntN(3))
		}
		phi, theta := c.expand(m)
		p, q := len(phi), len(theta)
		r := stateDim(p, q)
		g1, g2 := make([]float64, r+1), make([]float64, r+1)
		psi1, psi2 := make([]float64, max(r, q+1)), make([]float64, max(r, q+1))
		require.True(t, armaAutocov(phi, theta, g1, psi1, make([]float64, (p+1)*(p+1)+2*(r+1+q))))
		require.True(t, armaAutocovDirect(phi, theta, g2, psi2, make([]float64, (p+1)*(p+2))))
		near(t, "gamma", g1, g2, 1e-9)
		near(t, "psi", psi1, psi2, 1e-12)
	}
}

func TestStationaryCovSolvesLyapunov(t *testing.T) {
	for _, m := range []struct{ phi, theta []float64 }{
		{[]float64{0.5, -0.3}, []float64{0.4}},
		{[]float64{0.9}, []float64{-0.5, 0.2, 0.1}},
		{nil, []float64{0.3, 0.2}},
		{expandSeasonal([]float64{0.3}, []float64{0.5}, 4), expandSeasonalMA([]float64{-0.4}, []float64{0.6}, 4)},
	} {
		q0, ok := stationaryCov(m.phi, m.theta)
		require.True(t, ok)
		r := stateDim(len(m.phi), len(m.theta))
		// Q0 = T Q0 T' + R R', element by element with dense T.
		T := make([]float64, r*r)
		for i := range r {
			T[i*r] = coefAt(m.phi, i+1, false)
			if i+1 < r {
				T[i*r+i+1] = 1
			}
		}
		for i := range r {
			for j := range r {
				v := coefAt(m.theta, i, true) * coefAt(m.theta, j, true)
				for k := range r {
					for l := range r {
						v += T[i*r+k] * q0[k*r+l] * T[j*r+l]
					}
				}
				assert.InDelta(t, q0[i*r+j], v, 1e-9*math.Max(1, math.Abs(v)), "Q0[%d][%d] of %v, %v", i, j, m.phi, m.theta)
			}
		}
	}
}

// expandSeasonal multiplies (1 − φ(B))(1 − Φ(B^m)) and returns the
// coefficients of the product's AR form.
func expandSeasonal(phi, sphi []float64, m int) []float64 {
	c := arimaCoef{phi: phi, sphi: sphi}
	p, _ := c.expand(m)
	return p
}

func expandSeasonalMA(theta, stheta []float64, m int) []float64 {
	c := arimaCoef{theta: theta, stheta: stheta}
	_, q := c.expand(m)
	return q
}

func TestKalmanAR1ExactLikelihood(t *testing.T) {
	// For AR(1) the innovations are x_1 with variance 1/(1−φ²), then
	// x_t − φ x_{t−1} with variance 1.
	phi := 0.7
	x := []float64{1.2, -0.3, 0.8, 2.1, 1.4, -0.6}
	res, ok := kalmanFilter([]float64{phi}, nil, x)
	require.True(t, ok)
	ssq := x[0] * x[0] * (1 - phi*phi)
	for i := 1; i < len(x); i++ {
		d := x[i] - phi*x[i-1]
		ssq += d * d
	}
	assertNearly(t, ssq, res.ssq, "ssq")
	assertNearly(t, -math.Log(1-phi*phi), res.sumlog, "sumlog")
	af := newARMAFilter(x, false)
	require.True(t, af.run([]float64{phi}, nil))
	assertNearly(t, ssq, af.ssq, "fast ssq")
	assertNearly(t, -math.Log(1-phi*phi), af.sumlog, "fast sumlog")
}

// TestChandrasekharMatchesKalman checks the fast recursions against the
// plain filter on random stationary, invertible models, seasonal ones
// included, with and without a mean.
func TestChandrasekharMatchesKalman(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 40 {
		m := []int{1, 4, 12}[trial%3]
		var c arimaCoef
		c.phi = randPACF(rng, rng.IntN(3))
		c.theta = randPACF(rng, rng.IntN(3))
		if m > 1 {
			c.sphi = randPACF(rng, rng.IntN(2))
			c.stheta = randPACF(rng, rng.IntN(2))
		}
		phi, theta := c.expand(m)
		n := 30 + rng.IntN(100)
		x := make([]float64, n)
		for i := range x {
			x[i] = 5 + rng.NormFloat64()*2 + math.Sin(float64(i))
		}
		af := newARMAFilter(x, true)
		require.True(t, af.run(phi, theta), "trial %d", trial)
		// The plain filter on x − μ̂ gives the same innovations.
		xc := make([]float64, n)
		for i, v := range x {
			xc[i] = v - af.mu
		}
		res, ok := kalmanFilter(phi, theta, xc)
		require.True(t, ok)
		assert.InDelta(t, res.ssq, af.ssq, 1e-8*res.ssq, "trial %d ssq (p=%d q=%d m=%d)", trial, len(phi), len(theta), m)
		assert.InDelta(t, res.sumlog, af.sumlog, 1e-8*math.Max(1, math.Abs(res.sumlog)), "trial %d sumlog", trial)
		// μ̂ minimises the ssq: nudging it raises the plain filter's.
		for _, d := range []float64{-0.01, 0.01} {
			for i, v := range x {
				xc[i] = v - af.mu - d
			}
			r2, _ := kalmanFilter(phi, theta, xc)
			assert.Greater(t, r2.ssq, res.ssq, "trial %d: μ̂ not the GLS minimum", trial)
		}
	}
}

// randPACF returns the AR coefficients of k random partial
// autocorrelations in (−0.9, 0.9): a stationary (or, read as MA,
// invertible) polynomial.
func randPACF(rng *rand.Rand, k int) []float64 {
	if k == 0 {
		return nil
	}
	raw := make([]float64, k)
	for i := range raw {
		raw[i] = math.Atanh(1.8*rng.Float64() - 0.9)
	}
	out := make([]float64, k)
	partrans(raw, out)
	return out
}

func TestArimaForecastRandomWalkAndAR1(t *testing.T) {
	// Random walk (ARIMA(0,1,0)): flat forecast, variance h.
	mean, v := arimaForecast(nil, nil, []float64{1}, []float64{0}, []float64{0}, []float64{7}, 4)
	near(t, "rw mean", mean, []float64{7, 7, 7, 7}, 1e-12)
	near(t, "rw var", v, []float64{1, 2, 3, 4}, 1e-12)
	// AR(1) from a known state: φ^h x_n, variance Σ_{j<h} φ^{2j}.
	phi := 0.5
	mean, v = arimaForecast([]float64{phi}, nil, nil, []float64{2}, []float64{0}, nil, 3)
	near(t, "ar1 mean", mean, []float64{1, 0.5, 0.25}, 1e-12)
	near(t, "ar1 var", v, []float64{1, 1.25, 1.3125}, 1e-12)
	// ARIMA(0,2,0) after 6, 8, 10 (the last second difference, 0, is the
	// state): the line on, variance Σ_{j=1}^{h} j².
	mean, v = arimaForecast(nil, nil, []float64{2, -1}, []float64{0}, []float64{0}, []float64{8, 6}, 3)
	near(t, "d=2 mean", mean, []float64{12, 14, 16}, 1e-12)
	near(t, "d=2 var", v, []float64{1, 5, 14}, 1e-12)
}

// A seasonal difference makes the state longer than the season: with a
// season of 5000, R's propagation of the state's covariance took 600 MB
// and half a second a step. The observation's variance needs a row of
// the state's length a step, and the forecasts are the seasonal random
// walk's: the value a season back, variance 1 until a season ahead.
func TestArimaForecastLongSeasonIsLinear(t *testing.T) {
	const m = 5000
	delta := make([]float64, m) // z_t = z_{t−m} + x_t
	delta[m-1] = 1
	last := make([]float64, m) // z_{n−1−j} = j
	for j := range last {
		last[j] = float64(j)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	mean, v := arimaForecast(nil, nil, delta, []float64{0}, []float64{0.5}, last, 3)
	runtime.ReadMemStats(&after)
	near(t, "mean", mean, []float64{m - 2, m - 3, m - 4}, 0)
	near(t, "var", v, []float64{1, 1, 1}, 1e-12)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(4<<20), "bytes allocated")
}

// armaAutocovDirect is the textbook computation armaAutocov replaces:
// the autocovariance equations γ_k − Σ φ_i γ_|k−i| = Σ_{j≥k} θ_j ψ_{j−k},
// k = 0..p, solved by Gaussian elimination, then the recursion beyond p.
func armaAutocovDirect(phi, theta, gamma, psi, work []float64) bool {
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
	// The right-hand side of the equation at lag k: Σ_{j=k}^{q} θ_j ψ_{j-k}.
	rhs := func(k int) float64 {
		s := 0.0
		for j := k; j <= q; j++ {
			th := 1.0
			if j > 0 {
				th = theta[j-1]
			}
			s += th * psi[j-k]
		}
		return s
	}
	nl := len(gamma)
	if p == 0 {
		for k := range nl {
			gamma[k] = rhs(k)
		}
		return gamma[0] > 0 && finite(gamma[0])
	}
	// γ_k − Σ_i φ_i γ_|k−i| = rhs_k for k = 0..p: p+1 equations in γ_0..γ_p,
	// solved by Gaussian elimination with partial pivoting on the augmented
	// matrix a (row-major, p+1 rows of p+2 values).
	np := p + 1
	w := np + 1
	a := work[:np*w]
	for i := range a {
		a[i] = 0
	}
	for k := range np {
		row := a[k*w : (k+1)*w]
		row[k] += 1
		for i := 1; i <= p; i++ {
			lag := k - i
			if lag < 0 {
				lag = -lag
			}
			row[lag] -= phi[i-1]
		}
		row[np] = rhs(k)
	}
	for c := range np {
		piv := c
		for r := c + 1; r < np; r++ {
			if math.Abs(a[r*w+c]) > math.Abs(a[piv*w+c]) {
				piv = r
			}
		}
		if !(math.Abs(a[piv*w+c]) > 1e-300) {
			return false
		}
		if piv != c {
			for j := range w {
				a[c*w+j], a[piv*w+j] = a[piv*w+j], a[c*w+j]
			}
		}
		d := a[c*w+c]
		for r := c + 1; r < np; r++ {
			f := a[r*w+c] / d
			if f == 0 {
				continue
			}
			for j := c; j < w; j++ {
				a[r*w+j] -= f * a[c*w+j]
			}
		}
	}
	for c := np - 1; c >= 0; c-- {
		s := a[c*w+np]
		for j := c + 1; j < np; j++ {
			s -= a[c*w+j] * a[j*w+np]
		}
		a[c*w+np] = s / a[c*w+c]
	}
	for k := range nl {
		if k < np {
			gamma[k] = a[k*w+np]
			continue
		}
		v := rhs(k)
		for i := 1; i <= p; i++ {
			v += phi[i-1] * gamma[k-i]
		}
		gamma[k] = v
	}
	return gamma[0] > 0 && finite(gamma[0])
}
