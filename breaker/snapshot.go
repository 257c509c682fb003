package breaker

import "time"

// Counts are a breaker's running totals since New. Every admitted call ends
// up in exactly one of Successes, Failures and Neutral once its outcome is
// reported, so Admitted − (Successes + Failures + Neutral) is the number of
// calls in flight.
type Counts struct {
	// Admitted is the number of calls Allow or Acquire let through.
	Admitted uint64
	// Rejected is the number of calls refused with ErrOpen or
	// ErrTooManyProbes.
	Rejected uint64
	// Successes, Failures and Neutral count the reported outcomes.
	Successes, Failures, Neutral uint64
	// Slow counts the successes and failures that took longer than
	// SlowCallThreshold (zero when slow-call detection is off).
	Slow uint64
	// Late counts outcomes reported after the state that admitted the call
	// had ended; they are in the totals above and in the adaptive history,
	// but do not decide the current state.
	Late uint64
}

// Snapshot is a point-in-time view of a breaker, for dashboards, the router
// and the resolver's snapshot.
type Snapshot struct {
	// State is the current state, and Since when the breaker entered it.
	State State
	Since time.Time
	// OpenDuration is, when open, how long this open period lasts; in the
	// other states, how long the next trip would keep the breaker open. Both
	// are after adaptation.
	OpenDuration time.Duration
	// RetryAfter is, when open, how long until the breaker turns half-open;
	// zero otherwise.
	RetryAfter time.Duration
	// ConsecutiveFailureThreshold and FailureRateThreshold are the trip
	// thresholds in force after adaptation; zero means the condition is off.
	ConsecutiveFailureThreshold int
	FailureRateThreshold        float64
	// ConsecutiveFailures is the current run of failures (closed state).
	ConsecutiveFailures int
	// WindowCalls, WindowFailures and WindowSlowCalls are the counts in the
	// sliding window: the current closed period's, or, while open or
	// half-open, those of the closed period that ended in the trip.
	WindowCalls, WindowFailures, WindowSlowCalls int
	// ProbesInFlight and ProbeSuccesses describe the half-open state.
	ProbesInFlight, ProbeSuccesses int
	// Trips is how many times the breaker has opened since New.
	Trips uint64
	// TripStreak is the number of trips since the last clean recovery, the
	// exponent base of the adaptive open duration (zero when adaptation is
	// off).
	TripStreak int
	// Recovering is true while a breaker that closed after half-open has
	// not yet made a clean recovery.
	Recovering bool
	// HistoryCalls and HistoryFailureRate describe the adaptive history of
	// recent outcomes (zero when adaptation is off).
	HistoryCalls       int
	HistoryFailureRate float64
	// Totals are the running counts since New.
	Totals Counts
}

// WindowFailureRate returns WindowFailures/WindowCalls, or 0 for an empty
// window.
func (s Snapshot) WindowFailureRate() float64 {
	if s.WindowCalls == 0 {
		return 0
	}
	return float64(s.WindowFailures) / float64(s.WindowCalls)
}

// WindowSlowCallRate returns WindowSlowCalls/WindowCalls, or 0 for an
// empty window.
func (s Snapshot) WindowSlowCallRate() float64 {
	if s.WindowCalls == 0 {
		return 0
	}
	return float64(s.WindowSlowCalls) / float64(s.WindowCalls)
}

// Snapshot returns the breaker's current figures. Like State, it first turns
// an open breaker whose open duration has passed half-open.
func (b *Breaker) Snapshot() Snapshot {
	b.mu.Lock()
	now := b.refreshLocked()
	if b.win.timed && now.IsZero() {
		now = time.Now()
	}
	s := Snapshot{
		State:                       b.state,
		Since:                       b.since,
		ConsecutiveFailureThreshold: b.curConsecutive,
		FailureRateThreshold:        b.curRate,
		ConsecutiveFailures:         b.consecutive,
		ProbesInFlight:              b.probesOut,
		ProbeSuccesses:              b.probesOK,
		Trips:                       b.trips,
		TripStreak:                  b.streak,
		Recovering:                  b.probation,
		HistoryCalls:                b.history.n,
		HistoryFailureRate:          b.history.failureRate(),
		Totals:                      b.totalsLocked(),
	}
	if b.state == Closed {
		s.WindowCalls, s.WindowFailures, s.WindowSlowCalls = b.win.counts(now)
	} else {
		s.WindowCalls, s.WindowFailures, s.WindowSlowCalls = b.atTrip[0], b.atTrip[1], b.atTrip[2]
	}
	if b.state == Open {
		s.OpenDuration = b.openFor
		s.RetryAfter = max(0, b.openFor-now.Sub(b.openedAt))
	} else {
		s.OpenDuration = b.s.openDurationFor(b.streak + 1)
	}
	deliver := b.takeDeliveryLocked()
	b.mu.Unlock()
	if deliver {
		b.deliver()
	}
	return s
}
