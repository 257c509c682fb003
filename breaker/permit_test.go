package breaker

import (
	"errors"
	"testing"
)

func TestPermitDoneOnce(t *testing.T) {
	b := mustNew(t, Config{Adaptive: AdaptiveConfig{Disabled: true}})
	p, err := b.Acquire()
	if err != nil {
		t.Fatal(err)
	}
	cp := p
	p.Done(Failure)
	p.Done(Failure)
	cp.Done(Failure) // a copy is the same permit
	if s := b.Snapshot(); s.Totals.Failures != 1 || s.ConsecutiveFailures != 1 {
		t.Fatalf("snapshot %+v, want one failure", s)
	}
}

func TestPermitStaleDoneDoesNotCompleteNewHolder(t *testing.T) {
	b := mustNew(t, Config{Adaptive: AdaptiveConfig{Disabled: true}})
	first, _ := b.Acquire()
	first.Done(Success)
	// The pool may hand the same slot to the next permit; the stale
	// permit's second Done must not complete it.
	second, _ := b.Acquire()
	first.Done(Failure)
	if s := b.Snapshot(); s.Totals.Failures != 0 || s.Totals.Successes != 1 {
		t.Fatalf("snapshot %+v: a stale Done counted", s)
	}
	second.Done(Failure)
	if s := b.Snapshot(); s.Totals.Failures != 1 {
		t.Fatalf("snapshot %+v: the new holder's Done was lost", s)
	}
}

func TestZeroPermitAndRefusedDone(t *testing.T) {
	var p Permit
	p.Done(Failure) // no panic, nothing to count
	if p.Probe() {
		t.Fatal("zero permit is a probe")
	}
	b := mustNew(t, Config{ConsecutiveFailures: 1, Adaptive: AdaptiveConfig{Disabled: true}})
	report(t, b, Failure)
	done, err := b.Allow()
	if !errors.Is(err, ErrOpen) || done == nil {
		t.Fatalf("Allow: %v, done nil=%v; want ErrOpen and a no-op done", err, done == nil)
	}
	done(Failure)
	pp, err := b.Acquire()
	if !errors.Is(err, ErrOpen) || pp != (Permit{}) {
		t.Fatalf("Acquire: %v %+v; want ErrOpen and the zero permit", err, pp)
	}
	if s := b.Snapshot(); s.Totals.Failures != 1 || s.Totals.Rejected != 2 {
		t.Fatalf("snapshot %+v", s)
	}
}

func TestAllowDoneTwice(t *testing.T) {
	b := mustNew(t, Config{ConsecutiveFailures: 2, Adaptive: AdaptiveConfig{Disabled: true}})
	done, err := b.Allow()
	if err != nil {
		t.Fatal(err)
	}
	done(Failure)
	done(Failure) // would trip if it counted
	if st := b.State(); st != Closed {
		t.Fatalf("state %v: the second done counted", st)
	}
}

func TestUnknownOutcomeIsFailure(t *testing.T) {
	b := mustNew(t, Config{Adaptive: AdaptiveConfig{Disabled: true}})
	report(t, b, Outcome(0))
	report(t, b, Outcome(42))
	if s := b.Snapshot(); s.Totals.Failures != 2 || s.ConsecutiveFailures != 2 {
		t.Fatalf("snapshot %+v, want 2 failures", s)
	}
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
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	if b, _ := HalfOpen.MarshalText(); string(b) != "half-open" {
		t.Errorf("MarshalText %q", b)
	}
}
