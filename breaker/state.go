package breaker

import (
	"strconv"
	"time"
)

// State is a breaker's state.
type State uint8

// The three states. The zero State is Closed.
const (
	// Closed lets every call through and watches the outcomes.
	Closed State = iota
	// Open refuses every call with ErrOpen until the open duration passes.
	Open
	// HalfOpen admits a limited number of probe calls; they decide whether
	// the breaker closes again or re-opens.
	HalfOpen
)

var stateNames = [...]string{"closed", "open", "half-open"}

// String returns "closed", "open" or "half-open".
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "state(" + strconv.Itoa(int(s)) + ")"
}

// MarshalText encodes the state as its String form, for dashboards.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Outcome is what a caller reports about a call the breaker admitted.
type Outcome uint8

// The outcomes. The zero Outcome is not one of them; done and Permit.Done
// count it, and any other unknown value, as a Failure, so that a forgotten
// classification errs on the side of protecting the provider.
const (
	// Success is a call the provider answered well. A slow success still
	// counts as slow when slow-call detection is on.
	Success Outcome = iota + 1
	// Failure is a call the provider is to blame for.
	Failure
	// Neutral is a call that says nothing about the provider: the caller
	// cancelled it, or the caller's own request was at fault (a Permanent
	// error such as bad params). It counts neither as a success nor as a
	// failure, and a half-open probe that ends neutral hands its permit back
	// for another caller to probe with.
	Neutral
)

// String returns "success", "failure" or "neutral".
func (o Outcome) String() string {
	switch o {
	case Success:
		return "success"
	case Failure:
		return "failure"
	case Neutral:
		return "neutral"
	}
	return "outcome(" + strconv.Itoa(int(o)) + ")"
}

// Cause says why a transition happened.
type Cause uint8

// The causes of transitions.
const (
	// CauseConsecutiveFailures: a closed breaker saw its consecutive-failure
	// threshold reached.
	CauseConsecutiveFailures Cause = iota
	// CauseFailureRate: a closed breaker's failure rate over the window
	// reached its threshold.
	CauseFailureRate
	// CauseSlowCallRate: a closed breaker's slow-call rate over the window
	// reached its threshold.
	CauseSlowCallRate
	// CauseProbeFailed: a half-open probe failed.
	CauseProbeFailed
	// CauseProbeSlow: a half-open probe succeeded, but slowly.
	CauseProbeSlow
	// CauseOpenElapsed: the open duration passed (open to half-open).
	CauseOpenElapsed
	// CauseProbesSucceeded: every probe permit ended in a success (half-open
	// to closed).
	CauseProbesSucceeded
)

var causeNames = [...]string{"consecutive_failures", "failure_rate", "slow_call_rate", "probe_failed", "probe_slow", "open_elapsed", "probes_succeeded"}

// String returns the cause's snake_case name ("slow_call_rate").
func (c Cause) String() string {
	if int(c) < len(causeNames) {
		return causeNames[c]
	}
	return "cause(" + strconv.Itoa(int(c)) + ")"
}

// StateChange describes one transition, as passed to Config.OnStateChange.
type StateChange struct {
	// From and To are the states before and after.
	From, To State
	// At is when the transition happened.
	At time.Time
	// Cause says why, in a form to switch on.
	Cause Cause
	// Reason says why in words, with the figures that decided it
	// ("5 consecutive failures reached the threshold of 5").
	Reason string
	// OpenDuration is how long the breaker will stay open, after
	// adaptation, when To is Open; zero otherwise.
	OpenDuration time.Duration
}
