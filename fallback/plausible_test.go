package fallback

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/stats"
)

func plausibleFixture(t *testing.T, cfg PlausibilityConfig) (*plausibility, *dataType) {
	t.Helper()
	var p problems
	cfg.fill(&p)
	require.Empty(t, p)
	dtc := DataTypeConfig{Name: "cpc", Period: stats.Daily, Bounds: Bounds{Min: 0, Max: 100}}
	return newPlausibility(cfg, []DataTypeConfig{dtc}), &dataType{cfg: dtc}
}

func TestJudgeCatchesUnitErrorsAndZerosNotRealMoves(t *testing.T) {
	pl, dt := plausibleFixture(t, PlausibilityConfig{})
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	ref := cache.Entry{Value: 1.2, ObservedAt: now.Add(-time.Hour)}
	for _, tc := range []struct {
		v           float64
		implausible bool
	}{
		{1.25, false}, {2.4, false}, {0.5, false}, // real moves up to ×3
		{12, true}, {0.12, true}, {0, true}, // ×10, ÷10, a zero
		{3.7, true},
	} {
		err := pl.judge(dt, tc.v, ref, true, now)
		if !tc.implausible {
			assert.Nil(t, err, "%v against 1.2", tc.v)
			continue
		}
		require.NotNil(t, err, "%v against 1.2", tc.v)
		assert.Equal(t, tc.v, err.Value)
		assert.Equal(t, 1.2, err.Reference)
		assert.Equal(t, DefaultPlausibleRatio, err.Allowed)
		assert.True(t, errors.Is(err, ErrImplausible))
	}
	assert.Nil(t, pl.judge(dt, 12, cache.Entry{}, false, now), "no last good answer: nothing to judge against")
	assert.Contains(t, pl.judge(dt, 12, ref, true, now).Error(), "implausible: 12 is ×10 the last good answer 1.2 (at most ×3 expected)")
	assert.True(t, math.IsInf(pl.judge(dt, 0, ref, true, now).Factor(), 1))
}

func TestJudgeWidensWithVolatilityAndTime(t *testing.T) {
	pl, dt := plausibleFixture(t, PlausibilityConfig{MaxRatio: 1.5, Sigmas: 3, Smoothing: 1})
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	ref := cache.Entry{Value: 1, ObservedAt: now.Add(-24 * time.Hour)}
	assert.NotNil(t, pl.judge(dt, 1.8, ref, true, now), "no volatility learned: only MaxRatio")
	// A change of ×e^0.2 per day learned: σ = 0.2, 3σ allows ×1.82 over a day.
	pl.learn(dt, cache.Entry{Value: 1, ObservedAt: now.Add(-48 * time.Hour)}, math.Exp(0.2), now.Add(-24*time.Hour))
	assert.InDelta(t, 0.2, pl.vol["cpc"].sigma(), 1e-12)
	assert.Nil(t, pl.judge(dt, 1.8, ref, true, now))
	assert.NotNil(t, pl.judge(dt, 1.9, ref, true, now))
	// Four days after the reference, √4 × 3σ allows ×3.3.
	old := cache.Entry{Value: 1, ObservedAt: now.Add(-96 * time.Hour)}
	assert.Nil(t, pl.judge(dt, 3.2, old, true, now))
	assert.NotNil(t, pl.judge(dt, 3.4, old, true, now))
}

func TestJudgeLeavesSignedDataTypesAndDisabledAlone(t *testing.T) {
	pl, dt := plausibleFixture(t, PlausibilityConfig{})
	now := time.Now()
	ref := cache.Entry{Value: 0.03, ObservedAt: now}
	signed := &dataType{cfg: DataTypeConfig{Name: "cpc", Period: stats.Daily, Bounds: Bounds{Min: -1, Max: 1}}}
	assert.Nil(t, pl.judge(signed, 0.9, ref, true, now), "a growth rate may change sign: bounds only")
	off, dt2 := plausibleFixture(t, PlausibilityConfig{Disabled: true})
	assert.Nil(t, off.judge(dt2, 30, ref, true, now))
	assert.NotNil(t, pl.judge(dt, 30, ref, true, now))
	assert.True(t, pl.agrees(10, 10.9))
	assert.False(t, pl.agrees(10, 11.2))
}

func TestPlausibilityConfigRefusesBadSettings(t *testing.T) {
	for _, tc := range []struct {
		cfg   PlausibilityConfig
		field string
	}{
		{PlausibilityConfig{MaxRatio: 0.5}, "plausibility.max_ratio"},
		{PlausibilityConfig{MaxRatio: math.NaN()}, "plausibility.max_ratio"},
		{PlausibilityConfig{Sigmas: -1}, "plausibility.sigmas"},
		{PlausibilityConfig{Agreement: 2}, "plausibility.agreement"},
		{PlausibilityConfig{Penalty: -0.1}, "plausibility.penalty"},
	} {
		var p problems
		tc.cfg.fill(&p)
		require.Len(t, p, 1, "%+v", tc.cfg)
		assert.Contains(t, p[0].Error(), tc.field)
	}
}
