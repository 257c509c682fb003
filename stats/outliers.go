package stats

import (
	"math"
	"slices"
)

// cleanOutliers returns y with its outliers replaced, and how many it
// replaced (y itself, untouched, when none). It follows R's tsoutliers
// (forecast) in spirit, cheaper: a robust fit, residuals far outside the
// series' ordinary variation flagged, and each flagged point replaced by
// linear interpolation of the seasonally adjusted series between its
// nearest ordinary neighbours, the season put back.
//
// The fit at each point is the median of its neighbours within half a
// cycle (two points each side without a season), the point itself left
// out, plus, for a seasonal period, the median of the detrended values
// at its position in the cycle: medians, so that a spike moves neither.
// A point is an outlier when its residual exceeds limitSteps times the
// median absolute step of the seasonally adjusted series, or of its steps
// within a cycle of the point when those are larger (the end of a fast
// rise is no outlier). A series with a period but fewer than three cycles
// of it is left as it is: without the seasonal medians, a peaky season (a
// December three times the other months) would look like a spike every
// year.
//
// A series whose steps are mostly zero (counts, intermittent demand) has
// no median step to measure a point against, and is left as it is unless
// it is flat but for one run of at most half a window of points (two
// without a season), off a level other than zero: that run, a lone spike,
// is replaced by the level, with a season too whatever its cycles (each
// position is seen at least twice: a lone run is no season). A level of
// zero is intermittent demand, whose demands are its data.
//
// The newest points that lie beyond the limit together, at least
// newLevel of them (a run that ends the series, all on one side of the
// fit before it, with ordinary steps between them), are a new level and
// kept: replacing them forecast the old level where the series had left
// it.
func cleanOutliers(y []float64, m int, limitSteps float64, newLevel int) ([]float64, int) {
	return cleanOutliersWith(y, m, limitSteps, newLevel, slidingMedians)
}

// windowMedians returns, for each t in [0, count), the median of the
// window x[lo(t):hi(t)], without x[t] when skipSelf; lo and hi never
// decrease.
type windowMedians func(x []float64, count int, lo, hi func(t int) int, skipSelf bool) []float64

// cleanOutliersWith is cleanOutliers with its running medians taken by
// medians.
func cleanOutliersWith(y []float64, m int, limitSteps float64, newLevel int, medians windowMedians) ([]float64, int) {
	n := len(y)
	if n < 8 {
		return y, 0
	}
	w := max(5, m|1) // odd, spanning a cycle
	half := w / 2
	if m > 1 && n < 3*m {
		return replaceFlagged(y, n, loneRun(y, half, newLevel), func(int) float64 { return 0 })
	}
	// The point itself is left out: a running median through it equals it
	// wherever the series runs straight, and residuals that are mostly
	// zero have no spread to measure a spike against.
	trend := medians(y, n, func(t int) int { return max(0, t-half) }, func(t int) int { return min(n, t+half+1) }, true)
	season := make([]float64, max(m, 1))
	if m > 1 {
		col := make([]float64, 0, n/m+1)
		for j := range m {
			col = col[:0]
			for t := j; t < n; t += m {
				col = append(col, y[t]-trend[t])
			}
			season[j] = medianOf(col)
		}
	}
	adj := func(t int) float64 { return y[t] - season[t%len(season)] }
	steps := make([]float64, n-1)
	for t := 1; t < n; t++ {
		steps[t-1] = math.Abs(adj(t) - adj(t-1))
	}
	global := medianOf(slices.Clone(steps))
	// The steps around t too: where a series grows fast, its last steps
	// are many times its median one, and the end of the curve is no
	// outlier. 2w steps hold a spike's two.
	local := medians(steps, n, func(t int) int { return max(0, t-w) }, func(t int) int { return min(n-1, t+w) }, false)
	out := make([]bool, n)
	limit := func(t int) float64 { return limitSteps * max(global, local[t]) }
	for t := range n {
		out[t] = math.Abs(y[t]-trend[t]-season[t%len(season)]) > limit(t) && limit(t) > 0
	}
	if global == 0 && !slices.Contains(out, true) {
		a := make([]float64, n)
		for t := range n {
			a[t] = adj(t)
		}
		out = loneRun(a, half, newLevel)
	}
	newestLevel(out, adj, limit, half, newLevel)
	return replaceFlagged(y, n, out, func(t int) float64 { return season[t%len(season)] })
}

// replaceFlagged returns y with its points flagged in out replaced by
// linear interpolation of the adjusted series y − season across each run
// (a run at an end takes its one neighbour's value), and how many it
// replaced: none, and y itself, when none or all are flagged.
func replaceFlagged(y []float64, n int, out []bool, season func(int) float64) ([]float64, int) {
	count := 0
	for _, o := range out {
		if o {
			count++
		}
	}
	if count == 0 || count == n {
		return y, 0
	}
	adj := func(t int) float64 { return y[t] - season(t) }
	// Interpolate the adjusted series y − season across each run of
	// outliers; a run at an end takes its one neighbour's value.
	clean := slices.Clone(y)
	for t := 0; t < n; {
		if !out[t] {
			t++
			continue
		}
		end := t
		for end < n && out[end] {
			end++
		}
		prev, next := t-1, end // ordinary neighbours (-1 or n when none)
		for k := t; k < end; k++ {
			var a float64
			switch {
			case prev < 0:
				a = adj(next)
			case next >= n:
				a = adj(prev)
			default:
				f := float64(k-prev) / float64(next-prev)
				a = adj(prev) + f*(adj(next)-adj(prev))
			}
			clean[k] = a + season(k)
		}
		t = end
	}
	return clean, count
}

// loneRun returns which points of a series flat but for one run of at
// most maxRun points (a its seasonally adjusted values) are that run,
// when its level is not zero and the run is not a new level (at least
// newLevel points ending the series); none otherwise.
func loneRun(a []float64, maxRun, newLevel int) []bool {
	n := len(a)
	out := make([]bool, n)
	level := medianOf(slices.Clone(a))
	first, last := -1, -1
	for t, v := range a {
		if v != level {
			if first < 0 {
				first = t
			}
			last = t
		}
	}
	run := last - first + 1
	if level == 0 || first < 0 || run > maxRun || (last == n-1 && run >= newLevel) {
		return out
	}
	for t := first; t <= last; t++ {
		if a[t] == level {
			return out // two runs
		}
	}
	for t := first; t <= last; t++ {
		out[t] = true
	}
	return out
}

// newestLevel unflags, in out, the points that end the series when they
// are a new level (adj the seasonally adjusted series): at least
// newLevel of them, at most maxRun + 1 (a longer run carries the running
// medians with it), each beyond the first one's limit from the old level
// (the median of the 2·maxRun + 1 points before them) on the same side,
// with steps between them within that limit (a later point's limit takes
// in the jump's step). The maxRun points before the run, whose
// running medians the run moved, are judged against the old level
// instead. Nothing changes when none of these points was flagged.
func newestLevel(out []bool, adj func(int) float64, limit func(int) float64, maxRun, newLevel int) {
	n := len(out)
	for s := max(1, n-maxRun-1); s <= n-newLevel; s++ {
		before := make([]float64, 0, 2*maxRun+1)
		for t := max(0, s-2*maxRun-1); t < s; t++ {
			before = append(before, adj(t))
		}
		old := medianOf(before)
		side := math.Copysign(1, adj(s)-old)
		isLevel := true
		for t := s; t < n && isLevel; t++ {
			isLevel = (adj(t)-old)*side > limit(s) && (t == s || math.Abs(adj(t)-adj(t-1)) <= limit(s))
		}
		if !isLevel || !slices.Contains(out[max(0, s-maxRun):], true) {
			continue
		}
		for t := max(0, s-maxRun); t < s; t++ {
			out[t] = limit(t) > 0 && math.Abs(adj(t)-old) > limit(t)
		}
		for t := s; t < n; t++ {
			out[t] = false
		}
		return
	}
}

// slidingMedians is the windowMedians of cleanOutliers: one sorted window
// slid along x.
func slidingMedians(x []float64, count int, lo, hi func(t int) int, skipSelf bool) []float64 {
	out := make([]float64, count)
	var win sortedWindow
	from, to := 0, 0
	for t := range count {
		win.slide(x, from, to, lo(t), hi(t))
		from, to = lo(t), hi(t)
		if skipSelf {
			out[t] = win.medianWithout(x[t])
		} else {
			out[t] = win.median()
		}
	}
	return out
}

// sortedWindow holds the values of a window that slides along a series,
// sorted, for its running median: moving it by a point is a binary search
// and a copy, where sorting the window anew at each point cost w log w
// comparisons (hourly data with a weekly season, m = 168, spent five
// times as long cleaning as fitting).
type sortedWindow struct{ v []float64 }

// slide moves the window from x[lo:hi] to x[lo2:hi2], lo2 >= lo and
// hi2 >= hi.
func (s *sortedWindow) slide(x []float64, lo, hi, lo2, hi2 int) {
	for i := lo; i < min(lo2, hi); i++ {
		j, _ := slices.BinarySearch(s.v, x[i])
		s.v = slices.Delete(s.v, j, j+1)
	}
	for i := max(hi, lo2); i < hi2; i++ {
		j, _ := slices.BinarySearch(s.v, x[i])
		s.v = slices.Insert(s.v, j, x[i])
	}
}

// median returns the median of the window's values.
func (s *sortedWindow) median() float64 { return sortedMedian(len(s.v), s.at(len(s.v))) }

// medianWithout returns the median of the window's values without one
// occurrence of x, which the window holds.
func (s *sortedWindow) medianWithout(x float64) float64 {
	skip, _ := slices.BinarySearch(s.v, x)
	return sortedMedian(len(s.v)-1, s.at(skip))
}

// at returns the window's i-th smallest value, the one at skip left out.
func (s *sortedWindow) at(skip int) func(i int) float64 {
	return func(i int) float64 {
		if i >= skip {
			i++
		}
		return s.v[i]
	}
}

// sortedMedian returns the median of n values, the i-th smallest at(i).
func sortedMedian(n int, at func(int) float64) float64 {
	if n%2 == 1 {
		return at(n / 2)
	}
	return (at(n/2-1) + at(n/2)) / 2
}

// DefaultOutlierSteps is Selection.OutlierSteps's default: how far from
// its neighbours' median a point must lie to be an outlier, in steps: the median absolute step of the seasonally
// adjusted series, or of its steps around the point when they are larger.
// Ordinary series with Gaussian noise (random walks, white noise, seasons,
// 500 seeds each) had no point that far, one series in a hundred with
// Student-t noise of 3 degrees of freedom had one; a spike of twice the level of a random
// walk with steps of 2 % is typically 50 steps out. docs/forecasting.md
// has the M3 evidence for 20 against 30 and 40.
const DefaultOutlierSteps = 20.0

// DefaultOutlierNewLevel is Selection.OutlierNewLevel's default: two
// newest points beyond the outlier limit together are a new level, one
// is an outlier.
const DefaultOutlierNewLevel = 2
