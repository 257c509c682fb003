package router

import (
	"fmt"
	"math"
	"time"
)

// Documented defaults of Config. A zero field of Config means the default
// named here.
const (
	// DefaultWindow is the default Config.Window: 100 outcomes.
	DefaultWindow = 100
	// WindowLimit bounds Config.Window: each provider, and each provider
	// × data type, holds a window of this many outcomes at most.
	WindowLimit = 10_000
	// DefaultEWMAAlpha is the default Config.EWMAAlpha.
	DefaultEWMAAlpha = 0.2
	// DefaultPriorWeight is the default Config.PriorWeight: 10
	// pseudo-observations.
	DefaultPriorWeight = 10.0
	// DefaultPercentileEvery is the default Config.PercentileEvery.
	DefaultPercentileEvery = 10
	// DefaultOutageStreak is the default Config.OutageStreak.
	DefaultOutageStreak = 3
	// DefaultQuotaStaleAfter is the default Config.QuotaStaleAfter.
	DefaultQuotaStaleAfter = time.Minute
	// DefaultQuotaMaxAge is the default Config.QuotaMaxAge.
	DefaultQuotaMaxAge = 5 * time.Minute
	// DefaultConfidence is the default Config.DefaultConfidence.
	DefaultConfidence = 0.9
	// DefaultReferenceLatency is the default Config.ReferenceLatency.
	DefaultReferenceLatency = time.Second
	// DefaultReferenceCost is the default Config.ReferenceCost.
	DefaultReferenceCost = 0.01
	// DefaultHealthyThreshold is the default StatusThresholds.Healthy.
	DefaultHealthyThreshold = 0.9
	// DefaultDegradedThreshold is the default StatusThresholds.Degraded.
	DefaultDegradedThreshold = 0.7
	// DefaultUnhealthyThreshold is the default StatusThresholds.Unhealthy.
	DefaultUnhealthyThreshold = 0.5
)

// Config configures a Tracker and a Router. Both are built from the same
// Config; each reads the fields it needs. Every zero field means the
// documented default, so the zero Config is ready to use. The constructors
// validate a copy and never write into the caller's struct.
type Config struct {
	// Window is how many of a provider's most recent outcomes the sliding
	// window keeps (per provider, and again per provider × data type).
	// Success rate, error rates by class, data quality, latency
	// percentiles and uptime are computed over it. Default 100; at most
	// WindowLimit.
	Window int `yaml:"window"`
	// WindowDuration, when positive, also drops outcomes older than this
	// from the window, so a provider that has not been called for a while
	// returns to its prior. Zero (the default) keeps the last Window
	// outcomes however old. Outcomes leave the window in arrival order.
	WindowDuration time.Duration `yaml:"window_duration"`
	// EWMAAlpha is the smoothing factor of the latency EWMA, in (0, 1]: the
	// weight of the newest sample. Default 0.2.
	EWMAAlpha float64 `yaml:"ewma_alpha"`
	// PriorWeight is how many pseudo-observations a provider's configured
	// Profile (Confidence and ExpectedLatency) is worth when blended with
	// what the window has observed (see the package doc, "Cold start").
	// Default 10.
	PriorWeight float64 `yaml:"prior_weight"`
	// PercentileEvery bounds how stale the cached latency percentiles seen
	// by View may be: they are recomputed lazily, on a View, once this many
	// latency samples have entered or left the window since the last
	// computation. Health always recomputes them. Default 10.
	PercentileEvery int `yaml:"percentile_every"`
	// OutageStreak is how many consecutive unanswered failures (a failure
	// that is not a data-quality failure: a timeout, an outage, a refusal)
	// mark a provider as down for uptime. Default 3.
	OutageStreak int `yaml:"outage_streak"`
	// QuotaStaleAfter is how long a provider-reported Quota that has no
	// Reset time is believed. A Quota with a Reset is believed until then.
	// Default 1m.
	QuotaStaleAfter time.Duration `yaml:"quota_stale_after"`
	// QuotaMaxAge is how long any provider-reported Quota is believed at
	// most, its Reset notwithstanding: a reset far ahead — a misread
	// header, a monthly allowance spent — would otherwise keep a provider
	// that reported nothing left from being asked again, and so from
	// ever reporting its quota anew. Once it passes the provider may be
	// called, and its answer brings the quota up to date. Default 5m.
	QuotaMaxAge time.Duration `yaml:"quota_max_age"`
	// DefaultConfidence is the Confidence of a Profile that leaves it zero,
	// and of a provider recorded without being registered. Default 0.9.
	DefaultConfidence float64 `yaml:"default_confidence"`
	// ReferenceLatency is the expected latency of a Profile that leaves it
	// zero, and the scale of the performance factor of the source score: a
	// provider answering in ReferenceLatency scores 0.5 on performance
	// (see Router.Score). Default 1s.
	ReferenceLatency time.Duration `yaml:"reference_latency"`
	// ReferenceCost is the scale of the cost factor of the source score: a
	// provider costing ReferenceCost per call scores 0.5 on cost before
	// the budget is considered, a free one 1 (see Router.Score). It is in
	// the same money unit as Candidate.Cost. Default 0.01.
	ReferenceCost float64 `yaml:"reference_cost"`
	// HealthWeights weighs the metrics of the health score.
	HealthWeights HealthWeights `yaml:"health_weights"`
	// ScoreWeights weighs the factors of the source score.
	ScoreWeights ScoreWeights `yaml:"score_weights"`
	// Thresholds maps a health score to a Status.
	Thresholds StatusThresholds `yaml:"thresholds"`
}

// HealthWeights weighs the metrics that make up a provider's health score
// (see the package doc, "Health score"). Each metric is in [0, 1].
//
// An all-zero HealthWeights means the defaults: Success 0.40, Latency 0.15,
// Quality 0.20, Uptime 0.15, Quota 0.10. Otherwise the weights are used as
// given — a zero weight drops its metric — and normalised to sum to 1. A
// weight must be finite and not negative.
type HealthWeights struct {
	// Success weighs the success rate over the window.
	Success float64 `yaml:"success"`
	// Latency weighs the latency factor: expected latency over EWMA
	// latency, clipped to [0, 1].
	Latency float64 `yaml:"latency"`
	// Quality weighs data quality: the share of responses that passed
	// validation.
	Quality float64 `yaml:"quality"`
	// Uptime weighs the share of the window's time the provider was not
	// in an outage.
	Uptime float64 `yaml:"uptime"`
	// Quota weighs the provider-reported remaining quota ratio.
	Quota float64 `yaml:"quota"`
}

// DefaultHealthWeights returns the weights an all-zero HealthWeights means.
func DefaultHealthWeights() HealthWeights {
	return HealthWeights{Success: 0.40, Latency: 0.15, Quality: 0.20, Uptime: 0.15, Quota: 0.10}
}

// ScoreWeights weighs the factors of the source score the Router ranks
// candidates by (see Router.Score). Each factor is in [0, 1].
//
// An all-zero ScoreWeights means the defaults: Health 0.30, Quality 0.25,
// Performance 0.20, Capacity 0.15, Cost 0.10. Otherwise the weights are used
// as given — a zero weight drops its factor — and normalised to sum to 1. A
// weight must be finite and not negative.
type ScoreWeights struct {
	// Health weighs the provider's health score.
	Health float64 `yaml:"health"`
	// Quality weighs its data quality.
	Quality float64 `yaml:"quality"`
	// Performance weighs its latency against Config.ReferenceLatency.
	Performance float64 `yaml:"performance"`
	// Capacity weighs its remaining rate-limit capacity.
	Capacity float64 `yaml:"capacity"`
	// Cost weighs how cheap it is, against Config.ReferenceCost and the
	// remaining budget.
	Cost float64 `yaml:"cost"`
}

// DefaultScoreWeights returns the weights an all-zero ScoreWeights means.
func DefaultScoreWeights() ScoreWeights {
	return ScoreWeights{Health: 0.30, Quality: 0.25, Performance: 0.20, Capacity: 0.15, Cost: 0.10}
}

// StatusThresholds maps a health score to a Status: a score at or above
// Healthy is HEALTHY, at or above Degraded DEGRADED, at or above Unhealthy
// UNHEALTHY, and below it CRITICAL.
//
// Each zero field means its default: Healthy 0.9, Degraded 0.7, Unhealthy
// 0.5. After defaults are applied the thresholds must lie in (0, 1] and
// satisfy Healthy ≥ Degraded ≥ Unhealthy.
type StatusThresholds struct {
	// Healthy is the lowest HEALTHY score. Default 0.9.
	Healthy float64 `yaml:"healthy"`
	// Degraded is the lowest DEGRADED score. Default 0.7.
	Degraded float64 `yaml:"degraded"`
	// Unhealthy is the lowest UNHEALTHY score. Default 0.5.
	Unhealthy float64 `yaml:"unhealthy"`
}

// settings is a validated Config with its defaults applied and its weights
// normalised.
type settings struct {
	window           int
	windowDuration   time.Duration
	alpha            float64
	prior            float64
	pctEvery         int
	outageStreak     int
	quotaStale       time.Duration
	quotaMaxAge      time.Duration
	confidence       float64
	referenceLatency time.Duration
	referenceCost    float64
	health           HealthWeights
	score            ScoreWeights
	thresholds       StatusThresholds
}

// resolve validates cfg and returns it with defaults applied. It reads cfg
// and never writes to it.
func (cfg Config) resolve() (settings, error) {
	s := settings{
		window:           cfg.Window,
		windowDuration:   cfg.WindowDuration,
		alpha:            cfg.EWMAAlpha,
		prior:            cfg.PriorWeight,
		pctEvery:         cfg.PercentileEvery,
		outageStreak:     cfg.OutageStreak,
		quotaStale:       cfg.QuotaStaleAfter,
		quotaMaxAge:      cfg.QuotaMaxAge,
		confidence:       cfg.DefaultConfidence,
		referenceLatency: cfg.ReferenceLatency,
		referenceCost:    cfg.ReferenceCost,
	}
	switch {
	case s.window < 0:
		return s, configError("window", fmt.Sprintf("must not be negative, got %d", s.window))
	case s.window == 0:
		s.window = DefaultWindow
	case s.window > WindowLimit:
		return s, configError("window", fmt.Sprintf("must be at most %d, got %d", WindowLimit, s.window))
	}
	if s.windowDuration < 0 {
		return s, configError("window_duration", "must not be negative, got "+s.windowDuration.String())
	}
	if s.alpha == 0 {
		s.alpha = DefaultEWMAAlpha
	}
	if !(s.alpha > 0 && s.alpha <= 1) {
		return s, configError("ewma_alpha", fmt.Sprintf("must be in (0, 1], got %v", s.alpha))
	}
	if s.prior == 0 {
		s.prior = DefaultPriorWeight
	}
	if !(s.prior > 0) || math.IsInf(s.prior, 0) {
		return s, configError("prior_weight", fmt.Sprintf("must be positive and finite, got %v", s.prior))
	}
	switch {
	case s.pctEvery < 0:
		return s, configError("percentile_every", fmt.Sprintf("must not be negative, got %d", s.pctEvery))
	case s.pctEvery == 0:
		s.pctEvery = DefaultPercentileEvery
	}
	switch {
	case s.outageStreak < 0:
		return s, configError("outage_streak", fmt.Sprintf("must not be negative, got %d", s.outageStreak))
	case s.outageStreak == 0:
		s.outageStreak = DefaultOutageStreak
	}
	switch {
	case s.quotaStale < 0:
		return s, configError("quota_stale_after", "must not be negative, got "+s.quotaStale.String())
	case s.quotaStale == 0:
		s.quotaStale = DefaultQuotaStaleAfter
	}
	switch {
	case s.quotaMaxAge < 0:
		return s, configError("quota_max_age", "must not be negative, got "+s.quotaMaxAge.String())
	case s.quotaMaxAge == 0:
		s.quotaMaxAge = DefaultQuotaMaxAge
	}
	if s.confidence == 0 {
		s.confidence = DefaultConfidence
	}
	if !(s.confidence > 0 && s.confidence <= 1) {
		return s, configError("default_confidence", fmt.Sprintf("must be in (0, 1], got %v", s.confidence))
	}
	switch {
	case s.referenceLatency < 0:
		return s, configError("reference_latency", "must not be negative, got "+s.referenceLatency.String())
	case s.referenceLatency == 0:
		s.referenceLatency = DefaultReferenceLatency
	}
	if s.referenceCost == 0 {
		s.referenceCost = DefaultReferenceCost
	}
	if !(s.referenceCost > 0) || math.IsInf(s.referenceCost, 0) {
		return s, configError("reference_cost", fmt.Sprintf("must be positive and finite, got %v", s.referenceCost))
	}
	var err error
	if s.health, err = cfg.HealthWeights.normalise(); err != nil {
		return s, err
	}
	if s.score, err = cfg.ScoreWeights.normalise(); err != nil {
		return s, err
	}
	if s.thresholds, err = cfg.Thresholds.resolve(); err != nil {
		return s, err
	}
	return s, nil
}

func checkWeight(field string, w float64) error {
	if !(w >= 0) || math.IsInf(w, 0) {
		return configError(field, fmt.Sprintf("must be finite and not negative, got %v", w))
	}
	return nil
}

func (w HealthWeights) normalise() (HealthWeights, error) {
	if w == (HealthWeights{}) {
		w = DefaultHealthWeights()
	}
	for _, f := range [...]struct {
		name string
		v    float64
	}{
		{"health_weights.success", w.Success},
		{"health_weights.latency", w.Latency},
		{"health_weights.quality", w.Quality},
		{"health_weights.uptime", w.Uptime},
		{"health_weights.quota", w.Quota},
	} {
		if err := checkWeight(f.name, f.v); err != nil {
			return w, err
		}
	}
	sum := w.Success + w.Latency + w.Quality + w.Uptime + w.Quota
	if math.IsInf(sum, 0) {
		return w, configError("health_weights", "sum overflows")
	}
	return HealthWeights{w.Success / sum, w.Latency / sum, w.Quality / sum, w.Uptime / sum, w.Quota / sum}, nil
}

func (w ScoreWeights) normalise() (ScoreWeights, error) {
	if w == (ScoreWeights{}) {
		w = DefaultScoreWeights()
	}
	for _, f := range [...]struct {
		name string
		v    float64
	}{
		{"score_weights.health", w.Health},
		{"score_weights.quality", w.Quality},
		{"score_weights.performance", w.Performance},
		{"score_weights.capacity", w.Capacity},
		{"score_weights.cost", w.Cost},
	} {
		if err := checkWeight(f.name, f.v); err != nil {
			return w, err
		}
	}
	sum := w.Health + w.Quality + w.Performance + w.Capacity + w.Cost
	if math.IsInf(sum, 0) {
		return w, configError("score_weights", "sum overflows")
	}
	return ScoreWeights{w.Health / sum, w.Quality / sum, w.Performance / sum, w.Capacity / sum, w.Cost / sum}, nil
}

func (t StatusThresholds) resolve() (StatusThresholds, error) {
	given := t
	if t.Healthy == 0 {
		t.Healthy = DefaultHealthyThreshold
	}
	if t.Degraded == 0 {
		t.Degraded = DefaultDegradedThreshold
	}
	if t.Unhealthy == 0 {
		t.Unhealthy = DefaultUnhealthyThreshold
	}
	for _, f := range [...]struct {
		name string
		v    float64
	}{
		{"thresholds.healthy", t.Healthy},
		{"thresholds.degraded", t.Degraded},
		{"thresholds.unhealthy", t.Unhealthy},
	} {
		if !(f.v > 0 && f.v <= 1) {
			return t, configError(f.name, fmt.Sprintf("must be in (0, 1], got %v", f.v))
		}
	}
	if t.Degraded > t.Healthy {
		return t, configError("thresholds.degraded", above(t.Degraded, given.Degraded == 0, "thresholds.healthy", t.Healthy, given.Healthy == 0))
	}
	if t.Unhealthy > t.Degraded {
		return t, configError("thresholds.unhealthy", above(t.Unhealthy, given.Unhealthy == 0, "thresholds.degraded", t.Degraded, given.Degraded == 0))
	}
	return t, nil
}

// above says that threshold v is above the next one up, name at w; when v
// is a default the host left, that it is, and what to set it to; when w
// is, that it is.
func above(v float64, vDefault bool, name string, w float64, wDefault bool) string {
	if vDefault {
		return fmt.Sprintf("%v (its default) is above %s %v: set it at most %v", v, name, w, w)
	}
	if wDefault {
		return fmt.Sprintf("%v is above %s %v (its default)", v, name, w)
	}
	return fmt.Sprintf("%v is above %s %v", v, name, w)
}
