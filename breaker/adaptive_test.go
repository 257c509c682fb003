package breaker

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

// failProbe waits out the open period and fails one probe.
func failProbe(t *testing.T, b *Breaker) {
	t.Helper()
	time.Sleep(b.Snapshot().RetryAfter)
	report(t, b, Failure)
	require.Equal(t, Open, b.State(), "a failed probe did not re-open the breaker")
}

// passProbes waits out the open period and passes every probe.
func passProbes(t *testing.T, b *Breaker) {
	t.Helper()
	time.Sleep(b.Snapshot().RetryAfter)
	for b.State() == HalfOpen {
		report(t, b, Success)
	}
	require.Equal(t, Closed, b.State(), "successful probes did not close the breaker")
}

func TestAdaptiveOpenDurationEscalates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, rec := tripped(t, Config{})
		for range 6 {
			failProbe(t, b)
		}
		s := 60 * time.Second
		want := []time.Duration{s, 2 * s, 4 * s, 8 * s, 10 * s, 10 * s, 10 * s}
		require.Equal(t, want, rec.openDurations())
		// The durations are real: refused one nanosecond before, admitted at.
		start := b.Snapshot().Since
		time.Sleep(10*s - time.Nanosecond)
		_, err := b.Acquire()
		require.Error(t, err, "admitted before the adapted open duration")
		time.Sleep(time.Nanosecond)
		p, err := b.Acquire()
		require.NoError(t, err, "refused at the adapted open duration")
		p.Done(Neutral)
		require.Equal(t, 10*s, time.Since(start), "open for")
		snap := b.Snapshot()
		require.Equal(t, 7, snap.TripStreak)
		require.Equal(t, uint64(7), snap.Trips)
		require.Equal(t, 10*s, snap.OpenDuration, "next open")
	})
}

func TestAdaptiveCleanRecoveryRestoresDefaults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, rec := tripped(t, Config{}) // 60 s
		failProbe(t, b)                // 120 s
		failProbe(t, b)                // 240 s
		passProbes(t, b)
		s := b.Snapshot()
		require.True(t, s.Recovering, "recovering")
		require.Equal(t, 480*time.Second, s.OpenDuration, "next trip")
		// 19 healthy calls, a failure, 19 more: not yet a clean recovery.
		reportN(t, b, Success, 19)
		report(t, b, Failure)
		reportSeq(t, b, "SSSSSSSSSSSSSSSSSSSNN")
		s = b.Snapshot()
		require.True(t, s.Recovering, "still recovering")
		require.Equal(t, 3, s.TripStreak)
		report(t, b, Success) // the 20th in a row
		s = b.Snapshot()
		require.False(t, s.Recovering, "recovering after 20 in a row")
		require.Equal(t, 0, s.TripStreak)
		require.Equal(t, DefaultOpenDuration, s.OpenDuration)
		require.Equal(t, DefaultConsecutiveFailures, s.ConsecutiveFailureThreshold)
		require.Equal(t, DefaultFailureRateThreshold, s.FailureRateThreshold)
		reportN(t, b, Failure, 5)
		require.Equal(t, []time.Duration{60 * time.Second, 120 * time.Second, 240 * time.Second, 60 * time.Second}, rec.openDurations())
	})
}

func TestAdaptiveTripOnProbationEscalates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, rec := tripped(t, Config{})
		passProbes(t, b)
		reportN(t, b, Success, 10)
		for b.State() == Closed { // before a clean recovery
			report(t, b, Failure)
		}
		require.Equal(t, []time.Duration{60 * time.Second, 120 * time.Second}, rec.openDurations())
	})
}

func TestAdaptiveSlowCallsBlockRecovery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, _ := tripped(t, Config{SlowCallThreshold: time.Second, Adaptive: AdaptiveConfig{RecoveryCalls: 3}})
		passProbes(t, b)
		timed(t, b, 0, Success)
		timed(t, b, 0, Success)
		timed(t, b, 2*time.Second, Success) // slow: the run starts again
		timed(t, b, 0, Success)
		timed(t, b, 0, Success)
		require.True(t, b.Snapshot().Recovering, "recovered through a slow call")
		timed(t, b, 0, Success)
		s := b.Snapshot()
		require.False(t, s.Recovering, "not recovered after 3 fast successes")
		require.Equal(t, 0, s.TripStreak)
	})
}

func TestAdaptiveThresholds(t *testing.T) {
	tests := []struct {
		name            string
		cfg             Config
		before          string // outcomes before the trip (closed)
		wantConsecutive int
		wantRate        float64
	}{
		// History: 5 failures only (rate 1): tightened to ⌈5×0.5⌉ = 3, 0.25.
		{"chronic", Config{}, "", 3, 0.25},
		// History: 10 successes then 5 failures (rate 1/3): defaults.
		{"healthy history", Config{}, "SSSSSSSSSS", 5, 0.5},
		// Exactly at the chronic rate (5 of 10) tightens.
		{"at chronic rate", Config{}, "SSSSS", 3, 0.25},
		{"custom factor", Config{ConsecutiveFailures: 10, Adaptive: AdaptiveConfig{TightenFactor: 0.2}}, "", 2, 0.1},
		{"factor floor of one", Config{ConsecutiveFailures: 2, Adaptive: AdaptiveConfig{TightenFactor: 0.1}}, "", 1, 0.05},
		{"custom chronic rate", Config{Adaptive: AdaptiveConfig{ChronicFailureRate: 0.9}}, "S", 5, 0.5},
		{"disabled", Config{Adaptive: AdaptiveConfig{Disabled: true}}, "", 5, 0.5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := mustNew(t, tc.cfg)
			reportSeq(t, b, tc.before)
			for b.State() == Closed {
				report(t, b, Failure)
			}
			s := b.Snapshot()
			require.Equal(t, tc.wantConsecutive, s.ConsecutiveFailureThreshold)
			require.Equal(t, tc.wantRate, s.FailureRateThreshold)
		})
	}
}

func TestAdaptiveTightenedThresholdTrips(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, rec := tripped(t, Config{}) // history all failures: tightened to 3
		passProbes(t, b)
		reportN(t, b, Failure, 3)
		got := rec.path()
		require.Equal(t, "closed>open(consecutive_failures)", got[len(got)-1], "path %v: 3 failures did not trip a tightened breaker", got)
		ev := rec.events()[len(rec.events())-1]
		require.Equal(t, "3 consecutive failures reached the threshold of 3", ev.Reason)
	})
}

func TestAdaptiveDisabledKeepsDuration(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, rec := tripped(t, Config{Adaptive: AdaptiveConfig{Disabled: true}})
		for range 4 {
			failProbe(t, b)
		}
		for _, d := range rec.openDurations() {
			require.Equal(t, DefaultOpenDuration, d, "open durations %v, want all 60s", rec.openDurations())
		}
		s := b.Snapshot()
		require.Equal(t, 0, s.TripStreak)
		require.Equal(t, 0, s.HistoryCalls)
		require.Equal(t, uint64(5), s.Trips)
	})
}

func TestAdaptiveCustomGrowth(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, rec := tripped(t, Config{OpenDuration: 10 * time.Second, Adaptive: AdaptiveConfig{Multiplier: 3, MaxOpenDuration: 100 * time.Second}})
		for range 4 {
			failProbe(t, b)
		}
		want := []time.Duration{10 * time.Second, 30 * time.Second, 90 * time.Second, 100 * time.Second, 100 * time.Second}
		require.Equal(t, want, rec.openDurations())
	})
}

func TestAdaptiveHistoryIncludesLateAndProbes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustNew(t, Config{Adaptive: AdaptiveConfig{History: 8}})
		early, _ := b.Acquire()
		reportN(t, b, Failure, 5)
		early.Done(Success) // late, still history
		time.Sleep(DefaultOpenDuration)
		report(t, b, Neutral) // probe, neutral: not history
		report(t, b, Success) // probe
		s := b.Snapshot()
		require.Equal(t, 7, s.HistoryCalls)
		require.Equal(t, 5.0/7, s.HistoryFailureRate)
		reportN(t, b, Success, 2) // closes; the ring of 8 drops its oldest
		s = b.Snapshot()
		require.Equal(t, 8, s.HistoryCalls)
		require.Equal(t, 4.0/8, s.HistoryFailureRate)
	})
}
