package stats

import (
	"fmt"
	"math"
)

// minTemporalBlocks is the fewest block means an aggregation level must
// leave for auto to forecast at it.
const minTemporalBlocks = 8

// temporalTol is the optimiser's relative tolerance for the fits at the
// aggregation levels. An ETS fit costs about the same whatever the
// series' length (most of it is optimize.Minimize's hand-offs per
// evaluation), so four levels of short series cost more than the base
// level's fits: at 1e-3 instead of auto's 1e-5 they cost about a third
// less on M3's monthly series, whose scores are as good
// (docs/forecasting.md).
const temporalTol = 1e-3

// defaultTemporalLevels returns Selection.TemporalLevels' default for a
// season of m: every k with 1 < k < m that divides m when m is above 4
// (monthly: 2, 3, 4, 6), none otherwise — on M3, level 2 made the
// quarterly series worse, and levels 2 and 3 the yearly ones
// (docs/forecasting.md).
func defaultTemporalLevels(m int) []int {
	if m <= 4 {
		return nil
	}
	var ks []int
	for k := 2; k <= m/2; k++ {
		if m%k == 0 {
			ks = append(ks, k)
		}
	}
	return ks
}

// checkTemporalLevels refuses a level below 1 or one listed twice.
func checkTemporalLevels(ks []int) error {
	seen := map[int]bool{}
	for i, k := range ks {
		field := fmt.Sprintf("selection.temporal_levels[%d]", i)
		if k < 1 {
			return configError(field, "must be at least 1, got %d", k)
		}
		if seen[k] {
			return configError(field, "%d listed twice", k)
		}
		seen[k] = true
	}
	return nil
}

// temporalHorizon returns how many steps a forecast h steps ahead must
// run for the levels ks to move it (see levelForecast.steps): h rounded
// up to a whole block of each level that leaves a series of n points
// minTemporalBlocks blocks.
func temporalHorizon(h, n int, ks []int) int {
	hx := h
	for _, k := range ks {
		if k > 1 && n/k >= minTemporalBlocks {
			hx = max(hx, (h+k-1)/k*k)
		}
	}
	return hx
}

// blockMeans returns the means of y's non-overlapping blocks of k points,
// the last block ending at y's last point (the first len(y) mod k points
// are left out).
func blockMeans(y []float64, k int) []float64 {
	off := len(y) % k
	out := make([]float64, (len(y)-off)/k)
	for j := range out {
		s := 0.0
		for _, v := range y[off+j*k : off+(j+1)*k] {
			s += v
		}
		out[j] = s / float64(k)
	}
	return out
}

// levelForecast is the forecast at one aggregation level: of the means
// of blocks of k steps, the first block starting at the first step ahead.
type levelForecast struct {
	k      int
	blocks []float64
}

// temporalForecasts forecasts the adjusted series ya h steps ahead at
// each of the aggregation levels ks above 1: the block means of k points
// are forecast ceil(h/k) blocks ahead by the named candidates (those of
// them that stay at or above zero, when pos), combined as at the base
// level. A level that leaves fewer than minTemporalBlocks blocks, a
// constant one, one no candidate can forecast, or, when pos, one whose
// every candidate goes below zero is skipped.
func (f *Forecaster) temporalForecasts(names []string, ya []float64, ks []int, h int, pos bool) []levelForecast {
	var outs []levelForecast
	for _, k := range ks {
		if k <= 1 {
			continue
		}
		a := blockMeans(ya, k)
		if len(a) < minTemporalBlocks || isConstant(a) {
			continue
		}
		fits := fitCandidates(f.fitCache(temporalTol), names, a, (h+k-1)/k, nil)
		if len(fits) == 0 {
			continue
		}
		if pos {
			fits = dropNegative(fits)
			if !nonNegative(fits[0].r) {
				// Every candidate goes below zero at this level: its
				// forecast would take a series never below zero, and
				// auto's forecast of it, below zero too.
				continue
			}
		}
		rs := make([]result, len(fits))
		for i, c := range fits {
			rs[i] = c.r
		}
		outs = append(outs, levelForecast{k: k, blocks: combine("", rs, !f.cfg.Selection.Mean).mean})
	}
	return outs
}

// steps returns the level's forecast of each of the h steps of base, the
// forecast at the base level: base moved, over each block, by the
// difference between the level's forecast of the block's mean and base's
// own mean over the block's k steps, so that the level sets each block's
// mean and base the shape within it, as temporal hierarchies reconcile a
// base forecast with its aggregates. long is base run on to the end of
// the last block, which h may cut short: the mean is over the whole
// block, so that a step's forecast does not depend on h (over the steps
// h leaves of it, h = 1 moved the first step to the next k steps' mean).
// Without long, the mean is over the steps h leaves. With repeat, the
// level's block forecasts are repeated over their k steps instead (the
// rule before Selection.TemporalRepeat).
func (l levelForecast) steps(base, long []float64, repeat bool) []float64 {
	if len(long) < (len(base)+l.k-1)/l.k*l.k {
		long = base
	}
	out := make([]float64, len(base))
	for lo := 0; lo < len(base); lo += l.k {
		hi := min(lo+l.k, len(base))
		shift := l.blocks[lo/l.k]
		if !repeat {
			block := long[lo:min(lo+l.k, len(long))]
			mean := 0.0
			for _, x := range block {
				mean += x
			}
			shift -= mean / float64(len(block))
		}
		for s := lo; s < hi; s++ {
			out[s] = shift
			if !repeat {
				out[s] += base[s]
			}
		}
	}
	return out
}

// withTemporal makes out's point forecast the mean of its own and the
// median of the levels' forecasts of its steps (none: out is left as it
// is; see levelForecast.steps for long and repeat), and widens out's
// intervals to hold it.
func withTemporal(out *result, long []float64, levels []levelForecast, repeat bool) {
	if len(levels) == 0 {
		return
	}
	ls := make([][]float64, len(levels))
	for i, l := range levels {
		ls[i] = l.steps(out.mean, long, repeat)
	}
	v := make([]float64, len(levels))
	for s := range out.mean {
		for i, l := range ls {
			v[i] = l[s]
		}
		out.mean[s] = (out.mean[s] + medianOf(v)) / 2
	}
	for i := range out.lower {
		for s, x := range out.mean {
			out.lower[i][s] = math.Min(out.lower[i][s], x)
			out.upper[i][s] = math.Max(out.upper[i][s], x)
		}
	}
}
