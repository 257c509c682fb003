package breaker

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClosedTrips(t *testing.T) {
	noRate := Config{FailureRateThreshold: -1}
	rateOnly := Config{ConsecutiveFailures: -1, WindowSize: 10, MinimumCalls: 10}
	tests := []struct {
		name      string
		cfg       Config
		seq       string // outcomes, in order
		wantState State
		wantCause Cause // when wantState is Open
		wantTrips uint64
	}{
		{"default five in a row", Config{}, "FFFFF", Open, CauseConsecutiveFailures, 1},
		{"four in a row is not enough", Config{}, "FFFF", Closed, 0, 0},
		{"success breaks the run", noRate, "FFFFSFFFF", Closed, 0, 0},
		{"neutral does not break the run", noRate, "FFNNFFNF", Open, CauseConsecutiveFailures, 1},
		{"neutral does not count as failure", noRate, "NNNNNNNNNN", Closed, 0, 0},
		{"custom threshold 2", Config{ConsecutiveFailures: 2, FailureRateThreshold: -1}, "FSFF", Open, CauseConsecutiveFailures, 1},
		{"rate at threshold after minimum calls", rateOnly, "FSFSFSFSFS", Open, CauseFailureRate, 1},
		{"rate below threshold", rateOnly, "FSSFSSFSSFSS", Closed, 0, 0},
		{"rate needs minimum calls", rateOnly, "FFFFFFFFF", Closed, 0, 0},
		{"neutral calls are not window calls", rateOnly, "FFFFFFFFFNNNNNN", Closed, 0, 0},
		{"rate threshold 0.3", Config{ConsecutiveFailures: -1, WindowSize: 10, MinimumCalls: 10, FailureRateThreshold: 0.3}, "SSSSSSSFFF", Open, CauseFailureRate, 1},
		{"consecutive off, rate off except slow", Config{ConsecutiveFailures: -1, FailureRateThreshold: -1, SlowCallThreshold: time.Second}, "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", Closed, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var rec recorder
			cfg := tc.cfg
			cfg.OnStateChange = rec.on
			cfg.Adaptive.Disabled = true
			b := mustNew(t, cfg)
			reportSeq(t, b, tc.seq)
			s := b.Snapshot()
			require.Equal(t, tc.wantState, s.State)
			require.Equal(t, tc.wantTrips, s.Trips)
			if tc.wantState == Open {
				evs := rec.events()
				require.Len(t, evs, 1, "want one closed>open(%v)", tc.wantCause)
				require.Equal(t, Closed, evs[0].From)
				require.Equal(t, Open, evs[0].To)
				require.Equal(t, tc.wantCause, evs[0].Cause)
				assert.Equal(t, DefaultOpenDuration, evs[0].OpenDuration)
			} else {
				require.Empty(t, rec.events())
			}
		})
	}
}

func TestClosedCountWindowSlides(t *testing.T) {
	// Window of 10 calls, trip at 50%: the early failures slide out.
	b := mustNew(t, Config{ConsecutiveFailures: -1, WindowSize: 10, MinimumCalls: 10, Adaptive: AdaptiveConfig{Disabled: true}})
	reportSeq(t, b, "FFFFSSSSSS") // 4/10
	reportSeq(t, b, "SSSS")       // the four failures slid out: 0/10
	s := b.Snapshot()
	require.Equal(t, Closed, s.State)
	require.Equal(t, 10, s.WindowCalls)
	require.Equal(t, 0, s.WindowFailures)
	reportSeq(t, b, "FFFF") // 4/10
	s = b.Snapshot()
	require.Equal(t, 4, s.WindowFailures)
	require.Equal(t, Closed, s.State)
	reportSeq(t, b, "F") // 5/10
	require.Equal(t, Open, b.State(), "at 5 of 10")
}

func TestClosedTimeWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// 10 s window in 10 buckets; trip at 50% over at least 4 calls.
		b := mustNew(t, Config{ConsecutiveFailures: -1, WindowDuration: 10 * time.Second, MinimumCalls: 4, Adaptive: AdaptiveConfig{Disabled: true}})
		reportSeq(t, b, "FFF")
		time.Sleep(11 * time.Second) // the three failures leave the window
		require.Equal(t, 0, b.Snapshot().WindowCalls, "window calls after it slid")
		reportSeq(t, b, "SSF")
		time.Sleep(5 * time.Second)
		reportSeq(t, b, "S") // 1 of 4
		s := b.Snapshot()
		require.Equal(t, Closed, s.State)
		require.Equal(t, 4, s.WindowCalls)
		require.Equal(t, 1, s.WindowFailures)
		time.Sleep(6 * time.Second) // SSF (at t=11 s) leave; S (t=16 s) stays
		s = b.Snapshot()
		require.Equal(t, 1, s.WindowCalls, "calls left")
		require.Equal(t, 0, s.WindowFailures)
		reportSeq(t, b, "FF") // 2 of 3: under minimum
		require.Equal(t, Closed, b.State(), "tripped under minimum calls")
		reportSeq(t, b, "S") // 2 of 4 = 0.5
		require.Equal(t, Open, b.State(), "at 2 of 4")
	})
}

func TestClosedSlowCalls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var rec recorder
		b := mustNew(t, Config{
			ConsecutiveFailures: -1, FailureRateThreshold: -1,
			SlowCallThreshold: time.Second, SlowCallRateThreshold: 0.5,
			WindowSize: 4, MinimumCalls: 4,
			Adaptive:      AdaptiveConfig{Disabled: true},
			OnStateChange: rec.on,
		})
		timed(t, b, time.Second, Success)   // exactly the threshold: not slow
		timed(t, b, 2*time.Second, Success) // slow success
		timed(t, b, 0, Success)
		s := b.Snapshot()
		require.Equal(t, 1, s.WindowSlowCalls)
		require.Equal(t, uint64(1), s.Totals.Slow)
		require.Equal(t, Closed, s.State)
		timed(t, b, 0, Neutral)             // neutral: not a call, never slow
		timed(t, b, 5*time.Second, Neutral) // idem
		timed(t, b, 3*time.Second, Failure) // slow failure: 2 of 4
		require.Equal(t, []string{"closed>open(slow_call_rate)"}, rec.path())
		s = b.Snapshot()
		require.Equal(t, uint64(2), s.Totals.Slow)
		require.Equal(t, 2, s.WindowSlowCalls)
		require.Equal(t, 4, s.WindowCalls)
	})
}

func TestClosedSlowCallsOffByDefault(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustNew(t, Config{})
		for range 30 {
			timed(t, b, time.Hour, Success)
		}
		s := b.Snapshot()
		require.Equal(t, Closed, s.State)
		require.Equal(t, uint64(0), s.Totals.Slow)
	})
}
