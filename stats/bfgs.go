package stats

import "math"

// rBFGS minimises f from x0 with the BFGS variant of R's optim
// (method = "BFGS": Nash 1990's variable-metric algorithm as R's vmmin
// runs it) and a central-difference gradient with step 1e-3, as optim
// computes one when it is given no gradient. It returns the point where
// the search stopped, its value, and whether it converged (false: maxit
// gradients were spent, as optim's convergence code 1). f may return NaN
// or ±Inf for an inadmissible point: the line search treats it as no
// improvement. ok is false when f(x0) or a gradient is not finite, where
// optim stops with an error.
//
// ARIMA uses it for the conditional-sum-of-squares stage, to take R's
// path there: that stage decides which models R refuses (a conditional
// AR part that is not stationary) and where the likelihood search starts
// (from zero when the conditional search did not converge), and its
// objective is often multimodal, so the path matters. It costs little:
// the conditional sum of squares is a plain recursion.
func rBFGS(f func([]float64) float64, x0 []float64, maxit int, reltol float64) (x []float64, fmin float64, converged, ok bool) {
	const (
		stepredn = 0.2
		acctol   = 1e-4
		reltest  = 10.0
		ndeps    = 1e-3
	)
	n := len(x0)
	b := append([]float64(nil), x0...)
	fmin = f(b)
	if !finite(fmin) {
		return b, fmin, false, false
	}
	if n == 0 {
		return b, fmin, true, true
	}
	g := make([]float64, n)
	grad := func() bool {
		for i := range n {
			v := b[i]
			b[i] = v + ndeps
			f1 := f(b)
			b[i] = v - ndeps
			f2 := f(b)
			b[i] = v
			g[i] = (f1 - f2) / (2 * ndeps)
			if !finite(g[i]) {
				return false
			}
		}
		return true
	}
	if !grad() {
		return b, fmin, false, false
	}
	t := make([]float64, n)
	xs := make([]float64, n)
	c := make([]float64, n)
	B := make([]float64, n*n) // lower triangle used
	iter, gradcount, ilast := 1, 1, 1
	count := 0
	fv := fmin
	for {
		if ilast == gradcount {
			for i := range n {
				for j := range i {
					B[i*n+j] = 0
				}
				B[i*n+i] = 1
			}
		}
		copy(xs, b)
		copy(c, g)
		gradproj := 0.0
		for i := range n {
			s := 0.0
			for j := 0; j <= i; j++ {
				s -= B[i*n+j] * g[j]
			}
			for j := i + 1; j < n; j++ {
				s -= B[j*n+i] * g[j]
			}
			t[i] = s
			gradproj += s * g[i]
		}
		if gradproj < 0 {
			steplength := 1.0
			accpoint := false
			for {
				count = 0
				for i := range n {
					b[i] = xs[i] + steplength*t[i]
					if reltest+xs[i] == reltest+b[i] {
						count++
					}
				}
				if count < n {
					fv = f(b)
					accpoint = finite(fv) && fv <= fmin+gradproj*steplength*acctol
					if !accpoint {
						steplength *= stepredn
					}
				}
				if count == n || accpoint {
					break
				}
			}
			enough := fv > math.Inf(-1) && math.Abs(fv-fmin) > reltol*(math.Abs(fmin)+reltol)
			if !enough {
				count = n
				fmin = fv
			}
			if count < n {
				fmin = fv
				if !grad() {
					return b, fmin, false, false
				}
				gradcount++
				iter++
				d1 := 0.0
				for i := range n {
					t[i] *= steplength
					c[i] = g[i] - c[i]
					d1 += t[i] * c[i]
				}
				if d1 > 0 {
					d2 := 0.0
					for i := range n {
						s := 0.0
						for j := 0; j <= i; j++ {
							s += B[i*n+j] * c[j]
						}
						for j := i + 1; j < n; j++ {
							s += B[j*n+i] * c[j]
						}
						xs[i] = s
						d2 += s * c[i]
					}
					d2 = 1 + d2/d1
					for i := range n {
						for j := 0; j <= i; j++ {
							B[i*n+j] += (d2*t[i]*t[j] - xs[i]*t[j] - t[i]*xs[j]) / d1
						}
					}
				} else {
					ilast = gradcount
				}
			} else if ilast < gradcount {
				count = 0
				ilast = gradcount
			}
		} else {
			count = 0
			if ilast == gradcount {
				count = n
			} else {
				ilast = gradcount
			}
		}
		if iter >= maxit {
			break
		}
		if gradcount-ilast > 2*n {
			ilast = gradcount
		}
		if count == n && ilast == gradcount {
			break
		}
	}
	return b, fmin, iter < maxit, true
}
