package sat

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestAdd(t *testing.T) {
	assert.Equal(t, int64(5), Add(int64(2), 3))
	assert.Equal(t, int64(math.MaxInt64), Add(int64(math.MaxInt64-1), 1))
	assert.Equal(t, int64(math.MaxInt64), Add(int64(math.MaxInt64-1), 2), "stops at the largest")
	assert.Equal(t, time.Duration(math.MaxInt64), Add(time.Hour, math.MaxInt64))
}

func TestFromFloat(t *testing.T) {
	assert.Equal(t, 1500*time.Millisecond, FromFloat[time.Duration](1.5e9))
	assert.Equal(t, time.Duration(math.MaxInt64), FromFloat[time.Duration](math.MaxInt64), "2^63 does not wrap")
	assert.Equal(t, time.Duration(math.MaxInt64), FromFloat[time.Duration](1e300))
	assert.Equal(t, time.Duration(math.MaxInt64), FromFloat[time.Duration](math.Inf(1)))
	assert.Equal(t, time.Duration(math.MaxInt64), FromFloat[time.Duration](math.NaN()))
	assert.Equal(t, int64(0), FromFloat[int64](0))
}
