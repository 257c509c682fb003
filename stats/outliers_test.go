package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// randomWalk returns n+h points of a seeded random walk from 100 with
// steps of sd 2.
func randomWalk(rng *rand.Rand, n int) []float64 {
	y := make([]float64, n)
	l := 100.0
	for i := range y {
		l += 2 * rng.NormFloat64()
		y[i] = l
	}
	return y
}

// A history can hold a few answers far off the rest (accepted by the
// checks, imported, shared). Two points in 100 at five times the level
// made auto's forecasts of these random walks 2.4 times worse than the naive
// forecast's (which only the last value moves); with its outliers
// replaced, auto is as good as on the clean series.
func TestAutoReplacesSpikes(t *testing.T) {
	const n, h = 100, 6
	mae := func(f []float64, y []float64) float64 {
		e := 0.0
		for k := range f {
			e += math.Abs(f[k]-y[k]) / float64(len(f))
		}
		return e
	}
	errs := func(sel Selection) (spiked, clean, naive float64) {
		auto, err := New(Config{Selection: sel})
		require.NoError(t, err)
		nv, err := New(Config{Method: "naive"})
		require.NoError(t, err)
		for seed := range uint64(40) {
			rng := rand.New(rand.NewPCG(seed, 11))
			full := randomWalk(rng, n+h)
			y, future := full[:n], full[n:]
			ys := append([]float64(nil), y...)
			for range 2 {
				ys[rng.IntN(n-1)] *= 5
			}
			fs, err := auto.Forecast(ys, 1, h)
			require.NoError(t, err)
			fc, err := auto.Forecast(y, 1, h)
			require.NoError(t, err)
			fn, err := nv.Forecast(ys, 1, h)
			require.NoError(t, err)
			spiked += mae(fs.Mean, future)
			clean += mae(fc.Mean, future)
			naive += mae(fn.Mean, future)
		}
		return spiked, clean, naive
	}
	spiked, clean, naive := errs(Selection{})
	assert.Less(t, spiked, 1.1*naive, "auto on the spiked series against naive")
	assert.Less(t, spiked, 1.05*clean, "auto on the spiked series against auto on the clean one")
	kept, _, _ := errs(Selection{KeepOutliers: true})
	assert.Greater(t, kept, 2*naive, "KeepOutliers fits the spikes")
	// Spikes of ×5 on steps of 2 % lie about 200 steps out: a limit of
	// 1000 steps replaces none of them.
	lax, _, _ := errs(Selection{OutlierSteps: 1000})
	assert.Greater(t, lax, 2*naive, "OutlierSteps 1000 leaves the spikes")
}

func TestCleanOutliersInterpolates(t *testing.T) {
	y := make([]float64, 40)
	for i := range y {
		y[i] = 10 + 2*float64(i)
	}
	y[20] = 250 // 50 on the line
	y[39] = 0   // 88 on it: an end takes its neighbour's value
	got, n := cleanOutliers(y, 1, DefaultOutlierSteps, DefaultOutlierNewLevel)
	require.Equal(t, 2, n)
	assert.Equal(t, 50.0, got[20])
	assert.Equal(t, 86.0, got[39])
	assert.Equal(t, 250.0, y[20], "y is not modified")

	// A seasonal series: the spike is replaced by its season's value, to
	// within the seasonal medians' error (the trend moves through a cycle).
	s := []float64{0, 5, -3, 8, -10, 0}
	for i := range y {
		y[i] = 100 + 0.5*float64(i) + s[i%6]
	}
	want := y[21]
	y[21] *= 5
	got, n = cleanOutliers(y, 6, DefaultOutlierSteps, DefaultOutlierNewLevel)
	require.Equal(t, 1, n)
	assert.InDelta(t, want, got[21], 2)
}

// Ordinary series keep every point: noise, random walks, a fast rise, a
// peaky season, a season with too few cycles to tell a peak from a spike.
func TestCleanOutliersLeavesOrdinarySeriesAlone(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for seed := range 100 {
		y := randomWalk(rng, 256)
		_, n := cleanOutliers(y, 1, DefaultOutlierSteps, DefaultOutlierNewLevel)
		require.Zero(t, n, "random walk %d", seed)
		for i := range y {
			y[i] = 100 + 5*rng.NormFloat64()
		}
		_, n = cleanOutliers(y, 1, DefaultOutlierSteps, DefaultOutlierNewLevel)
		require.Zero(t, n, "white noise %d", seed)
		for i := range y {
			p := 1.0
			if i%24 == 18 {
				p = 3
			}
			y[i] = 100 * p * (1 + 0.05*rng.NormFloat64())
		}
		_, n = cleanOutliers(y, 24, DefaultOutlierSteps, DefaultOutlierNewLevel)
		require.Zero(t, n, "peaky season %d", seed)
	}
	// n0001 grows faster and faster: its last steps are its largest.
	_, n := cleanOutliers(n0001, 1, DefaultOutlierSteps, DefaultOutlierNewLevel)
	assert.Zero(t, n, "n0001")
	// A December three times the other months over two years.
	y := make([]float64, 24)
	for i := range y {
		y[i] = 100
		if i%12 == 11 {
			y[i] = 300
		}
	}
	_, n = cleanOutliers(y, 12, DefaultOutlierSteps, DefaultOutlierNewLevel)
	assert.Zero(t, n, "two cycles")
}

// cleanOutliersBySorting is cleanOutliers as it was first written: each
// running median sorted anew at every point. cleanOutliers must agree
// with it exactly.
func cleanOutliersBySorting(y []float64, m int, limitSteps float64, newLevel int) ([]float64, int) {
	return cleanOutliersWith(y, m, limitSteps, newLevel, sortingMedians)
}

// sortingMedians is a windowMedians that sorts each window anew.
func sortingMedians(x []float64, count int, lo, hi func(t int) int, skipSelf bool) []float64 {
	out := make([]float64, count)
	for t := range count {
		var buf []float64
		if skipSelf {
			buf = append(append(buf, x[lo(t):t]...), x[t+1:hi(t)]...)
		} else {
			buf = append(buf, x[lo(t):hi(t)]...)
		}
		out[t] = medianOf(buf)
	}
	return out
}

// The running medians slide a sorted window instead of sorting it anew
// at each point: the same outliers, replaced by the same values, on
// random walks with spikes, seasons, ties and runs of equal values.
func TestCleanOutliersSlidingMediansAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 77))
	replaced := 0
	for i := range 300 {
		m := []int{1, 1, 4, 7, 12, 24, 52}[i%7]
		n := max(8, 3*m) + rng.IntN(200)
		y := randomWalk(rng, n)
		for t := range y {
			if m > 1 {
				y[t] += 10 * math.Sin(2*math.Pi*float64(t)/float64(m))
			}
			switch rng.IntN(40) {
			case 0:
				y[t] *= 5 // a spike
			case 1:
				y[t] = math.Round(y[t]) // ties
			case 2:
				if t > 0 {
					y[t] = y[t-1] // a run
				}
			}
		}
		steps := []float64{20, 3, 1}[i%3]
		want, wantN := cleanOutliersBySorting(slices.Clone(y), m, steps, DefaultOutlierNewLevel)
		got, gotN := cleanOutliers(y, m, steps, DefaultOutlierNewLevel)
		require.Equal(t, wantN, gotN, "series %d (n %d, m %d)", i, n, m)
		require.Equal(t, want, got, "series %d (n %d, m %d)", i, n, m)
		replaced += gotN
	}
	assert.Greater(t, replaced, 300, "outliers were found and replaced")
}

// BenchmarkCleanOutliers compares the sliding running medians with
// sorting each window anew (cleanOutliersBySorting), in the same run, on
// 1000 hourly points of a weekly season (m = 168) and on 12000 points of
// a 4000-point season: sorting anew took five times auto's fits on the
// first and 5 s on the second (0.02 s sliding).
func BenchmarkCleanOutliers(b *testing.B) {
	for _, c := range []struct{ n, m int }{{1000, 168}, {12000, 4000}} {
		y := make([]float64, c.n)
		for t := range y {
			y[t] = 100 + 10*math.Sin(2*math.Pi*float64(t)/float64(c.m)) + float64(t%7)
		}
		for _, impl := range []struct {
			name string
			fn   func([]float64, int, float64, int) ([]float64, int)
		}{{"sliding", cleanOutliers}, {"sorting", cleanOutliersBySorting}} {
			b.Run(fmt.Sprintf("n=%d/m=%d/%s", c.n, c.m, impl.name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					impl.fn(y, c.m, DefaultOutlierSteps, DefaultOutlierNewLevel)
				}
			})
		}
	}
}

// noisyLevel returns n points of seeded noise (sd 2) about 100.
func noisyLevel(seed uint64, n int) []float64 {
	rng := rand.New(rand.NewPCG(seed, 5))
	y := make([]float64, n)
	for i := range y {
		y[i] = 100 + 2*rng.NormFloat64()
	}
	return y
}

// The newest two points at a new level are the series' news, not two
// outliers: replacing them forecast the old level (100 where the series
// had moved to 200). One newest point that far is still an outlier.
func TestAutoKeepsANewLevelInTheNewestPoints(t *testing.T) {
	auto, err := New(Config{})
	require.NoError(t, err)
	replaced := 0
	for seed := range uint64(20) {
		y := noisyLevel(seed, 30)
		y[28], y[29] = 200+y[28]-100, 200+y[29]-100
		_, n := cleanOutliers(y, 1, DefaultOutlierSteps, DefaultOutlierNewLevel)
		assert.Zero(t, n, "seed %d: the new level was replaced", seed)
		fc, err := auto.Forecast(y, 1, 6)
		require.NoError(t, err)
		for k, v := range fc.Mean {
			assert.InDelta(t, 200, v, 20, "seed %d, step %d", seed, k+1)
		}
		// OutlierNewLevel above the run's two points replaces them
		// where the limit catches them.
		if _, n = cleanOutliers(y, 1, DefaultOutlierSteps, 4); n > 0 {
			replaced++
		}

		// Down, and in a seasonal series of three cycles.
		z := noisyLevel(seed, 40)
		for i := range z {
			z[i] += 10 * float64(i%4)
		}
		z[38], z[39] = z[38]-60, z[39]-60
		got, n := cleanOutliers(z, 4, DefaultOutlierSteps, DefaultOutlierNewLevel)
		assert.Zero(t, n, "seed %d: the new level (season 4) was replaced: %v", seed, got[36:])

		// One newest point, or two on either side of the fit, is replaced.
		y = noisyLevel(seed, 30)
		y[29] = 400
		_, n = cleanOutliers(y, 1, DefaultOutlierSteps, DefaultOutlierNewLevel)
		assert.Equal(t, 1, n, "seed %d: one newest point", seed)
		y[28] = -200
		_, n = cleanOutliers(y, 1, DefaultOutlierSteps, DefaultOutlierNewLevel)
		assert.Equal(t, 2, n, "seed %d: two newest points on either side", seed)
	}
	assert.GreaterOrEqual(t, replaced, 15, "series whose new level OutlierNewLevel 4 replaced")
}

// A series flat but for one spike has no median step to measure the
// spike by (every step but the spike's two is zero): it was left as it
// was, and auto forecast 14 where the series had been 10 at every point
// but one. The spike is replaced by the level now, with a season too
// (fewer than three cycles of it: each position is seen twice, so a lone
// spike is no season). Counts and intermittent demand keep their values:
// a series at zero but for its demands, one demand or several, and a
// series at a level with more than one run off it.
func TestCleanOutliersReplacesALoneSpikeInAFlatSeries(t *testing.T) {
	auto, err := New(Config{})
	require.NoError(t, err)
	for _, m := range []int{1, 4, 12} {
		y := make([]float64, 30)
		for i := range y {
			y[i] = 10
		}
		y[20] = 100
		got, n := cleanOutliers(y, m, DefaultOutlierSteps, DefaultOutlierNewLevel)
		assert.Equal(t, 1, n, "season %d", m)
		assert.Equal(t, 10.0, got[20], "season %d", m)
		fc, err := auto.Forecast(y, m, 6)
		require.NoError(t, err)
		for k, v := range fc.Mean {
			assert.InDelta(t, 10, v, 1e-6, "season %d, step %d", m, k+1)
		}
		y[21] = 90 // a run of two
		_, n = cleanOutliers(y, m, DefaultOutlierSteps, DefaultOutlierNewLevel)
		assert.Equal(t, 2, n, "season %d: a run of two", m)
		y[5] = 3 // a second run: not flat but for one
		_, n = cleanOutliers(y, m, DefaultOutlierSteps, DefaultOutlierNewLevel)
		assert.Zero(t, n, "season %d: two runs", m)
	}
	counts := map[string][]float64{
		"one demand":       {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0},
		"demands":          {0, 0, 3, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 9, 0},
		"a level, runs":    {2, 2, 2, 3, 2, 2, 2, 2, 2, 9, 2, 2, 2, 2, 2, 2, 4, 2, 2, 2},
		"a new level":      {5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 40, 40},
		"a long excursion": {5, 5, 5, 5, 5, 5, 5, 9, 9, 9, 9, 5, 5, 5, 5, 5, 5, 5, 5, 5},
	}
	for name, y := range counts {
		_, n := cleanOutliers(y, 1, DefaultOutlierSteps, DefaultOutlierNewLevel)
		assert.Zero(t, n, name)
	}
}
