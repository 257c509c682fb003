package breaker

import (
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

// failProbe waits out the open period and fails one probe.
func failProbe(t *testing.T, b *Breaker) {
	t.Helper()
	time.Sleep(b.Snapshot().RetryAfter)
	report(t, b, Failure)
	if b.State() != Open {
		t.Fatal("a failed probe did not re-open the breaker")
	}
}

// passProbes waits out the open period and passes every probe.
func passProbes(t *testing.T, b *Breaker) {
	t.Helper()
	time.Sleep(b.Snapshot().RetryAfter)
	for b.State() == HalfOpen {
		report(t, b, Success)
	}
	if b.State() != Closed {
		t.Fatal("successful probes did not close the breaker")
	}
}

func TestAdaptiveOpenDurationEscalates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, rec := tripped(t, Config{})
		for range 6 {
			failProbe(t, b)
		}
		s := 60 * time.Second
		want := []time.Duration{s, 2 * s, 4 * s, 8 * s, 10 * s, 10 * s, 10 * s}
		if got := rec.openDurations(); !slices.Equal(got, want) {
			t.Fatalf("open durations %v, want %v", got, want)
		}
		// The durations are real: refused one nanosecond before, admitted at.
		start := b.Snapshot().Since
		time.Sleep(10*s - time.Nanosecond)
		if _, err := b.Acquire(); err == nil {
			t.Fatal("admitted before the adapted open duration")
		}
		time.Sleep(time.Nanosecond)
		p, err := b.Acquire()
		if err != nil {
			t.Fatalf("refused at the adapted open duration: %v", err)
		}
		p.Done(Neutral)
		if got := time.Since(start); got != 10*s {
			t.Fatalf("open for %v", got)
		}
		if snap := b.Snapshot(); snap.TripStreak != 7 || snap.Trips != 7 || snap.OpenDuration != 10*s {
			t.Fatalf("snapshot %+v, want streak 7, next open 600s", snap)
		}
	})
}

func TestAdaptiveCleanRecoveryRestoresDefaults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, rec := tripped(t, Config{}) // 60 s
		failProbe(t, b)                // 120 s
		failProbe(t, b)                // 240 s
		passProbes(t, b)
		s := b.Snapshot()
		if !s.Recovering || s.OpenDuration != 480*time.Second {
			t.Fatalf("snapshot %+v, want recovering, next trip 480s", s)
		}
		// 19 healthy calls, a failure, 19 more: not yet a clean recovery.
		reportN(t, b, Success, 19)
		report(t, b, Failure)
		reportSeq(t, b, "SSSSSSSSSSSSSSSSSSSNN")
		if s := b.Snapshot(); !s.Recovering || s.TripStreak != 3 {
			t.Fatalf("snapshot %+v, want still recovering with streak 3", s)
		}
		report(t, b, Success) // the 20th in a row
		if s := b.Snapshot(); s.Recovering || s.TripStreak != 0 || s.OpenDuration != DefaultOpenDuration ||
			s.ConsecutiveFailureThreshold != DefaultConsecutiveFailures || s.FailureRateThreshold != DefaultFailureRateThreshold {
			t.Fatalf("snapshot %+v, want defaults back", s)
		}
		reportN(t, b, Failure, 5)
		if got := rec.openDurations(); !slices.Equal(got, []time.Duration{60 * time.Second, 120 * time.Second, 240 * time.Second, 60 * time.Second}) {
			t.Fatalf("open durations %v", got)
		}
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
		if got := rec.openDurations(); !slices.Equal(got, []time.Duration{60 * time.Second, 120 * time.Second}) {
			t.Fatalf("open durations %v, want 60s then 120s", got)
		}
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
		if !b.Snapshot().Recovering {
			t.Fatal("recovered through a slow call")
		}
		timed(t, b, 0, Success)
		if s := b.Snapshot(); s.Recovering || s.TripStreak != 0 {
			t.Fatalf("snapshot %+v, want recovered after 3 fast successes", s)
		}
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
			if s.ConsecutiveFailureThreshold != tc.wantConsecutive || s.FailureRateThreshold != tc.wantRate {
				t.Fatalf("thresholds %d, %v; want %d, %v", s.ConsecutiveFailureThreshold, s.FailureRateThreshold, tc.wantConsecutive, tc.wantRate)
			}
		})
	}
}

func TestAdaptiveTightenedThresholdTrips(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, rec := tripped(t, Config{}) // history all failures: tightened to 3
		passProbes(t, b)
		reportN(t, b, Failure, 3)
		if got := rec.path(); got[len(got)-1] != "closed>open(consecutive_failures)" {
			t.Fatalf("path %v: 3 failures did not trip a tightened breaker", got)
		}
		ev := rec.events()[len(rec.events())-1]
		if ev.Reason != "3 consecutive failures reached the threshold of 3" {
			t.Fatalf("reason %q", ev.Reason)
		}
	})
}

func TestAdaptiveDisabledKeepsDuration(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, rec := tripped(t, Config{Adaptive: AdaptiveConfig{Disabled: true}})
		for range 4 {
			failProbe(t, b)
		}
		for _, d := range rec.openDurations() {
			if d != DefaultOpenDuration {
				t.Fatalf("open durations %v, want all 60s", rec.openDurations())
			}
		}
		if s := b.Snapshot(); s.TripStreak != 0 || s.HistoryCalls != 0 || s.Trips != 5 {
			t.Fatalf("snapshot %+v", s)
		}
	})
}

func TestAdaptiveCustomGrowth(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, rec := tripped(t, Config{OpenDuration: 10 * time.Second, Adaptive: AdaptiveConfig{Multiplier: 3, MaxOpenDuration: 100 * time.Second}})
		for range 4 {
			failProbe(t, b)
		}
		want := []time.Duration{10 * time.Second, 30 * time.Second, 90 * time.Second, 100 * time.Second, 100 * time.Second}
		if got := rec.openDurations(); !slices.Equal(got, want) {
			t.Fatalf("open durations %v, want %v", got, want)
		}
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
		if s.HistoryCalls != 7 || s.HistoryFailureRate != 5.0/7 {
			t.Fatalf("history %d calls at %v, want 7 at 5/7", s.HistoryCalls, s.HistoryFailureRate)
		}
		reportN(t, b, Success, 2) // closes; the ring of 8 drops its oldest
		if s := b.Snapshot(); s.HistoryCalls != 8 || s.HistoryFailureRate != 4.0/8 {
			t.Fatalf("history %d calls at %v, want 8 at 4/8", s.HistoryCalls, s.HistoryFailureRate)
		}
	})
}
