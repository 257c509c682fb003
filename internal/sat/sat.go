// Package sat does the arithmetic of amounts that are never negative —
// durations, nano-units of money, nanosecond instants — stopping at the
// largest int64 instead of wrapping to a negative one, which would read
// as "at once" or "nothing spent".
package sat

import "math"

// Add returns a + b for a, b ≥ 0, at most math.MaxInt64.
func Add[T ~int64](a, b T) T {
	if b > math.MaxInt64-a {
		return math.MaxInt64
	}
	return a + b
}

// FromFloat converts x ≥ 0 to T, at most math.MaxInt64: float64(MaxInt64)
// is 2^63, which a conversion does not bring back (Go leaves the result to
// the platform: math.MinInt64 on amd64). NaN gives the largest too.
func FromFloat[T ~int64](x float64) T {
	if !(x < math.MaxInt64) {
		return math.MaxInt64
	}
	return T(x)
}
