package stats

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// The expected values in these tests are R's (R 4.2.2, urca 1.3, forecast
// 8.20): ur.kpss(x, type = "mu", use.lag = trunc(3 * sqrt(n) / 13)),
// ndiffs, stl(x, s.window = 11), forecast:::seas.heuristic and nsdiffs.

func TestKPSSStatisticMatchesR(t *testing.T) {
	assertNearly(t, 1.36753790647848, kpssStatistic(n0001), "n0001")
	assertNearly(t, 0.796141562714088, kpssStatistic(diffLag(n0001, 1)), "diff(n0001)")
	assertNearly(t, 0.100391744914089, kpssStatistic(diffLag(diffLag(n0001, 1), 1)), "diff(diff(n0001))")
	assertNearly(t, 0.609576712414104, kpssStatistic(n1173), "n1173")
}

func TestNdiffsMatchesR(t *testing.T) {
	assert.Equal(t, 2, ndiffs(n0001), "n0001: KPSS rejects twice")
	assert.Equal(t, 1, ndiffs(n1173), "n1173")
	assert.Equal(t, 0, ndiffs([]float64{3, 3, 3, 3, 3}), "a constant series needs no difference")
	// A line is constant after one difference.
	assert.Equal(t, 1, ndiffs([]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}), "line")
}

func TestSeasonalStrengthMatchesR(t *testing.T) {
	assertNearly(t, 0.90255836267108, seasonalStrength(n1173, 4), "n1173")
	assert.Equal(t, 1, nsdiffs(n1173, 4), "n1173 is differenced seasonally")
	assert.Equal(t, 0, nsdiffs(n1173[:8], 4), "two periods are too few")
	assert.Equal(t, 0, nsdiffs(n1173, 1), "no season")
	// A trend with no season has no seasonal strength.
	line := make([]float64, 36)
	for i := range line {
		line[i] = 10 + 0.5*float64(i)
	}
	assert.Equal(t, 0, nsdiffs(line, 12), "line")
}

func TestNearlyConstant(t *testing.T) {
	assert.True(t, nearlyConstant([]float64{2, 2, 2}))
	assert.True(t, nearlyConstant([]float64{1e6, 1e6 + 1e-3, 1e6}), "within √ε relative")
	assert.False(t, nearlyConstant([]float64{1e6, 1e6 + 1, 1e6}))
	assert.True(t, nearlyConstant([]float64{0, 1e-9}), "absolute when the values are tiny")
	assert.False(t, nearlyConstant([]float64{0, 1e-7}))
}
