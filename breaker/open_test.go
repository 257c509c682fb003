package breaker

import (
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

// tripped returns a breaker opened by five failures, with adaptation off
// unless cfg turns it on.
func tripped(t *testing.T, cfg Config) (*Breaker, *recorder) {
	t.Helper()
	rec := &recorder{}
	cfg.OnStateChange = rec.on
	b := mustNew(t, cfg)
	reportN(t, b, Failure, 5)
	if b.State() != Open {
		t.Fatalf("not open after 5 failures")
	}
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
			if s.State != Open || s.RetryAfter != step.wantAfter || s.OpenDuration != 30*time.Second {
				t.Fatalf("after %v: snapshot %+v, want open, retry after %v", step.sleep, s, step.wantAfter)
			}
			done, err := b.Allow()
			if !errors.Is(err, ErrOpen) || err.Error() != "breaker: open" {
				t.Fatalf("Allow: %v, want ErrOpen", err)
			}
			done(Failure) // the no-op done of a refusal
		}
		time.Sleep(1) // exactly the open duration
		p, err := b.Acquire()
		if err != nil || !p.Probe() {
			t.Fatalf("Acquire at the open duration: %v probe=%v, want a probe", err, p.Probe())
		}
		p.Done(Success)
		s := b.Snapshot()
		if s.State != HalfOpen || s.Totals.Rejected != 3 || s.Totals.Failures != 5 {
			t.Fatalf("snapshot %+v, want half-open, 3 rejected, 5 failures (refusals' done ignored)", s)
		}
		if got := rec.path(); !slices.Equal(got, []string{"closed>open(consecutive_failures)", "open>half-open(open_elapsed)"}) {
			t.Fatalf("path %v", got)
		}
		if evs := rec.events(); !evs[1].At.Equal(evs[0].At.Add(30 * time.Second)) {
			t.Fatalf("half-open at %v, want open time + 30s (%v)", evs[1].At, evs[0].At)
		}
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
				if got := r.read(b); got != Open {
					t.Fatalf("%s before the duration: %v", r.name, got)
				}
				time.Sleep(time.Nanosecond)
				if got := r.read(b); got != HalfOpen {
					t.Fatalf("%s at the duration: %v", r.name, got)
				}
				if n := len(rec.events()); n != 2 {
					t.Fatalf("%d events, want 2", n)
				}
			})
		})
	}
}

func TestOpenIgnoresLateOutcomes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := mustNew(t, Config{Adaptive: AdaptiveConfig{Disabled: true}})
		early, err := b.Acquire() // admitted while closed
		if err != nil {
			t.Fatal(err)
		}
		reportN(t, b, Failure, 5)
		early.Done(Success) // arrives while open
		s := b.Snapshot()
		if s.State != Open || s.Totals.Late != 1 || s.Totals.Successes != 1 || s.ConsecutiveFailures != 5 {
			t.Fatalf("snapshot %+v, want open with one late success", s)
		}
	})
}
