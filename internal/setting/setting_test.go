package setting

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestDefault(t *testing.T) {
	n := 0
	assert.Empty(t, Default(&n, 7))
	assert.Equal(t, 7, n, "zero takes the default")
	n = 3
	assert.Empty(t, Default(&n, 7))
	assert.Equal(t, 3, n, "a set value stays")
	n = -2
	assert.Equal(t, "must not be negative, got -2", Default(&n, 7))
	assert.Equal(t, -2, n, "a refused value is left as it is")

	d := -time.Second
	assert.Equal(t, "must not be negative, got -1s", Default(&d, time.Minute))
	d = 0
	assert.Empty(t, Default(&d, time.Minute))
	assert.Equal(t, time.Minute, d)

	for _, f := range []struct {
		v   float64
		why string
	}{
		{math.NaN(), "must be a number, got NaN"},
		{math.Inf(1), "must be finite, got +Inf"},
		{math.Inf(-1), "must not be negative, got -Inf"},
		{-0.5, "must not be negative, got -0.5"},
	} {
		v := f.v
		assert.Equal(t, f.why, Default(&v, 2.0))
	}
}

func TestAtMost(t *testing.T) {
	tests := []struct {
		v, want int64
		why     string
	}{
		{0, 10, ""},
		{100, 100, ""},
		{101, 101, "must be at most 100, got 101"},
		{math.MaxInt64, math.MaxInt64, "must be at most 100, got 9223372036854775807"},
		{-1, -1, "must not be negative, got -1"},
		{math.MinInt64, math.MinInt64, "must not be negative, got -9223372036854775808"},
	}
	for _, tc := range tests {
		v := tc.v
		assert.Equal(t, tc.why, AtMost(&v, 10, 100), "%d", tc.v)
		assert.Equal(t, tc.want, v)
	}
	d := 2 * time.Hour
	assert.Equal(t, "must be at most 1h0m0s, got 2h0m0s", AtMost(&d, time.Minute, time.Hour))
}

func TestFraction(t *testing.T) {
	v := 0.0
	assert.Empty(t, Fraction(&v, 0.3))
	assert.Equal(t, 0.3, v)
	v = 1
	assert.Empty(t, Fraction(&v, 0.3))
	assert.Equal(t, 1.0, v)
	for _, bad := range []float64{-0.1, 1.5, math.NaN(), math.Inf(1)} {
		v := bad
		assert.Contains(t, Fraction(&v, 0.3), "must be in [0, 1], got ", "%v", bad)
	}
}

func TestError(t *testing.T) {
	sentinel := errors.New("pkg: invalid config")
	err := error(&Error{Err: sentinel, Field: "size", Reason: "must be at most 3, got 4"})
	assert.Equal(t, "pkg: invalid config: size: must be at most 3, got 4", err.Error())
	assert.ErrorIs(t, err, sentinel)
}
