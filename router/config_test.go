package router

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfigDefaults(t *testing.T) {
	s, err := Config{}.resolve()
	require.NoError(t, err)
	assert.Equal(t, DefaultWindow, s.window)
	assert.Equal(t, time.Duration(0), s.windowDuration)
	assert.Equal(t, DefaultEWMAAlpha, s.alpha)
	assert.Equal(t, DefaultPriorWeight, s.prior)
	assert.Equal(t, DefaultPercentileEvery, s.pctEvery)
	assert.Equal(t, DefaultOutageStreak, s.outageStreak)
	assert.Equal(t, DefaultQuotaStaleAfter, s.quotaStale)
	assert.Equal(t, DefaultConfidence, s.confidence)
	assert.Equal(t, DefaultReferenceLatency, s.referenceLatency)
	assert.Equal(t, DefaultReferenceCost, s.referenceCost)
	assert.InDeltaMapValues(t, weightsMap(DefaultScoreWeights()), weightsMap(s.score), 1e-12)
	assert.InDelta(t, 0.40, s.health.Success, 1e-12)
	assert.InDelta(t, 0.15, s.health.Latency, 1e-12)
	assert.InDelta(t, 0.20, s.health.Quality, 1e-12)
	assert.InDelta(t, 0.15, s.health.Uptime, 1e-12)
	assert.InDelta(t, 0.10, s.health.Quota, 1e-12)
	assert.Equal(t, StatusThresholds{Healthy: 0.9, Degraded: 0.7, Unhealthy: 0.5}, s.thresholds)
}

// The zero Config's settings are the numbers Config's doc comments and
// the package doc give: TestConfigDefaults compares them with the Default
// constants, which proves nothing about the number a user reads.
func TestDocumentedDefaults(t *testing.T) {
	s, err := Config{}.resolve()
	require.NoError(t, err)
	assert.Equal(t, settings{
		window:           100,
		alpha:            0.2,
		prior:            10,
		pctEvery:         10,
		outageStreak:     3,
		quotaStale:       time.Minute,
		quotaMaxAge:      5 * time.Minute,
		confidence:       0.9,
		referenceLatency: time.Second,
		referenceCost:    0.01,
		health:           HealthWeights{Success: 0.40, Latency: 0.15, Quality: 0.20, Uptime: 0.15, Quota: 0.10},
		score:            ScoreWeights{Health: 0.30, Quality: 0.25, Performance: 0.20, Capacity: 0.15, Cost: 0.10},
		thresholds:       StatusThresholds{Healthy: 0.9, Degraded: 0.7, Unhealthy: 0.5},
	}, roundSettings(s))
}

// roundSettings rounds s's normalised weights to 12 places, so that they
// compare with the documented two-place figures.
func roundSettings(s settings) settings {
	r := func(v float64) float64 { return math.Round(v*1e12) / 1e12 }
	h, w := &s.health, &s.score
	h.Success, h.Latency, h.Quality, h.Uptime, h.Quota = r(h.Success), r(h.Latency), r(h.Quality), r(h.Uptime), r(h.Quota)
	w.Health, w.Quality, w.Performance, w.Capacity, w.Cost = r(w.Health), r(w.Quality), r(w.Performance), r(w.Capacity), r(w.Cost)
	return s
}

func weightsMap(w ScoreWeights) map[string]float64 {
	return map[string]float64{"health": w.Health, "quality": w.Quality, "performance": w.Performance, "capacity": w.Capacity, "cost": w.Cost}
}

func TestScoreWeightsNormalise(t *testing.T) {
	tests := []struct {
		name string
		in   ScoreWeights
		want ScoreWeights
	}{
		{"zero means defaults", ScoreWeights{}, ScoreWeights{0.30, 0.25, 0.20, 0.15, 0.10}},
		{"defaults scaled are normalised", ScoreWeights{3, 2.5, 2, 1.5, 1}, ScoreWeights{0.30, 0.25, 0.20, 0.15, 0.10}},
		{"a single weight keeps zeros", ScoreWeights{Cost: 5}, ScoreWeights{Cost: 1}},
		{"two weights", ScoreWeights{Health: 3, Quality: 1}, ScoreWeights{Health: 0.75, Quality: 0.25}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.in.normalise()
			require.NoError(t, err)
			assert.InDeltaMapValues(t, weightsMap(tt.want), weightsMap(got), 1e-12)
		})
	}
}

func TestHealthWeightsNormalise(t *testing.T) {
	got, err := HealthWeights{Success: 1, Uptime: 1}.normalise()
	require.NoError(t, err)
	assert.Equal(t, HealthWeights{Success: 0.5, Uptime: 0.5}, got)
	got, err = HealthWeights{}.normalise()
	require.NoError(t, err)
	assert.InDelta(t, 1, got.Success+got.Latency+got.Quality+got.Uptime+got.Quota, 1e-12)
}

func TestConfigInvalid(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		cfg   Config
		field string
	}{
		{Config{Window: -1}, "window"},
		{Config{Window: WindowLimit + 1}, "window"},
		{Config{Window: math.MaxInt}, "window"},
		{Config{WindowDuration: -time.Second}, "window_duration"},
		{Config{EWMAAlpha: 1.5}, "ewma_alpha"},
		{Config{EWMAAlpha: -0.1}, "ewma_alpha"},
		{Config{EWMAAlpha: nan}, "ewma_alpha"},
		{Config{PriorWeight: -1}, "prior_weight"},
		{Config{PriorWeight: math.Inf(1)}, "prior_weight"},
		{Config{PercentileEvery: -1}, "percentile_every"},
		{Config{OutageStreak: -2}, "outage_streak"},
		{Config{QuotaStaleAfter: -time.Second}, "quota_stale_after"},
		{Config{DefaultConfidence: 1.01}, "default_confidence"},
		{Config{DefaultConfidence: -0.5}, "default_confidence"},
		{Config{ReferenceLatency: -time.Millisecond}, "reference_latency"},
		{Config{ReferenceCost: -1}, "reference_cost"},
		{Config{ReferenceCost: nan}, "reference_cost"},
		{Config{HealthWeights: HealthWeights{Success: 1, Latency: -1}}, "health_weights.latency"},
		{Config{HealthWeights: HealthWeights{Quota: nan}}, "health_weights.quota"},
		{Config{HealthWeights: HealthWeights{Uptime: math.Inf(1)}}, "health_weights.uptime"},
		{Config{ScoreWeights: ScoreWeights{Cost: -0.1}}, "score_weights.cost"},
		{Config{ScoreWeights: ScoreWeights{Health: nan}}, "score_weights.health"},
		{Config{ScoreWeights: ScoreWeights{Health: math.MaxFloat64, Quality: math.MaxFloat64}}, "score_weights"},
		{Config{Thresholds: StatusThresholds{Healthy: 1.2}}, "thresholds.healthy"},
		{Config{Thresholds: StatusThresholds{Unhealthy: -0.1}}, "thresholds.unhealthy"},
		{Config{Thresholds: StatusThresholds{Healthy: 0.6}}, "thresholds.degraded"},
		{Config{Thresholds: StatusThresholds{Degraded: 0.4}}, "thresholds.unhealthy"},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			for _, err := range []error{tt.cfg.Validate(), second(NewTracker(tt.cfg)), second(NewRouter(tt.cfg))} {
				require.Error(t, err)
				assert.ErrorIs(t, err, ErrInvalidConfig)
				var fe *FieldError
				require.ErrorAs(t, err, &fe)
				assert.Equal(t, tt.field, fe.Field)
				assert.True(t, strings.HasPrefix(err.Error(), "router: invalid config: "+tt.field+": "), err.Error())
			}
		})
	}
}

func second[T any](_ T, err error) error { return err }

func TestConfigThresholdsPartial(t *testing.T) {
	// A zero field takes its default; the others are used as given.
	s, err := Config{Thresholds: StatusThresholds{Healthy: 0.95, Unhealthy: 0.3}}.resolve()
	require.NoError(t, err)
	assert.Equal(t, StatusThresholds{Healthy: 0.95, Degraded: 0.7, Unhealthy: 0.3}, s.thresholds)
	// Equal thresholds are allowed: the middle status is then unreachable.
	require.NoError(t, Config{Thresholds: StatusThresholds{Healthy: 0.8, Degraded: 0.8, Unhealthy: 0.8}}.Validate())
}

func TestConfigNotWritten(t *testing.T) {
	cfg := Config{ScoreWeights: ScoreWeights{Health: 2, Cost: 2}}
	before := cfg
	_, err := NewTracker(cfg)
	require.NoError(t, err)
	r, err := NewRouter(cfg)
	require.NoError(t, err)
	assert.Equal(t, before, cfg)
	assert.Equal(t, ScoreWeights{Health: 0.5, Cost: 0.5}, r.Weights())
}

func TestProfileInvalid(t *testing.T) {
	tr, err := NewTracker(Config{})
	require.NoError(t, err)
	tests := []struct {
		p     Profile
		field string
	}{
		{Profile{}, "name"},
		{Profile{Name: "a", Confidence: 1.5}, "confidence"},
		{Profile{Name: "a", Confidence: -0.1}, "confidence"},
		{Profile{Name: "a", Confidence: math.NaN()}, "confidence"},
		{Profile{Name: "a", ExpectedLatency: -1}, "expected_latency"},
		{Profile{Name: "a", Cost: -1}, "cost"},
		{Profile{Name: "a", Cost: math.Inf(1)}, "cost"},
	}
	for _, tt := range tests {
		t.Run(tt.field, func(t *testing.T) {
			err := tr.Register(tt.p)
			assert.ErrorIs(t, err, ErrInvalidProfile)
			var fe *FieldError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, tt.field, fe.Field)
			assert.True(t, strings.HasPrefix(err.Error(), "router: invalid profile: "+tt.field+": "), err.Error())
		})
	}
	assert.Empty(t, tr.Providers(), "no invalid profile is registered")
	assert.False(t, errors.Is(tr.Register(Profile{Name: "ok"}), ErrInvalidProfile))
}

// A threshold left to its default that is above one the host set is
// refused with a reason that says it is the default and what to set it
// to: it read "0.7 is above thresholds.healthy 0.6", of a field the host
// had not written.
func TestConfigThresholdsSayWhichIsTheDefault(t *testing.T) {
	err := Config{Thresholds: StatusThresholds{Healthy: 0.6}}.Validate()
	var fe *FieldError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "thresholds.degraded", fe.Field)
	assert.Equal(t, "0.7 (its default) is above thresholds.healthy 0.6: set it at most 0.6", fe.Reason)
	err = Config{Thresholds: StatusThresholds{Healthy: 0.6, Degraded: 0.45}}.Validate()
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "thresholds.unhealthy", fe.Field)
	assert.Equal(t, "0.5 (its default) is above thresholds.degraded 0.45: set it at most 0.45", fe.Reason)
	err = Config{Thresholds: StatusThresholds{Healthy: 0.6, Degraded: 0.8}}.Validate()
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "0.8 is above thresholds.healthy 0.6", fe.Reason, "both set: no default to name")
}

// The threshold above which a set one sits may be the default the host
// left: the reason says so, as it does of the one refused.
func TestConfigThresholdsSayWhenTheOneAboveIsTheDefault(t *testing.T) {
	err := Config{Thresholds: StatusThresholds{Degraded: 0.95}}.Validate()
	var fe *FieldError
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "thresholds.degraded", fe.Field)
	assert.Equal(t, "0.95 is above thresholds.healthy 0.9 (its default)", fe.Reason)
	err = Config{Thresholds: StatusThresholds{Unhealthy: 0.8}}.Validate()
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "thresholds.unhealthy", fe.Field)
	assert.Equal(t, "0.8 is above thresholds.degraded 0.7 (its default)", fe.Reason)
}
