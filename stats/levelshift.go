package stats

import (
	"math"
	"slices"
)

// DefaultLevelShiftRatio is Selection.LevelShiftRatio's default: a level
// shift auto takes out of a short seasonal series doubles or halves its
// level at least.
const DefaultLevelShiftRatio = 2.0

// DefaultLevelShiftSigmas is Selection.LevelShiftSigmas' default: a level
// shift's factor, in logs, must be five standard errors from none.
const DefaultLevelShiftSigmas = 5.0

// levelShift finds a level shift in y, a positive series with a season of
// m (or none, m = 1: its log steps), by its seasonal log differences d(t) = ln y(t) − ln y(t−m), which the
// season cancels out of: a series whose level moves by a factor R at
// time s has d = b + ln R over the m times from s (b its steady growth
// per cycle, the same before and after) and b at the others. Of the
// times s with at least two points of y on each side, the one whose fit
// of d (two means, by least squares) leaves the least squared error is
// taken, on a tie (the same split of d) the one with the most points on
// its smaller side: a level that only the newest point shows is not one.
// It is returned, with R, when R is at least minRatio or at most
// 1/minRatio, ln R is at least minSigmas standard errors from 0 (the
// fit's residuals taken as independent), and the shift is abrupt: at
// each edge of its m times that d shows, d jumps by at least half of
// ln R. A level that wandered fits two means about as well, but its d
// drifted; a steady growth, however fast, leaves d flat. And d must be
// further from 0 over the shift's m times than at the others: a newest
// point ×10 splits d as a shift a cycle before it would, but the change
// is at that point, outside. Without a season (m = 1) the shift is one
// step, and no other step may move back by half of ln R or more: a spike
// up and down again, or a level that returned, is not a shift. ok is
// false when there is none, and for a series with a value at or below 0.
func levelShift(y []float64, m int, minRatio, minSigmas float64) (s int, ratio float64, ok bool) {
	n := len(y)
	if m < 1 || n < m+4 {
		return 0, 0, false
	}
	d := make([]float64, n-m) // d[i] is time m+i's
	for i := range d {
		if !(y[i] > 0 && y[i+m] > 0) {
			return 0, 0, false
		}
		d[i] = math.Log(y[i+m] / y[i])
	}
	s, c, ok := shiftIn(d, n, m, func(int) float64 { return math.Log(minRatio) }, minSigmas)
	return s, math.Exp(c), ok
}

// additiveLevelShift is levelShift for a series with a value at or below
// zero, in its units: d(t) = y(t) − y(t−m), and a shift c of the level
// is taken when |c| is at least minRatio − 1 times the range of the
// points before it (a level about zero has no ratio; a shift beyond
// everything the series did before is unambiguous), besides levelShift's
// other tests. ok is false for a series above zero throughout (levelShift's).
func additiveLevelShift(y []float64, m int, minRatio, minSigmas float64) (s int, shift float64, ok bool) {
	n := len(y)
	if m <= 1 || n < m+4 || positiveSeries(y) {
		return 0, 0, false
	}
	d := make([]float64, n-m)
	for i := range d {
		d[i] = y[i+m] - y[i]
	}
	return shiftIn(d, n, m, func(s int) float64 {
		return (minRatio - 1) * (slices.Max(y[:s]) - slices.Min(y[:s]))
	}, minSigmas)
}

// shiftIn finds the level shift of levelShift in d, the seasonal
// differences of a series of n points (d[i] is time m+i's): its time s
// and size c, |c| at least minShift(s).
func shiftIn(d []float64, n, m int, minShift func(s int) float64, minSigmas float64) (s int, c float64, ok bool) {
	inShift := func(st, i int) bool { t := m + i; return t >= st && t < st+m }
	const minSide = 2
	bestSSE, bestSide, bestFurther := math.Inf(1), 0, false
	var se, in float64 // in: d's mean over the shift's m times
	for st := minSide; st <= n-minSide; st++ {
		var s1, s0 float64
		var n1, n0 int
		for i, v := range d {
			if inShift(st, i) {
				s1, n1 = s1+v, n1+1
			} else {
				s0, n0 = s0+v, n0+1
			}
		}
		if n1 == 0 || n0 == 0 {
			continue
		}
		m1, m0 := s1/float64(n1), s0/float64(n0)
		sse := 0.0
		for i, v := range d {
			e := v - m0
			if inShift(st, i) {
				e = v - m1
			}
			sse += e * e
		}
		// On a tie, the split whose shift's m times hold d's mean further
		// from 0 (the same split of d read as a shift at its far side
		// fails that test below), then the one with more points on its
		// smaller side.
		side, further := min(st, n-st), math.Abs(m1) > math.Abs(m0)
		tie := sse <= bestSSE*(1+1e-9)
		if sse < bestSSE*(1-1e-9) || (tie && further && !bestFurther) || (tie && further == bestFurther && side > bestSide) {
			bestSSE, bestSide, bestFurther, s = sse, side, further, st
			c, in = m1-m0, m1
			se = math.Sqrt(sse/float64(len(d)-2)) * math.Sqrt(1/float64(n1)+1/float64(n0))
		}
	}
	// The level moved over the shift's m times, not at the others: d's
	// mean is further from 0 there (a newest point ×10 splits d as a
	// shift a cycle before it would, with the change outside).
	if math.IsInf(bestSSE, 1) || math.Abs(c) < minShift(s) || !(math.Abs(c) >= minSigmas*se) || math.Abs(in) <= math.Abs(in-c) {
		return 0, 0, false
	}
	edges := 0
	for _, e := range []struct {
		t    int     // the edge's time
		sign float64 // d rises by c at the shift's first time, falls by c after its last
	}{{s, 1}, {s + m, -1}} {
		if e.t-1 < m || e.t >= n {
			continue // d does not show this edge
		}
		if jump := d[e.t-m] - d[e.t-1-m]; jump*e.sign*c < c*c/2 {
			return 0, 0, false
		}
		edges++
	}
	if edges == 0 {
		return 0, 0, false
	}
	if m == 1 {
		// One step is the shift: the level must stay where it moved. A
		// step back by half of it or more, before or after, makes it a
		// spike or a level that returned, not a shift.
		for i, v := range d {
			if !inShift(s, i) && v*c <= -c*c/2 {
				return 0, 0, false
			}
		}
	}
	return s, c, true
}

// withoutAdditiveShift returns a copy of y with shift added to its points
// before s: all at the level of its newest points.
func withoutAdditiveShift(y []float64, s int, shift float64) []float64 {
	out := make([]float64, len(y))
	for t, v := range y {
		if t < s {
			v += shift
		}
		out[t] = v
	}
	return out
}

// withoutLevelShift returns a copy of y with its points before s
// multiplied by ratio: all at the level of its newest points.
func withoutLevelShift(y []float64, s int, ratio float64) []float64 {
	out := make([]float64, len(y))
	for t, v := range y {
		if t < s {
			v *= ratio
		}
		out[t] = v
	}
	return out
}
