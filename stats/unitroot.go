package stats

import "math"

// This file chooses ARIMA's orders of differencing as forecast's
// auto.arima does by default: the number of seasonal differences from the
// strength of the seasonal component of an STL decomposition (Wang, Smith
// and Hyndman 2006; difference when it exceeds 0.64), then the number of
// first differences from repeated KPSS tests (Kwiatkowski, Phillips,
// Schmidt and Shin 1992) at the 5 % level.

const (
	// kpssCritical5 is the 5 % critical value of the KPSS level-stationarity
	// statistic (KPSS 1992, Table 1; urca's ur.kpss): a larger statistic
	// rejects stationarity. R's ndiffs interpolates a p-value between the
	// tabulated values and differences when it is below 0.05, which is the
	// same as comparing the statistic with this one.
	kpssCritical5 = 0.463
	// seasonalStrengthThreshold is the seasonal strength above which
	// auto.arima takes a seasonal difference (forecast's nsdiffs, chosen
	// there on M3 and M4).
	seasonalStrengthThreshold = 0.64
	// stlSeasonalWindow is the seasonal window of the STL decomposition
	// behind the seasonal strength (forecast's mstl: 7 + 4 for one period).
	stlSeasonalWindow = 11
	// maxDiff is the largest number of first differences considered.
	maxDiff = 2
)

// kpssStatistic returns the KPSS statistic for level stationarity of x
// with the long-run variance estimated by Bartlett weights over
// ⌊3√n/13⌋ lags, as forecast's ndiffs calls urca's ur.kpss.
func kpssStatistic(x []float64) float64 {
	n := len(x)
	mean := 0.0
	for _, v := range x {
		mean += v
	}
	mean /= float64(n)
	res := make([]float64, n)
	for i, v := range x {
		res[i] = v - mean
	}
	s, num, s2 := 0.0, 0.0, 0.0
	for _, r := range res {
		s += r
		num += s * s
		s2 += r * r
	}
	fn := float64(n)
	num /= fn * fn
	s2 /= fn
	lags := int(3 * math.Sqrt(fn) / 13)
	den := s2
	for l := 1; l <= lags; l++ {
		c := 0.0
		for t := l; t < n; t++ {
			c += res[t] * res[t-l]
		}
		den += 2 / fn * (1 - float64(l)/float64(lags+1)) * c
	}
	return num / den
}

// ndiffs returns the number of first differences (at most maxDiff) after
// which the KPSS test no longer rejects stationarity.
func ndiffs(x []float64) int {
	d := 0
	if nearlyConstant(x) {
		return 0
	}
	for d < maxDiff && kpssStatistic(x) > kpssCritical5 {
		d++
		x = diffLag(x, 1)
		if len(x) < 2 || nearlyConstant(x) {
			return d
		}
	}
	return d
}

// seasonalStrength returns max(0, 1 − var(remainder)/var(remainder +
// seasonal)) of the STL decomposition of x with period m.
func seasonalStrength(x []float64, m int) float64 {
	seas, trend := stlDecompose(x, m, stlSeasonalWindow)
	n := len(x)
	rem := make([]float64, n)
	rs := make([]float64, n)
	for i := range x {
		rem[i] = x[i] - seas[i] - trend[i]
		rs[i] = rem[i] + seas[i]
	}
	vr, vrs := variance(rem), variance(rs)
	if !(vrs > 0) {
		return 0
	}
	return math.Max(0, math.Min(1, 1-vr/vrs))
}

// nsdiffs returns the number of seasonal differences (0 or 1) for x with
// period m: 1 when the seasonal strength exceeds the threshold. A series
// of at most two periods, or a constant one, gets 0.
func nsdiffs(x []float64, m int) int {
	if m <= 1 || len(x) <= 2*m || nearlyConstant(x) {
		return 0
	}
	if seasonalStrength(x, m) > seasonalStrengthThreshold {
		return 1
	}
	return 0
}

// variance is the sample variance (n − 1 denominator).
func variance(x []float64) float64 {
	n := float64(len(x))
	if n < 2 {
		return 0
	}
	mean := 0.0
	for _, v := range x {
		mean += v
	}
	mean /= n
	s := 0.0
	for _, v := range x {
		s += (v - mean) * (v - mean)
	}
	return s / (n - 1)
}

// nearlyConstant reports whether x is constant as R's forecast tests it
// (all.equal to its first value): the mean absolute difference from x[0]
// of the values that differ, relative to their mean absolute value, is
// at most √ε.
func nearlyConstant(x []float64) bool {
	const tol = 1.4901161193847656e-08
	var diff, size float64
	cnt := 0
	for _, v := range x {
		if v == x[0] {
			continue
		}
		diff += math.Abs(v - x[0])
		size += math.Abs(v)
		cnt++
	}
	if cnt == 0 {
		return true
	}
	diff /= float64(cnt)
	size /= float64(cnt)
	if size > tol {
		diff /= size
	}
	return diff <= tol
}
