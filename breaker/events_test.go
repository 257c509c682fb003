package breaker

import (
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

func TestEventsRunWithoutLock(t *testing.T) {
	// A callback that reads the breaker and even makes calls through it
	// would deadlock if it ran under the lock (gobreaker's known bug).
	synctest.Test(t, func(t *testing.T) {
		var b *Breaker
		var seen []string
		b = mustNew(t, Config{ConsecutiveFailures: 1, Adaptive: AdaptiveConfig{Disabled: true}, OnStateChange: func(ev StateChange) {
			s := b.Snapshot()
			seen = append(seen, ev.From.String()+">"+ev.To.String()+" state="+s.State.String())
			if ev.To == HalfOpen {
				// A nested call: its own transition is queued and delivered
				// after this one returns, still in order.
				p, err := b.Acquire()
				if err != nil {
					t.Errorf("nested Acquire: %v", err)
					return
				}
				p.Done(Failure)
			}
		}})
		report(t, b, Failure)
		time.Sleep(DefaultOpenDuration)
		b.State()
		want := []string{"closed>open state=open", "open>half-open state=half-open", "half-open>open state=open"}
		if !slices.Equal(seen, want) {
			t.Fatalf("seen %v, want %v", seen, want)
		}
	})
}

func TestEventsSurviveCallbackPanic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var rec recorder
		first := true
		b := mustNew(t, Config{ConsecutiveFailures: 1, Adaptive: AdaptiveConfig{Disabled: true}, OnStateChange: func(ev StateChange) {
			if first {
				first = false
				panic("observer bug")
			}
			rec.on(ev)
		}})
		func() {
			defer func() {
				if r := recover(); r != "observer bug" {
					t.Fatalf("recovered %v", r)
				}
			}()
			report(t, b, Failure)
		}()
		if b.State() != Open {
			t.Fatal("a panicking observer corrupted the state")
		}
		time.Sleep(DefaultOpenDuration)
		report(t, b, Success)
		if got := rec.path(); !slices.Equal(got, []string{"open>half-open(open_elapsed)"}) {
			t.Fatalf("path %v: delivery did not resume", got)
		}
	})
}

func TestEventFields(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		b, rec := tripped(t, Config{WindowSize: 10, ConsecutiveFailures: -1, MinimumCalls: 5})
		time.Sleep(DefaultOpenDuration)
		reportN(t, b, Success, 3)
		want := []StateChange{
			{From: Closed, To: Open, At: start, Cause: CauseFailureRate, Reason: "failure rate 1 (5 of 5 calls) reached the threshold of 0.5", OpenDuration: time.Minute},
			{From: Open, To: HalfOpen, At: start.Add(time.Minute), Cause: CauseOpenElapsed, Reason: "open duration of 1m0s elapsed"},
			{From: HalfOpen, To: Closed, At: start.Add(time.Minute), Cause: CauseProbesSucceeded, Reason: "3 of 3 half-open probes succeeded"},
		}
		got := rec.events()
		if len(got) != len(want) {
			t.Fatalf("events %+v", got)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("event %d\n got %+v\nwant %+v", i, got[i], want[i])
			}
		}
	})
}

func TestCallbackPanicOnAdmissionReleasesProbe(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustNew(t, Config{ConsecutiveFailures: 1, HalfOpenProbes: 1, Adaptive: AdaptiveConfig{Disabled: true},
			OnStateChange: func(ev StateChange) {
				if ev.To == HalfOpen {
					panic("observer bug")
				}
			}})
		report(t, b, Failure)
		time.Sleep(DefaultOpenDuration)
		func() {
			defer func() { _ = recover() }()
			_, _ = b.Acquire() // admits the only probe, then the observer panics
			t.Fatal("no panic")
		}()
		if s := b.Snapshot(); s.State != HalfOpen || s.ProbesInFlight != 0 || s.Totals.Neutral != 1 {
			t.Fatalf("snapshot %+v: the probe permit leaked", s)
		}
		report(t, b, Success) // the permit is there for the next caller
		if b.State() != Closed {
			t.Fatal("not closed")
		}
	})
}
