package breaker

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

// halfOpen returns a breaker that has just turned half-open, with n probes.
func halfOpen(t *testing.T, cfg Config) (*Breaker, *recorder) {
	t.Helper()
	b, rec := tripped(t, cfg)
	time.Sleep(b.Snapshot().RetryAfter)
	if st := b.State(); st != HalfOpen {
		t.Fatalf("state %v, want half-open", st)
	}
	return b, rec
}

func acquireN(t *testing.T, b *Breaker, n int) []Permit {
	t.Helper()
	ps := make([]Permit, n)
	for i := range ps {
		p, err := b.Acquire()
		if err != nil {
			t.Fatalf("probe %d: %v", i, err)
		}
		if !p.Probe() {
			t.Fatalf("probe %d: not a probe", i)
		}
		ps[i] = p
	}
	return ps
}

func wantRefused(t *testing.T, b *Breaker) {
	t.Helper()
	_, err := b.Acquire()
	if !errors.Is(err, ErrTooManyProbes) || !errors.Is(err, ErrOpen) {
		t.Fatalf("Acquire: %v, want ErrTooManyProbes matching ErrOpen", err)
	}
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
				if got := rec.path(); !slices.Equal(got, []string{"closed>open(consecutive_failures)", "open>half-open(open_elapsed)", "half-open>closed(probes_succeeded)"}) {
					t.Fatalf("path %v", got)
				}
				s := b.Snapshot()
				if s.State != Closed || s.ConsecutiveFailures != 0 || s.WindowCalls != 0 || s.Totals.Admitted != uint64(5+n) {
					t.Fatalf("snapshot %+v, want a fresh closed state", s)
				}
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
				if got := b.State(); got != tc.want {
					t.Fatalf("state %v, want %v", got, tc.want)
				}
				path := rec.path()
				if last := path[len(path)-1]; tc.wantLast != "" && last != tc.wantLast {
					t.Fatalf("last transition %s, want %s", last, tc.wantLast)
				} else if tc.wantLast == "" && len(path) != 2 {
					t.Fatalf("path %v, want no transition after half-open", path)
				}
				if out, _, _ := inner(b); out != tc.inFlight {
					t.Fatalf("%d probes in flight, want %d", out, tc.inFlight)
				}
				// Probes still held from an ended half-open state report late.
				for _, p := range ps[len(tc.outcomes):] {
					p.Done(Success)
				}
				if got := b.State(); got != tc.want && tc.want != HalfOpen {
					t.Fatalf("late probes moved the state to %v", got)
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
		if s := b.Snapshot(); s.State != Closed || s.Totals.Neutral != 1 || s.Totals.Successes != 3 {
			t.Fatalf("snapshot %+v, want closed after 3 successes and 1 neutral", s)
		}
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
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Execute: %v", err)
		}
		if out, ok, _ := inner(b); out != 0 || ok != 0 || b.State() != HalfOpen {
			t.Fatalf("after cancellation: %d out, %d ok, state %v; want 0, 0, half-open", out, ok, b.State())
		}

		// The two-step form with the deferred-recover pattern.
		func() {
			defer func() { _ = recover() }()
			done, err := b.Allow()
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if r := recover(); r != nil {
					done(Failure)
					panic(r)
				}
				done(Success)
			}()
			panic("provider bug")
		}()
		if out, _, _ := inner(b); out != 0 || b.State() != Open {
			t.Fatalf("after panic: %d out, state %v; want 0, open", out, b.State())
		}

		// A panic inside Execute re-opens as well, and the panic goes on.
		time.Sleep(b.Snapshot().RetryAfter)
		func() {
			defer func() {
				if r := recover(); r != "boom" {
					t.Fatalf("recovered %v, want boom", r)
				}
			}()
			_ = b.Execute(context.Background(), func(context.Context) error { panic("boom") }, nil)
		}()
		if out, _, _ := inner(b); out != 0 || b.State() != Open {
			t.Fatalf("after Execute panic: %d out, state %v", out, b.State())
		}
		want := []string{
			"closed>open(consecutive_failures)", "open>half-open(open_elapsed)",
			"half-open>open(probe_failed)", "open>half-open(open_elapsed)", "half-open>open(probe_failed)",
		}
		if got := rec.path(); !slices.Equal(got, want) {
			t.Fatalf("path %v, want %v", got, want)
		}
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
		if s := b.Snapshot(); s.State != HalfOpen || s.ProbesInFlight != 1 || s.Totals.Late != 1 {
			t.Fatalf("snapshot %+v, want half-open, 1 probe, 1 late", s)
		}
		probe.Done(Success)
		if b.State() != Closed {
			t.Fatal("the real probe did not close the breaker")
		}
	})
}
