package breaker

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

// halfOpen returns a breaker that has just turned half-open, with n probes.
func halfOpen(t *testing.T, cfg Config) (*Breaker, *recorder) {
	t.Helper()
	b, rec := tripped(t, cfg)
	time.Sleep(b.Snapshot().RetryAfter)
	require.Equal(t, HalfOpen, b.State())
	return b, rec
}

func acquireN(t *testing.T, b *Breaker, n int) []Permit {
	t.Helper()
	ps := make([]Permit, n)
	for i := range ps {
		p, err := b.Acquire()
		require.NoError(t, err, "probe %d", i)
		require.True(t, p.Probe(), "probe %d: not a probe", i)
		ps[i] = p
	}
	return ps
}

func wantRefused(t *testing.T, b *Breaker) {
	t.Helper()
	_, err := b.Acquire()
	require.ErrorIs(t, err, ErrTooManyProbes)
	require.ErrorIs(t, err, ErrOpen)
}

func TestHalfOpenAdmitsExactlyProbes(t *testing.T) {
	for _, n := range []int{1, 3, 5} {
		t.Run("", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b, rec := halfOpen(t, Config{HalfOpenProbes: n, Adaptive: AdaptiveConfig{Disabled: true}})
				ps := acquireN(t, b, n)
				wantRefused(t, b)
				for i, p := range ps {
					p.Done(Success)
					// A success does not free a permit: n successes close.
					if i < n-1 {
						wantRefused(t, b)
					}
				}
				require.Equal(t, []string{"closed>open(consecutive_failures)", "open>half-open(open_elapsed)", "half-open>closed(probes_succeeded)"}, rec.path())
				// A fresh closed state.
				s := b.Snapshot()
				require.Equal(t, Closed, s.State)
				require.Equal(t, 0, s.ConsecutiveFailures)
				require.Equal(t, 0, s.WindowCalls)
				require.Equal(t, uint64(5+n), s.Totals.Admitted)
			})
		})
	}
}

func TestHalfOpenProbeOutcomes(t *testing.T) {
	tests := []struct {
		name     string
		outcomes []Outcome // for the three probes, in order
		sleep    time.Duration
		want     State
		wantLast string // last transition, or "" for none after half-open
		inFlight int    // probes in flight after, when still half-open
	}{
		{"all succeed", []Outcome{Success, Success, Success}, 0, Closed, "half-open>closed(probes_succeeded)", 0},
		{"first fails", []Outcome{Failure}, 0, Open, "half-open>open(probe_failed)", 0},
		{"last fails", []Outcome{Success, Success, Failure}, 0, Open, "half-open>open(probe_failed)", 0},
		{"slow success re-opens", []Outcome{Success}, 2 * time.Second, Open, "half-open>open(probe_slow)", 0},
		{"neutral keeps half-open", []Outcome{Neutral, Success}, 0, HalfOpen, "", 1},
		{"unknown outcome is failure", []Outcome{Outcome(0)}, 0, Open, "half-open>open(probe_failed)", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				b, rec := halfOpen(t, Config{SlowCallThreshold: time.Second, Adaptive: AdaptiveConfig{Disabled: true}})
				ps := acquireN(t, b, 3)
				time.Sleep(tc.sleep)
				for i, o := range tc.outcomes {
					ps[i].Done(o)
				}
				require.Equal(t, tc.want, b.State())
				path := rec.path()
				if tc.wantLast != "" {
					require.Equal(t, tc.wantLast, path[len(path)-1], "last transition")
				} else {
					require.Len(t, path, 2, "path %v, want no transition after half-open", path)
				}
				out, _, _ := inner(b)
				require.Equal(t, tc.inFlight, out, "probes in flight")
				// Probes still held from an ended half-open state report late.
				for _, p := range ps[len(tc.outcomes):] {
					p.Done(Success)
				}
				if tc.want != HalfOpen {
					require.Equal(t, tc.want, b.State(), "late probes moved the state")
				}
			})
		})
	}
}

func TestHalfOpenNeutralProbeReturnsPermit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, _ := halfOpen(t, Config{Adaptive: AdaptiveConfig{Disabled: true}})
		ps := acquireN(t, b, 3)
		wantRefused(t, b)
		ps[0].Done(Neutral)
		ps[0].Done(Neutral) // a second report is ignored: one permit back, not two
		ps = append(ps[1:], acquireN(t, b, 1)...)
		wantRefused(t, b)
		for _, p := range ps {
			p.Done(Success)
		}
		s := b.Snapshot()
		require.Equal(t, Closed, s.State, "closed after 3 successes and 1 neutral")
		require.Equal(t, uint64(1), s.Totals.Neutral)
		require.Equal(t, uint64(3), s.Totals.Successes)
	})
}

func TestHalfOpenPermitReleasedOnPanicAndCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b, rec := halfOpen(t, Config{HalfOpenProbes: 2, Adaptive: AdaptiveConfig{Disabled: true}})

		// The caller cancels its context during the probe: neutral, and
		// the permit comes back.
		ctx, cancel := context.WithCancel(context.Background())
		err := b.Execute(ctx, func(ctx context.Context) error {
			cancel()
			<-ctx.Done()
			return ctx.Err()
		}, nil)
		require.ErrorIs(t, err, context.Canceled, "Execute")
		out, ok, _ := inner(b)
		require.Equal(t, 0, out, "probes out after cancellation")
		require.Equal(t, 0, ok, "probes ok after cancellation")
		require.Equal(t, HalfOpen, b.State(), "after cancellation")

		// The two-step form with the deferred-recover pattern.
		func() {
			defer func() { _ = recover() }()
			done, err := b.Allow()
			require.NoError(t, err)
			defer func() {
				if r := recover(); r != nil {
					done(Failure)
					panic(r)
				}
				done(Success)
			}()
			panic("provider bug")
		}()
		out, _, _ = inner(b)
		require.Equal(t, 0, out, "probes out after panic")
		require.Equal(t, Open, b.State(), "after panic")

		// A panic inside Execute re-opens as well, and the panic goes on.
		time.Sleep(b.Snapshot().RetryAfter)
		require.PanicsWithValue(t, "boom", func() {
			_ = b.Execute(context.Background(), func(context.Context) error { panic("boom") }, nil)
		})
		out, _, _ = inner(b)
		require.Equal(t, 0, out, "probes out after Execute panic")
		require.Equal(t, Open, b.State(), "after Execute panic")
		want := []string{
			"closed>open(consecutive_failures)", "open>half-open(open_elapsed)",
			"half-open>open(probe_failed)", "open>half-open(open_elapsed)", "half-open>open(probe_failed)",
		}
		require.Equal(t, want, rec.path())
	})
}

func TestHalfOpenIgnoresCallsAdmittedWhileClosed(t *testing.T) {
	// failsafe-go's breaker releases a half-open permit for any recorded
	// result; here a call admitted while closed and finishing while
	// half-open neither frees a permit nor counts as a probe.
	synctest.Test(t, func(t *testing.T) {
		b := mustNew(t, Config{HalfOpenProbes: 1, Adaptive: AdaptiveConfig{Disabled: true}})
		early, _ := b.Acquire()
		reportN(t, b, Failure, 5)
		time.Sleep(DefaultOpenDuration)
		probe := acquireN(t, b, 1)[0]
		early.Done(Success)
		wantRefused(t, b)
		early.Done(Failure) // and again: still nothing
		s := b.Snapshot()
		require.Equal(t, HalfOpen, s.State)
		require.Equal(t, 1, s.ProbesInFlight)
		require.Equal(t, uint64(1), s.Totals.Late)
		probe.Done(Success)
		require.Equal(t, Closed, b.State(), "the real probe did not close the breaker")
	})
}
