package breaker

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
				if !assert.NoError(t, err, "nested Acquire") {
					return
				}
				p.Done(Failure)
			}
		}})
		report(t, b, Failure)
		time.Sleep(DefaultOpenDuration)
		b.State()
		want := []string{"closed>open state=open", "open>half-open state=half-open", "half-open>open state=open"}
		require.Equal(t, want, seen)
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
		require.PanicsWithValue(t, "observer bug", func() { report(t, b, Failure) })
		require.Equal(t, Open, b.State(), "a panicking observer corrupted the state")
		time.Sleep(DefaultOpenDuration)
		report(t, b, Success)
		require.Equal(t, []string{"open>half-open(open_elapsed)"}, rec.path(), "delivery did not resume")
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
		require.Len(t, got, len(want), "events %+v", got)
		for i := range want {
			assert.Equal(t, want[i], got[i], "event %d", i)
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
		// Acquire admits the only probe, then the observer panics.
		require.Panics(t, func() { _, _ = b.Acquire() })
		s := b.Snapshot()
		require.Equal(t, HalfOpen, s.State)
		require.Equal(t, 0, s.ProbesInFlight, "the probe permit leaked")
		require.Equal(t, uint64(1), s.Totals.Neutral)
		report(t, b, Success) // the permit is there for the next caller
		require.Equal(t, Closed, b.State())
	})
}
