package breaker

import (
	"fmt"
	"math"
	"time"
)

// The documented defaults. A zero field of Config means the matching value
// here.
const (
	// DefaultConsecutiveFailures is the number of failures in a row that
	// trips a closed breaker (the seed's failure threshold).
	DefaultConsecutiveFailures = 5
	// DefaultFailureRateThreshold is the failure rate over the sliding
	// window that trips a closed breaker.
	DefaultFailureRateThreshold = 0.5
	// DefaultMinimumCalls is how many calls the window must hold before a
	// failure or slow-call rate can trip the breaker.
	DefaultMinimumCalls = 20
	// DefaultWindowSize is the length of the count-based sliding window.
	DefaultWindowSize = 100
	// DefaultWindowBuckets is how many buckets a time-based window is cut
	// into; a bucket's worth of old calls leaves the window at once.
	DefaultWindowBuckets = 10
	// WindowLimit bounds WindowSize, WindowBuckets and Adaptive.History:
	// each is memory allocated when the breaker is built.
	WindowLimit = 10_000
	// DefaultSlowCallRateThreshold is the slow-call rate over the window
	// that trips a closed breaker, when slow-call detection is on.
	DefaultSlowCallRateThreshold = 0.5
	// DefaultOpenDuration is how long an open breaker refuses calls before
	// it lets probes through (the seed's 60 s).
	DefaultOpenDuration = 60 * time.Second
	// DefaultHalfOpenProbes is how many probe calls a half-open breaker
	// admits, and how many must succeed to close it (the seed's 3).
	DefaultHalfOpenProbes = 3

	// DefaultAdaptiveHistory is how many recent outcomes the adaptive rule
	// remembers (the seed's last 100 calls).
	DefaultAdaptiveHistory = 100
	// DefaultChronicFailureRate is the failure rate over the history at or
	// above which a trip tightens the trip thresholds.
	DefaultChronicFailureRate = 0.5
	// DefaultTightenFactor scales the trip thresholds of a chronically
	// failing provider.
	DefaultTightenFactor = 0.5
	// DefaultOpenMultiplier is the growth factor of the open duration per
	// trip without a clean recovery in between.
	DefaultOpenMultiplier = 2.0
	// DefaultMaxOpenFactor sets the default cap on the open duration:
	// DefaultMaxOpenFactor × OpenDuration (600 s with the default 60 s).
	DefaultMaxOpenFactor = 10
	// DefaultRecoveryCalls is how many healthy calls in a row, after a
	// half-open breaker closes, make a clean recovery.
	DefaultRecoveryCalls = 20
)

// Config configures a Breaker. Every zero field means the documented
// default (the Default* constants), so the zero Config is the seed's breaker:
// trip on 5 failures in a row or on a 50% failure rate over the last 100
// calls (at least 20 of them), stay open 60 s, close after 3 successful
// probes, adapt after every trip. A negative value turns a trip condition
// off where the field says so. New copies the Config and never writes to it.
//
// The yaml tags let a host embed Config in its YAML configuration; durations
// are written as Go duration strings ("60s").
type Config struct {
	// ConsecutiveFailures trips a closed breaker after this many failures in
	// a row (neutral outcomes neither extend nor break the run). Zero means
	// DefaultConsecutiveFailures; a negative value turns this condition off.
	ConsecutiveFailures int `yaml:"consecutive_failures"`

	// FailureRateThreshold trips a closed breaker when failures/calls over
	// the sliding window reaches it, once the window holds MinimumCalls
	// calls. It must be in (0, 1]. Zero means DefaultFailureRateThreshold; a
	// negative value turns this condition off.
	FailureRateThreshold float64 `yaml:"failure_rate_threshold"`

	// MinimumCalls is how many calls (successes and failures; neutral
	// outcomes are not calls here) the window must hold before the failure
	// rate or the slow-call rate can trip. Zero means DefaultMinimumCalls.
	// For a count-based window it must not exceed WindowSize, and the
	// default is min(DefaultMinimumCalls, WindowSize).
	MinimumCalls int `yaml:"minimum_calls"`

	// WindowSize is the length of the count-based sliding window: the last
	// WindowSize calls. Zero means DefaultWindowSize; at most WindowLimit.
	// Ignored when WindowDuration is set.
	WindowSize int `yaml:"window_size"`

	// WindowDuration, when positive, makes the window time-based: the calls
	// that completed in the last WindowDuration, kept in WindowBuckets
	// buckets. Zero means count-based.
	WindowDuration time.Duration `yaml:"window_duration"`

	// WindowBuckets is how many buckets a time-based window is cut into.
	// Zero means DefaultWindowBuckets; at most WindowLimit.
	WindowBuckets int `yaml:"window_buckets"`

	// SlowCallThreshold marks a call that takes longer than it (measured by
	// the breaker from Allow to done) as slow, whether it succeeded or
	// failed. Zero turns slow-call detection off.
	SlowCallThreshold time.Duration `yaml:"slow_call_threshold"`

	// SlowCallRateThreshold trips a closed breaker when slow calls/calls
	// over the window reaches it, once the window holds MinimumCalls calls.
	// It must be in (0, 1]. Zero means DefaultSlowCallRateThreshold. Used
	// only when SlowCallThreshold is set.
	SlowCallRateThreshold float64 `yaml:"slow_call_rate_threshold"`

	// OpenDuration is how long an open breaker refuses calls before it turns
	// half-open, before adaptation (see Adaptive). Zero means
	// DefaultOpenDuration.
	OpenDuration time.Duration `yaml:"open_duration"`

	// HalfOpenProbes is how many probe calls a half-open breaker admits and
	// how many of them must succeed for it to close. Zero means
	// DefaultHalfOpenProbes.
	HalfOpenProbes int `yaml:"half_open_probes"`

	// Adaptive configures how thresholds and the open duration adapt after
	// each trip.
	Adaptive AdaptiveConfig `yaml:"adaptive"`

	// OnStateChange, when set, is called once for every state transition,
	// in order, one call at a time, never while the breaker's lock is held
	// (so it may call back into the breaker). It runs on the goroutine whose
	// call caused the transition, or on one that was already delivering an
	// earlier event. It should return quickly.
	OnStateChange func(StateChange) `yaml:"-"`
}

// AdaptiveConfig configures the adaptive rule described in the package
// documentation. The zero value turns it on with the documented defaults.
type AdaptiveConfig struct {
	// Disabled turns adaptation off: every trip uses OpenDuration and the
	// configured thresholds.
	Disabled bool `yaml:"disabled"`

	// History is how many recent outcomes (successes and failures) the rule
	// remembers. Zero means DefaultAdaptiveHistory; at most WindowLimit.
	History int `yaml:"history"`

	// ChronicFailureRate: a trip at which the failure rate over History is
	// at least this tightens the trip thresholds for the next closed period.
	// It must be in (0, 1]. Zero means DefaultChronicFailureRate.
	ChronicFailureRate float64 `yaml:"chronic_failure_rate"`

	// TightenFactor multiplies the consecutive-failure threshold (rounded
	// up, at least 1) and the failure-rate threshold of a chronically
	// failing provider. It must be in (0, 1]. Zero means
	// DefaultTightenFactor.
	TightenFactor float64 `yaml:"tighten_factor"`

	// Multiplier is the growth of the open duration per trip without a
	// clean recovery. It must be at least 1. Zero means
	// DefaultOpenMultiplier.
	Multiplier float64 `yaml:"multiplier"`

	// MaxOpenDuration caps the adapted open duration. It must be at least
	// OpenDuration. Zero means DefaultMaxOpenFactor × OpenDuration.
	MaxOpenDuration time.Duration `yaml:"max_open_duration"`

	// RecoveryCalls is how many successful, not slow, calls in a row after
	// a half-open breaker closes make a clean recovery, which restores the
	// configured thresholds and open duration. Zero means
	// DefaultRecoveryCalls.
	RecoveryCalls int `yaml:"recovery_calls"`
}

// settings is a validated Config with every default filled in. It never
// changes after New.
type settings struct {
	consecutive    int     // 0 = off
	failureRate    float64 // 0 = off
	minimumCalls   int
	windowSize     int
	windowDuration time.Duration
	windowBuckets  int
	slowThreshold  time.Duration // 0 = off
	slowRate       float64
	openDuration   time.Duration
	probes         int

	adaptive      bool
	history       int
	chronicRate   float64
	tighten       float64
	multiplier    float64
	maxOpen       time.Duration
	recoveryCalls int
}

func invalid(field, format string, args ...any) error {
	return &ConfigError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// rate validates a rate field: zero is the default, negative (when allowed)
// turns it off, otherwise it must lie in (0, 1].
func rate(field string, v, def float64, allowOff bool) (float64, error) {
	switch {
	case math.IsNaN(v):
		return 0, invalid(field, "must be a number, got NaN")
	case v == 0:
		return def, nil
	case v < 0 && allowOff:
		return 0, nil
	case v < 0 || v > 1:
		return 0, invalid(field, "must be in (0, 1], got %v", v)
	}
	return v, nil
}

func positive(field string, v, def int) (int, error) {
	switch {
	case v < 0:
		return 0, invalid(field, "must not be negative, got %d", v)
	case v == 0:
		return def, nil
	}
	return v, nil
}

// windowSize is positive for a size bounded by WindowLimit.
func windowSize(field string, v, def int) (int, error) {
	if v > WindowLimit {
		return 0, invalid(field, "must be at most %d, got %d", WindowLimit, v)
	}
	return positive(field, v, def)
}

func positiveDuration(field string, v, def time.Duration) (time.Duration, error) {
	switch {
	case v < 0:
		return 0, invalid(field, "must not be negative, got %v", v)
	case v == 0:
		return def, nil
	}
	return v, nil
}

// resolve validates c and returns it with every default filled in.
func (c *Config) resolve() (settings, error) {
	var s settings
	var err error

	switch {
	case c.ConsecutiveFailures < 0:
		s.consecutive = 0
	case c.ConsecutiveFailures == 0:
		s.consecutive = DefaultConsecutiveFailures
	default:
		s.consecutive = c.ConsecutiveFailures
	}
	if s.failureRate, err = rate("FailureRateThreshold", c.FailureRateThreshold, DefaultFailureRateThreshold, true); err != nil {
		return s, err
	}
	if s.windowSize, err = windowSize("WindowSize", c.WindowSize, DefaultWindowSize); err != nil {
		return s, err
	}
	defMinimum := DefaultMinimumCalls
	if c.WindowDuration == 0 {
		defMinimum = min(defMinimum, s.windowSize)
	}
	if s.minimumCalls, err = positive("MinimumCalls", c.MinimumCalls, defMinimum); err != nil {
		return s, err
	}
	if c.WindowDuration < 0 {
		return s, invalid("WindowDuration", "must not be negative, got %v", c.WindowDuration)
	}
	s.windowDuration = c.WindowDuration
	if s.windowBuckets, err = windowSize("WindowBuckets", c.WindowBuckets, DefaultWindowBuckets); err != nil {
		return s, err
	}
	if s.windowDuration > 0 {
		if s.windowDuration/time.Duration(s.windowBuckets) <= 0 {
			return s, invalid("WindowBuckets", "%d buckets leave no time per bucket in a %v window", s.windowBuckets, s.windowDuration)
		}
	} else if s.minimumCalls > s.windowSize {
		return s, invalid("MinimumCalls", "%d exceeds WindowSize %d, so no rate could ever trip", s.minimumCalls, s.windowSize)
	}
	if c.SlowCallThreshold < 0 {
		return s, invalid("SlowCallThreshold", "must not be negative, got %v", c.SlowCallThreshold)
	}
	s.slowThreshold = c.SlowCallThreshold
	if s.slowRate, err = rate("SlowCallRateThreshold", c.SlowCallRateThreshold, DefaultSlowCallRateThreshold, false); err != nil {
		return s, err
	}
	if s.slowThreshold == 0 {
		s.slowRate = 0
	}
	if s.consecutive == 0 && s.failureRate == 0 && s.slowThreshold == 0 {
		return s, invalid("ConsecutiveFailures", "every trip condition is turned off (consecutive failures, failure rate, slow calls), so the breaker could never open")
	}
	if s.openDuration, err = positiveDuration("OpenDuration", c.OpenDuration, DefaultOpenDuration); err != nil {
		return s, err
	}
	if s.probes, err = positive("HalfOpenProbes", c.HalfOpenProbes, DefaultHalfOpenProbes); err != nil {
		return s, err
	}

	a := &c.Adaptive
	s.adaptive = !a.Disabled
	if s.history, err = windowSize("Adaptive.History", a.History, DefaultAdaptiveHistory); err != nil {
		return s, err
	}
	if s.chronicRate, err = rate("Adaptive.ChronicFailureRate", a.ChronicFailureRate, DefaultChronicFailureRate, false); err != nil {
		return s, err
	}
	if s.tighten, err = rate("Adaptive.TightenFactor", a.TightenFactor, DefaultTightenFactor, false); err != nil {
		return s, err
	}
	switch m := a.Multiplier; {
	case math.IsNaN(m) || math.IsInf(m, 0):
		return s, invalid("Adaptive.Multiplier", "must be a finite number, got %v", m)
	case m == 0:
		s.multiplier = DefaultOpenMultiplier
	case m < 1:
		return s, invalid("Adaptive.Multiplier", "must be at least 1, got %v", m)
	default:
		s.multiplier = m
	}
	switch {
	case a.MaxOpenDuration < 0:
		return s, invalid("Adaptive.MaxOpenDuration", "must not be negative, got %v", a.MaxOpenDuration)
	case a.MaxOpenDuration == 0:
		s.maxOpen = s.openDuration * DefaultMaxOpenFactor
		if s.maxOpen/DefaultMaxOpenFactor != s.openDuration { // overflow
			s.maxOpen = math.MaxInt64
		}
	case a.MaxOpenDuration < s.openDuration:
		return s, invalid("Adaptive.MaxOpenDuration", "%v is shorter than OpenDuration %v", a.MaxOpenDuration, s.openDuration)
	default:
		s.maxOpen = a.MaxOpenDuration
	}
	if s.recoveryCalls, err = positive("Adaptive.RecoveryCalls", a.RecoveryCalls, DefaultRecoveryCalls); err != nil {
		return s, err
	}
	return s, nil
}

// openDurationFor returns the open duration of the k-th trip since the last
// clean recovery (k ≥ 1): min(openDuration × multiplier^(k−1), maxOpen).
func (s *settings) openDurationFor(k int) time.Duration {
	if !s.adaptive || k <= 1 {
		return s.openDuration
	}
	d := float64(s.openDuration) * math.Pow(s.multiplier, float64(k-1))
	if d >= float64(s.maxOpen) || math.IsInf(d, 0) || math.IsNaN(d) {
		return s.maxOpen
	}
	return time.Duration(d)
}

// tightened returns the thresholds for a chronically failing provider.
func (s *settings) tightened() (consecutive int, failureRate float64) {
	if s.consecutive > 0 {
		consecutive = max(1, int(math.Ceil(float64(s.consecutive)*s.tighten-1e-9)))
	}
	return consecutive, s.failureRate * s.tighten
}
