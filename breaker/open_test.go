package breaker

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

// tripped returns a breaker opened by five failures, with adaptation off
// unless cfg turns it on.
func tripped(t *testing.T, cfg Config) (*Breaker, *recorder) {
	t.Helper()
	rec := &recorder{}
	cfg.OnStateChange = rec.on
	b := mustNew(t, cfg)
	reportN(t, b, Failure, 5)
	require.Equal(t, Open, b.State(), "after 5 failures")
	return b, rec
}

func TestOpenRefusesUntilDurationPasses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, rec := tripped(t, Config{OpenDuration: 30 * time.Second, Adaptive: AdaptiveConfig{Disabled: true}})
		for _, step := range []struct {
			sleep     time.Duration
			wantAfter time.Duration
		}{{0, 30 * time.Second}, {10 * time.Second, 20 * time.Second}, {20*time.Second - 1, 1}} {
			time.Sleep(step.sleep)
			s := b.Snapshot()
			require.Equal(t, Open, s.State, "after %v", step.sleep)
			require.Equal(t, step.wantAfter, s.RetryAfter, "after %v: retry after", step.sleep)
			require.Equal(t, 30*time.Second, s.OpenDuration, "after %v", step.sleep)
			done, err := b.Allow()
			require.ErrorIs(t, err, ErrOpen, "Allow")
			require.EqualError(t, err, "breaker: open", "Allow")
			done(Failure) // the no-op done of a refusal
		}
		time.Sleep(1) // exactly the open duration
		p, err := b.Acquire()
		require.NoError(t, err, "Acquire at the open duration")
		require.True(t, p.Probe(), "Acquire at the open duration: not a probe")
		p.Done(Success)
		s := b.Snapshot()
		require.Equal(t, HalfOpen, s.State)
		require.Equal(t, uint64(3), s.Totals.Rejected)
		require.Equal(t, uint64(5), s.Totals.Failures, "refusals' done ignored")
		require.Equal(t, []string{"closed>open(consecutive_failures)", "open>half-open(open_elapsed)"}, rec.path())
		evs := rec.events()
		require.WithinDuration(t, evs[0].At.Add(30*time.Second), evs[1].At, 0, "half-open at open time + 30s")
	})
}

func TestOpenStateTurnsHalfOpenLazily(t *testing.T) {
	// The move to half-open happens on whichever reader comes first.
	readers := []struct {
		name string
		read func(*Breaker) State
	}{
		{"State", (*Breaker).State},
		{"Snapshot", func(b *Breaker) State { return b.Snapshot().State }},
		{"Allow", func(b *Breaker) State {
			done, err := b.Allow()
			if err != nil {
				return Open
			}
			done(Neutral)
			return HalfOpen
		}},
	}
	for _, r := range readers {
		t.Run(r.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b, rec := tripped(t, Config{Adaptive: AdaptiveConfig{Disabled: true}})
				time.Sleep(DefaultOpenDuration - time.Nanosecond)
				require.Equal(t, Open, r.read(b), "%s before the duration", r.name)
				time.Sleep(time.Nanosecond)
				require.Equal(t, HalfOpen, r.read(b), "%s at the duration", r.name)
				require.Len(t, rec.events(), 2)
			})
		})
	}
}

func TestOpenIgnoresLateOutcomes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustNew(t, Config{Adaptive: AdaptiveConfig{Disabled: true}})
		early, err := b.Acquire() // admitted while closed
		require.NoError(t, err)
		reportN(t, b, Failure, 5)
		early.Done(Success) // arrives while open
		s := b.Snapshot()
		require.Equal(t, Open, s.State, "open with one late success")
		require.Equal(t, uint64(1), s.Totals.Late)
		require.Equal(t, uint64(1), s.Totals.Successes)
		require.Equal(t, 5, s.ConsecutiveFailures)
	})
}
