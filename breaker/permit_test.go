package breaker

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPermitDoneOnce(t *testing.T) {
	b := mustNew(t, Config{Adaptive: AdaptiveConfig{Disabled: true}})
	p, err := b.Acquire()
	require.NoError(t, err)
	cp := p
	p.Done(Failure)
	p.Done(Failure)
	cp.Done(Failure) // a copy is the same permit
	s := b.Snapshot()
	require.Equal(t, uint64(1), s.Totals.Failures)
	require.Equal(t, 1, s.ConsecutiveFailures)
}

func TestPermitStaleDoneDoesNotCompleteNewHolder(t *testing.T) {
	b := mustNew(t, Config{Adaptive: AdaptiveConfig{Disabled: true}})
	first, _ := b.Acquire()
	first.Done(Success)
	// The pool may hand the same slot to the next permit; the stale
	// permit's second Done must not complete it.
	second, _ := b.Acquire()
	first.Done(Failure)
	s := b.Snapshot()
	require.Equal(t, uint64(0), s.Totals.Failures, "a stale Done counted")
	require.Equal(t, uint64(1), s.Totals.Successes)
	second.Done(Failure)
	require.Equal(t, uint64(1), b.Snapshot().Totals.Failures, "the new holder's Done was lost")
}

func TestZeroPermitAndRefusedDone(t *testing.T) {
	var p Permit
	p.Done(Failure) // no panic, nothing to count
	require.False(t, p.Probe(), "zero permit is a probe")
	b := mustNew(t, Config{ConsecutiveFailures: 1, Adaptive: AdaptiveConfig{Disabled: true}})
	report(t, b, Failure)
	done, err := b.Allow()
	require.ErrorIs(t, err, ErrOpen, "Allow")
	require.NotNil(t, done, "Allow: want a no-op done")
	done(Failure)
	pp, err := b.Acquire()
	require.ErrorIs(t, err, ErrOpen, "Acquire")
	require.Equal(t, Permit{}, pp, "Acquire: want the zero permit")
	s := b.Snapshot()
	require.Equal(t, uint64(1), s.Totals.Failures)
	require.Equal(t, uint64(2), s.Totals.Rejected)
}

func TestAllowDoneTwice(t *testing.T) {
	b := mustNew(t, Config{ConsecutiveFailures: 2, Adaptive: AdaptiveConfig{Disabled: true}})
	done, err := b.Allow()
	require.NoError(t, err)
	done(Failure)
	done(Failure) // would trip if it counted
	require.Equal(t, Closed, b.State(), "the second done counted")
}

func TestUnknownOutcomeIsFailure(t *testing.T) {
	b := mustNew(t, Config{Adaptive: AdaptiveConfig{Disabled: true}})
	report(t, b, Outcome(0))
	report(t, b, Outcome(42))
	s := b.Snapshot()
	require.Equal(t, uint64(2), s.Totals.Failures)
	require.Equal(t, 2, s.ConsecutiveFailures)
}

func TestStrings(t *testing.T) {
	tests := []struct {
		got, want string
	}{
		{Closed.String(), "closed"}, {Open.String(), "open"}, {HalfOpen.String(), "half-open"}, {State(9).String(), "state(9)"},
		{Success.String(), "success"}, {Failure.String(), "failure"}, {Neutral.String(), "neutral"}, {Outcome(0).String(), "outcome(0)"},
		{CauseSlowCallRate.String(), "slow_call_rate"}, {CauseProbesSucceeded.String(), "probes_succeeded"}, {Cause(99).String(), "cause(99)"},
		{ErrTooManyProbes.Error(), "breaker: open: half-open probe permits exhausted"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, tc.got)
	}
	b, _ := HalfOpen.MarshalText()
	assert.Equal(t, "half-open", string(b), "MarshalText")
}
