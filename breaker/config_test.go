package breaker

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

func TestConfigDefaults(t *testing.T) {
	s, err := (&Config{}).resolve()
	require.NoError(t, err)
	want := settings{
		consecutive: 5, failureRate: 0.5, minimumCalls: 20, windowSize: 100, windowBuckets: 10,
		openDuration: 60 * time.Second, probes: 3,
		adaptive: true, history: 100, chronicRate: 0.5, tighten: 0.5, multiplier: 2,
		maxOpen: 600 * time.Second, recoveryCalls: 20,
	}
	require.Equal(t, want, s, "defaults")
}

func TestConfigResolves(t *testing.T) {
	tests := []struct {
		name  string
		cfg   Config
		check func(settings) bool
	}{
		{"negative turns consecutive off", Config{ConsecutiveFailures: -1}, func(s settings) bool { return s.consecutive == 0 }},
		{"negative turns rate off", Config{FailureRateThreshold: -1}, func(s settings) bool { return s.failureRate == 0 }},
		{"slow rate only with threshold", Config{SlowCallRateThreshold: 0.3}, func(s settings) bool { return s.slowRate == 0 }},
		{"slow rate default", Config{SlowCallThreshold: time.Second}, func(s settings) bool { return s.slowRate == 0.5 }},
		{"small window lowers default minimum", Config{WindowSize: 8}, func(s settings) bool { return s.minimumCalls == 8 }},
		{"time window keeps default minimum", Config{WindowSize: 8, WindowDuration: time.Minute}, func(s settings) bool { return s.minimumCalls == 20 }},
		{"max open follows open duration", Config{OpenDuration: time.Second}, func(s settings) bool { return s.maxOpen == 10*time.Second }},
		{"max open saturates", Config{OpenDuration: math.MaxInt64 / 2}, func(s settings) bool { return s.maxOpen == math.MaxInt64 }},
		{"slow calls alone may trip", Config{ConsecutiveFailures: -1, FailureRateThreshold: -1, SlowCallThreshold: time.Second}, func(s settings) bool { return s.slowRate == 0.5 }},
		{"disabled", Config{Adaptive: AdaptiveConfig{Disabled: true}}, func(s settings) bool { return !s.adaptive }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := tc.cfg.resolve()
			require.NoError(t, err)
			require.True(t, tc.check(s), "settings %+v", s)
		})
	}
}

func TestConfigInvalid(t *testing.T) {
	tests := []struct {
		cfg  Config
		want string
	}{
		{Config{FailureRateThreshold: 1.5}, "breaker: invalid config: FailureRateThreshold: must be in (0, 1], got 1.5"},
		{Config{FailureRateThreshold: math.NaN()}, "breaker: invalid config: FailureRateThreshold: must be a number, got NaN"},
		{Config{MinimumCalls: -1}, "breaker: invalid config: MinimumCalls: must not be negative, got -1"},
		{Config{MinimumCalls: 200}, "breaker: invalid config: MinimumCalls: 200 exceeds WindowSize 100, so no rate could ever trip"},
		{Config{WindowSize: -3}, "breaker: invalid config: WindowSize: must not be negative, got -3"},
		{Config{WindowSize: math.MaxInt}, fmt.Sprintf("breaker: invalid config: WindowSize: must be at most 10000, got %d", math.MaxInt)},
		{Config{WindowDuration: time.Minute, WindowBuckets: 1 << 40}, "breaker: invalid config: WindowBuckets: must be at most 10000, got 1099511627776"},
		{Config{Adaptive: AdaptiveConfig{History: WindowLimit + 1}}, "breaker: invalid config: Adaptive.History: must be at most 10000, got 10001"},
		{Config{WindowDuration: -time.Second}, "breaker: invalid config: WindowDuration: must not be negative, got -1s"},
		{Config{WindowDuration: 5, WindowBuckets: 10}, "breaker: invalid config: WindowBuckets: 10 buckets leave no time per bucket in a 5ns window"},
		{Config{SlowCallThreshold: -1}, "breaker: invalid config: SlowCallThreshold: must not be negative, got -1ns"},
		{Config{SlowCallThreshold: time.Second, SlowCallRateThreshold: -0.5}, "breaker: invalid config: SlowCallRateThreshold: must be in (0, 1], got -0.5"},
		{Config{ConsecutiveFailures: -1, FailureRateThreshold: -1}, "breaker: invalid config: ConsecutiveFailures: every trip condition is turned off (consecutive failures, failure rate, slow calls), so the breaker could never open"},
		{Config{OpenDuration: -time.Second}, "breaker: invalid config: OpenDuration: must not be negative, got -1s"},
		{Config{HalfOpenProbes: -1}, "breaker: invalid config: HalfOpenProbes: must not be negative, got -1"},
		{Config{Adaptive: AdaptiveConfig{History: -1}}, "breaker: invalid config: Adaptive.History: must not be negative, got -1"},
		{Config{Adaptive: AdaptiveConfig{ChronicFailureRate: 2}}, "breaker: invalid config: Adaptive.ChronicFailureRate: must be in (0, 1], got 2"},
		{Config{Adaptive: AdaptiveConfig{TightenFactor: -0.1}}, "breaker: invalid config: Adaptive.TightenFactor: must be in (0, 1], got -0.1"},
		{Config{Adaptive: AdaptiveConfig{Multiplier: 0.5}}, "breaker: invalid config: Adaptive.Multiplier: must be at least 1, got 0.5"},
		{Config{Adaptive: AdaptiveConfig{Multiplier: math.Inf(1)}}, "breaker: invalid config: Adaptive.Multiplier: must be a finite number, got +Inf"},
		{Config{Adaptive: AdaptiveConfig{MaxOpenDuration: time.Second}}, "breaker: invalid config: Adaptive.MaxOpenDuration: 1s is shorter than OpenDuration 1m0s"},
		{Config{Adaptive: AdaptiveConfig{MaxOpenDuration: -1}}, "breaker: invalid config: Adaptive.MaxOpenDuration: must not be negative, got -1ns"},
		{Config{Adaptive: AdaptiveConfig{RecoveryCalls: -1}}, "breaker: invalid config: Adaptive.RecoveryCalls: must not be negative, got -1"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			b, err := New(tc.cfg)
			require.Nil(t, b)
			require.EqualError(t, err, tc.want)
			require.ErrorIs(t, err, ErrInvalidConfig)
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
		})
	}
}

func TestNewDoesNotWriteConfig(t *testing.T) {
	cfg := Config{WindowSize: 10, Adaptive: AdaptiveConfig{Multiplier: 3}}
	before := cfg
	_, err := New(cfg)
	require.NoError(t, err)
	require.Equal(t, before, cfg, "config changed")
}

func TestConfigYAML(t *testing.T) {
	doc := `
consecutive_failures: 4
failure_rate_threshold: 0.4
minimum_calls: 10
window_size: 50
window_duration: 30s
window_buckets: 6
slow_call_threshold: 2s
slow_call_rate_threshold: 0.6
open_duration: 45s
half_open_probes: 2
adaptive:
  disabled: false
  history: 80
  chronic_failure_rate: 0.7
  tighten_factor: 0.25
  multiplier: 3
  max_open_duration: 15m
  recovery_calls: 12
`
	dec := yaml.NewDecoder(strings.NewReader(doc))
	dec.KnownFields(true)
	var got Config
	require.NoError(t, dec.Decode(&got))
	want := Config{
		ConsecutiveFailures: 4, FailureRateThreshold: 0.4, MinimumCalls: 10, WindowSize: 50,
		WindowDuration: 30 * time.Second, WindowBuckets: 6, SlowCallThreshold: 2 * time.Second,
		SlowCallRateThreshold: 0.6, OpenDuration: 45 * time.Second, HalfOpenProbes: 2,
		Adaptive: AdaptiveConfig{History: 80, ChronicFailureRate: 0.7, TightenFactor: 0.25, Multiplier: 3,
			MaxOpenDuration: 15 * time.Minute, RecoveryCalls: 12},
	}
	require.Equal(t, want, got, "decoded")
	_, err := New(got)
	require.NoError(t, err)
}
