package stats

import "math"

// stlDecompose is the seasonal-trend decomposition by loess of Cleveland,
// Cleveland, McRae and Terpenning (1990), as R's stl runs it without
// robustness weights (two inner passes, no outer pass), with R's default
// windows for seasonal window sWindow: trend window the odd number at or
// above 1.5·period/(1 − 1.5/sWindow), low-pass window the odd number at
// or above period, local constant seasonal and local linear trend and
// low-pass fits, each smoother evaluated every ⌈window/10⌉ points and
// interpolated linearly in between. y must hold more than two periods.
func stlDecompose(y []float64, period, sWindow int) (seasonal, trend []float64) {
	n := len(y)
	np := max(period, 2)
	ns := oddAtLeast3(sWindow)
	nt := oddAtLeast3(nextOdd(math.Ceil(1.5 * float64(period) / (1 - 1.5/float64(sWindow)))))
	nl := oddAtLeast3(nextOdd(float64(period)))
	sJump := int(math.Ceil(float64(sWindow) / 10))
	tJump := int(math.Ceil(float64(nt) / 10))
	lJump := int(math.Ceil(float64(nl) / 10))

	seasonal = make([]float64, n)
	trend = make([]float64, n)
	detr := make([]float64, n)
	cycle := make([]float64, n+2*np) // smoothed cycle-subseries, one period beyond each end
	ma := make([]float64, n+2*np)
	ma2 := make([]float64, n+2*np)
	low := make([]float64, n)
	sub := make([]float64, n/np+3)
	subFit := make([]float64, n/np+3)
	w := make([]float64, n+2*np)
	for range 2 {
		for i := range n {
			detr[i] = y[i] - trend[i]
		}
		// Smooth each cycle-subseries (the values at one position of the
		// season), extended by one value at each end.
		for j := range np {
			k := (n-j-1)/np + 1
			for i := range k {
				sub[i] = detr[i*np+j]
			}
			loessSmooth(sub[:k], ns, 0, sJump, subFit[1:k+1], w)
			right := min(ns, k)
			if v, ok := loessAt(sub[:k], ns, 0, 0, 1, right, w); ok {
				subFit[0] = v
			} else {
				subFit[0] = subFit[1]
			}
			left := max(1, k-ns+1)
			if v, ok := loessAt(sub[:k], ns, 0, float64(k+1), left, k, w); ok {
				subFit[k+1] = v
			} else {
				subFit[k+1] = subFit[k]
			}
			for i := range k + 2 {
				cycle[i*np+j] = subFit[i]
			}
		}
		// Low-pass filter of the cycle: moving averages of lengths np, np
		// and 3, then a loess.
		movingAverage(cycle, np, ma)
		movingAverage(ma[:n+np+1], np, ma2)
		movingAverage(ma2[:n+2], 3, ma)
		loessSmooth(ma[:n], nl, 1, lJump, low, w)
		for i := range n {
			seasonal[i] = cycle[np+i] - low[i]
			detr[i] = y[i] - seasonal[i]
		}
		loessSmooth(detr, nt, 1, tJump, trend, w)
	}
	return seasonal, trend
}

// nextOdd rounds x and adds one when the result is even.
func nextOdd(x float64) int {
	v := int(math.Round(x))
	if v%2 == 0 {
		v++
	}
	return v
}

// oddAtLeast3 returns max(3, v), made odd.
func oddAtLeast3(v int) int {
	v = max(3, v)
	if v%2 == 0 {
		v++
	}
	return v
}

// movingAverage sets out[i] to the mean of x[i..i+l-1] for every full
// window.
func movingAverage(x []float64, l int, out []float64) {
	v := 0.0
	for i := range l {
		v += x[i]
	}
	fl := float64(l)
	out[0] = v / fl
	for j := 1; j+l-1 < len(x); j++ {
		v += x[j+l-1] - x[j-1]
		out[j] = v / fl
	}
}

// loessSmooth fits y (at positions 1..n) by loess of window span and
// degree deg, evaluated every jump points (and at the last) and
// interpolated linearly in between, into ys. w is scratch of at least n
// values.
func loessSmooth(y []float64, span, deg, jump int, ys, w []float64) {
	n := len(y)
	if n < 2 {
		ys[0] = y[0]
		return
	}
	jump = min(jump, n-1)
	nleft, nright := 0, 0
	est := func(i int) {
		if v, ok := loessAt(y, span, deg, float64(i), nleft, nright, w); ok {
			ys[i-1] = v
		} else {
			ys[i-1] = y[i-1]
		}
	}
	switch {
	case span >= n:
		nleft, nright = 1, n
		for i := 1; i <= n; i += jump {
			est(i)
		}
	case jump == 1:
		half := (span + 1) / 2
		nleft, nright = 1, span
		for i := 1; i <= n; i++ {
			if i > half && nright != n {
				nleft++
				nright++
			}
			est(i)
		}
	default:
		half := (span + 1) / 2
		for i := 1; i <= n; i += jump {
			switch {
			case i < half:
				nleft, nright = 1, span
			case i >= n-half+1:
				nleft, nright = n-span+1, n
			default:
				nleft, nright = i-half+1, span+i-half
			}
			est(i)
		}
	}
	if jump == 1 {
		return
	}
	for i := 1; i <= n-jump; i += jump {
		d := (ys[i+jump-1] - ys[i-1]) / float64(jump)
		for j := i + 1; j < i+jump; j++ {
			ys[j-1] = ys[i-1] + d*float64(j-i)
		}
	}
	k := ((n-1)/jump)*jump + 1
	if k != n {
		est(n)
		if k != n-1 {
			d := (ys[n-1] - ys[k-1]) / float64(n-k)
			for j := k + 1; j < n; j++ {
				ys[j-1] = ys[k-1] + d*float64(j-k)
			}
		}
	}
}

// loessAt is the loess estimate at position xs (positions 1..n) from the
// points nleft..nright with tricube weights over the window span, local
// constant (deg 0) or linear (deg 1). ok is false when every weight is
// zero. w is scratch of at least n values.
func loessAt(y []float64, span, deg int, xs float64, nleft, nright int, w []float64) (float64, bool) {
	n := len(y)
	rng := float64(n) - 1
	h := math.Max(xs-float64(nleft), float64(nright)-xs)
	if span > n {
		h += float64((span - n) / 2)
	}
	h9, h1 := 0.999*h, 0.001*h
	a := 0.0
	for j := nleft; j <= nright; j++ {
		r := math.Abs(float64(j) - xs)
		wj := 0.0
		if r <= h9 {
			if r <= h1 {
				wj = 1
			} else {
				c := r / h
				c = 1 - c*c*c
				wj = c * c * c
			}
		}
		w[j-1] = wj
		a += wj
	}
	if a <= 0 {
		return 0, false
	}
	for j := nleft; j <= nright; j++ {
		w[j-1] /= a
	}
	if h > 0 && deg > 0 {
		mean := 0.0
		for j := nleft; j <= nright; j++ {
			mean += w[j-1] * float64(j)
		}
		b := xs - mean
		c := 0.0
		for j := nleft; j <= nright; j++ {
			d := float64(j) - mean
			c += w[j-1] * d * d
		}
		if math.Sqrt(c) > 0.001*rng {
			b /= c
			for j := nleft; j <= nright; j++ {
				w[j-1] *= b*(float64(j)-mean) + 1
			}
		}
	}
	v := 0.0
	for j := nleft; j <= nright; j++ {
		v += w[j-1] * y[j-1]
	}
	return v, true
}
