package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shiftedSeason returns n points of a positive series with a season of m
// (each position's factor lognormal, sd 0.7), its level 100 moved by ratio
// from time at (at < 0: by growth per cycle throughout), multiplicative
// noise of sd noise, and the next h points without noise.
func shiftedSeason(seed uint64, m, n, h, at int, ratio, growth, noise float64) (y, future []float64) {
	rng := rand.New(rand.NewPCG(seed, uint64(m)))
	pat := make([]float64, m)
	for j := range pat {
		pat[j] = math.Exp(0.7 * rng.NormFloat64())
	}
	level := func(t int) float64 {
		l := 100 * math.Pow(growth, float64(t)/float64(m))
		if at >= 0 && t >= at {
			l *= ratio
		}
		return l
	}
	y = make([]float64, n)
	for t := range y {
		y[t] = level(t) * pat[t%m] * math.Exp(noise*rng.NormFloat64())
	}
	future = make([]float64, h)
	for k := range future {
		future[k] = level(n+k) * pat[(n+k)%m]
	}
	return y, future
}

// shortShifts are seasonal series of two to two and a half cycles whose
// level moves ×10, ×4 or ÷10 between two cycles or inside one.
func shortShifts() []struct {
	name  string
	m, n  int
	y, fc []float64
} {
	var out []struct {
		name  string
		m, n  int
		y, fc []float64
	}
	for _, m := range []int{4, 7, 12, 52} {
		for _, n := range []int{2*m + 1, 2*m + m/2} {
			for _, at := range []int{m, n - m} {
				for _, ratio := range []float64{10, 4, 0.1} {
					for seed := range uint64(2) {
						y, fc := shiftedSeason(seed, m, n, m, at, ratio, 1, 0.05)
						out = append(out, struct {
							name  string
							m, n  int
							y, fc []float64
						}{fmt.Sprintf("m=%d n=%d ×%v at %d seed %d", m, n, ratio, at, seed), m, n, y, fc})
					}
				}
			}
		}
	}
	return out
}

// A positive seasonal series of fewer than three cycles whose level moved
// is forecast at its newest level: every forecast within half the newest
// cycle's least value and twice its largest. Fitted with the shift
// (KeepLevelShifts), the classical indices took the shift in and auto
// forecast the rise they made on, more than four times the series'
// largest value (Selection.KeepLevelShifts' doc); its mean sMAPE against the
// series' noise-free continuation was more than three times as large.
func TestAutoTakesALevelShiftOutOfAShortSeason(t *testing.T) {
	f, err := New(Config{})
	require.NoError(t, err)
	kept, err := New(Config{Selection: Selection{KeepLevelShifts: true}})
	require.NoError(t, err)
	var sOut, sKept, worstKept float64
	cases := shortShifts()
	for _, c := range cases {
		fc, err := f.Forecast(c.y, c.m, c.m)
		require.NoError(t, err)
		last := c.y[c.n-c.m:]
		lo, hi := math.Inf(1), 0.0
		for _, v := range last {
			lo, hi = min(lo, v), max(hi, v)
		}
		for k, v := range fc.Mean {
			assert.True(t, v >= lo/2 && v <= 2*hi, "%s: forecast %d %.4g outside [%.4g, %.4g]", c.name, k, v, lo/2, 2*hi)
		}
		fk, err := kept.Forecast(c.y, c.m, c.m)
		require.NoError(t, err)
		top := 0.0
		for _, v := range c.y {
			top = max(top, v)
		}
		for _, v := range fk.Mean {
			worstKept = max(worstKept, v/top)
		}
		sOut += smape(c.fc, fc.Mean) / float64(len(cases))
		sKept += smape(c.fc, fk.Mean) / float64(len(cases))
	}
	t.Logf("%d series: sMAPE %.2f, with the shifts kept %.2f (forecast up to %.1f times the largest value)", len(cases), sOut, sKept, worstKept)
	assert.Less(t, 3*sOut, sKept)
	assert.Greater(t, worstKept, 4.0)
}

// levelShift finds a shift's time and factor, and finds none in a steady
// season, a steady growth ×3 a cycle, a newest point ×10 (a spike, not a
// level: its split of the seasonal differences is a shift's a cycle
// before, with the change outside it), a shift of less than
// LevelShiftRatio, or a series with a value at or below 0.
func TestLevelShift(t *testing.T) {
	m := 12
	y, _ := shiftedSeason(1, m, 30, m, 15, 10, 1, 0.02)
	s, ratio, ok := levelShift(y, m, DefaultLevelShiftRatio, DefaultLevelShiftSigmas)
	require.True(t, ok)
	assert.Equal(t, 15, s)
	assert.InEpsilon(t, 10, ratio, 0.05)
	y, _ = shiftedSeason(1, m, 25, m, 12, 0.1, 1, 0.02)
	s, ratio, ok = levelShift(y, m, DefaultLevelShiftRatio, DefaultLevelShiftSigmas)
	require.True(t, ok, "between the two cycles, shown only by the newest point's difference")
	assert.Equal(t, 12, s)
	assert.InEpsilon(t, 0.1, ratio, 0.05)

	for _, c := range []struct {
		name string
		y    []float64
	}{
		{"steady", first(shiftedSeason(2, m, 30, m, -1, 1, 1, 0.05))},
		{"growth ×3 a cycle", first(shiftedSeason(2, m, 30, m, -1, 1, 3, 0.05))},
		{"the newest point ×10", first(shiftedSeason(2, m, 25, m, 24, 10, 1, 0.02))},
		{"a shift ×1.5", first(shiftedSeason(2, m, 30, m, 15, 1.5, 1, 0.02))},
	} {
		_, _, ok := levelShift(c.y, m, DefaultLevelShiftRatio, DefaultLevelShiftSigmas)
		assert.False(t, ok, c.name)
	}
	y, _ = shiftedSeason(1, m, 30, m, 15, 10, 1, 0.02)
	y[3] = 0
	_, _, ok = levelShift(y, m, DefaultLevelShiftRatio, DefaultLevelShiftSigmas)
	assert.False(t, ok, "a zero")
}

func first(y, _ []float64) []float64 { return y }

// A seasonal series of three cycles or more whose level moved less than
// LevelShiftNewestCycles cycles before its end is forecast nearer its
// newest level with the shift taken out than with it kept
// (KeepNewestLevelShifts), and one whose shift is older is forecast the
// same either way.
func TestAutoTakesANewestLevelShiftOutOfALongSeason(t *testing.T) {
	f, err := New(Config{})
	require.NoError(t, err)
	kept, err := New(Config{Selection: Selection{KeepNewestLevelShifts: true}})
	require.NoError(t, err)
	var sOut, sKept float64
	cases := 0
	for _, m := range []int{4, 12} {
		n := 6 * m
		for _, back := range []int{m / 2, m, 3 * m / 2} {
			for _, ratio := range []float64{3, 1.0 / 3} {
				for seed := range uint64(5) {
					y, fc := shiftedSeason(seed, m, n, m, n-back, ratio, 1, 0.05)
					a, err := f.Forecast(y, m, m)
					require.NoError(t, err)
					b, err := kept.Forecast(y, m, m)
					require.NoError(t, err)
					sOut += smape(fc, a.Mean)
					sKept += smape(fc, b.Mean)
					cases++
				}
			}
		}
		// Three cycles after the shift: the earlier rule's forecast.
		y, _ := shiftedSeason(1, m, n, m, n-3*m, 3, 1, 0.05)
		a, err := f.Forecast(y, m, m)
		require.NoError(t, err)
		b, err := kept.Forecast(y, m, m)
		require.NoError(t, err)
		assert.Equal(t, b.Mean, a.Mean)
	}
	sOut /= float64(cases)
	sKept /= float64(cases)
	t.Logf("%d series: sMAPE %.2f, with the shifts kept %.2f", cases, sOut, sKept)
	assert.Less(t, sOut, sKept)
}
