package breaker

import (
	"slices"
	"testing"
	"testing/synctest"
	"time"
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
			if s.State != tc.wantState || s.Trips != tc.wantTrips {
				t.Fatalf("state %v trips %d, want %v %d", s.State, s.Trips, tc.wantState, tc.wantTrips)
			}
			if tc.wantState == Open {
				evs := rec.events()
				if len(evs) != 1 || evs[0].From != Closed || evs[0].To != Open || evs[0].Cause != tc.wantCause {
					t.Fatalf("events %+v, want one closed>open(%v)", evs, tc.wantCause)
				}
				if evs[0].OpenDuration != DefaultOpenDuration {
					t.Errorf("OpenDuration %v, want %v", evs[0].OpenDuration, DefaultOpenDuration)
				}
			} else if len(rec.events()) != 0 {
				t.Fatalf("unexpected events %+v", rec.events())
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
	if s.State != Closed || s.WindowCalls != 10 || s.WindowFailures != 0 {
		t.Fatalf("snapshot %+v, want closed with 0 of 10 failures", s)
	}
	reportSeq(t, b, "FFFF") // 4/10
	if got := b.Snapshot(); got.WindowFailures != 4 || got.State != Closed {
		t.Fatalf("snapshot %+v, want 4 failures, closed", got)
	}
	reportSeq(t, b, "F") // 5/10
	if got := b.State(); got != Open {
		t.Fatalf("state %v, want open at 5 of 10", got)
	}
}

func TestClosedTimeWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// 10 s window in 10 buckets; trip at 50% over at least 4 calls.
		b := mustNew(t, Config{ConsecutiveFailures: -1, WindowDuration: 10 * time.Second, MinimumCalls: 4, Adaptive: AdaptiveConfig{Disabled: true}})
		reportSeq(t, b, "FFF")
		time.Sleep(11 * time.Second) // the three failures leave the window
		if s := b.Snapshot(); s.WindowCalls != 0 {
			t.Fatalf("window %d calls after it slid, want 0", s.WindowCalls)
		}
		reportSeq(t, b, "SSF")
		time.Sleep(5 * time.Second)
		reportSeq(t, b, "S") // 1 of 4
		if s := b.Snapshot(); s.State != Closed || s.WindowCalls != 4 || s.WindowFailures != 1 {
			t.Fatalf("snapshot %+v, want closed, 1 failure in 4", s)
		}
		time.Sleep(6 * time.Second) // SSF (at t=11 s) leave; S (t=16 s) stays
		if s := b.Snapshot(); s.WindowCalls != 1 || s.WindowFailures != 0 {
			t.Fatalf("snapshot %+v, want 1 call left", s)
		}
		reportSeq(t, b, "FF") // 2 of 3: under minimum
		if b.State() != Closed {
			t.Fatal("tripped under minimum calls")
		}
		reportSeq(t, b, "S") // 2 of 4 = 0.5
		if b.State() != Open {
			t.Fatalf("state %v, want open at 2 of 4", b.State())
		}
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
		if s.WindowSlowCalls != 1 || s.Totals.Slow != 1 || s.State != Closed {
			t.Fatalf("snapshot %+v, want 1 slow call, closed", s)
		}
		timed(t, b, 0, Neutral)             // neutral: not a call, never slow
		timed(t, b, 5*time.Second, Neutral) // idem
		timed(t, b, 3*time.Second, Failure) // slow failure: 2 of 4
		if got := rec.path(); !slices.Equal(got, []string{"closed>open(slow_call_rate)"}) {
			t.Fatalf("path %v", got)
		}
		s = b.Snapshot()
		if s.Totals.Slow != 2 || s.WindowSlowCalls != 2 || s.WindowCalls != 4 {
			t.Fatalf("snapshot %+v, want 2 slow of 4", s)
		}
	})
}

func TestClosedSlowCallsOffByDefault(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustNew(t, Config{})
		for range 30 {
			timed(t, b, time.Hour, Success)
		}
		if s := b.Snapshot(); s.State != Closed || s.Totals.Slow != 0 {
			t.Fatalf("snapshot %+v, want closed, no slow calls", s)
		}
	})
}
