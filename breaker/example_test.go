package breaker_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/strata-go/strata/breaker"
)

var errBadParams = errors.New("bad params")

// A breaker trips on consecutive failures, refuses calls while open, lets
// probes through once the open duration has passed, and closes when they
// succeed.
func Example() {
	b, err := breaker.New(breaker.Config{
		ConsecutiveFailures: 3,
		OpenDuration:        10 * time.Millisecond,
		HalfOpenProbes:      2,
		OnStateChange: func(ev breaker.StateChange) {
			fmt.Printf("%v -> %v: %s\n", ev.From, ev.To, ev.Reason)
		},
	})
	if err != nil {
		panic(err)
	}
	call := func(o breaker.Outcome) {
		done, err := b.Allow()
		if err != nil {
			fmt.Println("refused:", err)
			return
		}
		done(o)
	}
	for range 3 {
		call(breaker.Failure)
	}
	call(breaker.Success)
	time.Sleep(10 * time.Millisecond) // the open duration
	call(breaker.Success)
	call(breaker.Success)
	fmt.Println(b.State())
	// Output:
	// closed -> open: 3 consecutive failures reached the threshold of 3
	// refused: breaker: open
	// open -> half-open: open duration of 10ms elapsed
	// half-open -> closed: 2 of 2 half-open probes succeeded
	// closed
}

// The two-step form: call done exactly once on every path. The deferred
// function reports a panic as a Failure (here it also turns the panic into
// an error, as strata's resolver does with a provider's panic).
func ExampleBreaker_Allow() {
	b, _ := breaker.New(breaker.Config{})
	fetch := func() (v float64, err error) {
		done, err := b.Allow()
		if err != nil {
			return 0, err
		}
		defer func() {
			if r := recover(); r != nil {
				done(breaker.Failure)
				err = fmt.Errorf("provider panicked: %v", r)
				return
			}
			switch {
			case err == nil:
				done(breaker.Success)
			case errors.Is(err, errBadParams) || errors.Is(err, context.Canceled):
				done(breaker.Neutral) // not the provider's fault
			default:
				done(breaker.Failure)
			}
		}()
		var m map[string]float64
		m["cpc"] = 1.5 // a provider bug: assignment to a nil map
		return m["cpc"], nil
	}
	_, err := fetch()
	fmt.Println(err)
	s := b.Snapshot()
	fmt.Println(s.State, s.ConsecutiveFailures, s.Totals.Failures)
	// Output:
	// provider panicked: assignment to entry in nil map
	// closed 1 1
}

// Execute does the bookkeeping itself: the caller's cancellation and errors
// that classify calls Neutral count neither way.
func ExampleBreaker_Execute() {
	b, _ := breaker.New(breaker.Config{ConsecutiveFailures: 2})
	classify := func(err error) breaker.Outcome {
		if errors.Is(err, errBadParams) {
			return breaker.Neutral
		}
		return breaker.Failure
	}
	badParams := func(context.Context) error { return errBadParams }
	for range 5 {
		_ = b.Execute(context.Background(), badParams, classify)
	}
	ctx, cancel := context.WithCancel(context.Background())
	_ = b.Execute(ctx, func(ctx context.Context) error {
		cancel() // the caller gives up mid-call
		return ctx.Err()
	}, classify)
	s := b.Snapshot()
	fmt.Println(s.State, s.Totals.Neutral, s.Totals.Failures)

	down := func(context.Context) error { return errors.New("503") }
	for range 3 {
		fmt.Println(b.Execute(context.Background(), down, classify))
	}
	// Output:
	// closed 6 0
	// 503
	// 503
	// breaker: open
}

// Acquire is the allocation-free two-step form.
func ExampleBreaker_Acquire() {
	b, _ := breaker.New(breaker.Config{})
	p, err := b.Acquire()
	if err != nil {
		return
	}
	p.Done(breaker.Success)
	p.Done(breaker.Failure) // ignored: only the first report counts
	fmt.Println(b.Snapshot().Totals.Successes, b.Snapshot().Totals.Failures)
	// Output: 1 0
}

// Snapshot gives the figures a dashboard shows, after adaptation.
func ExampleBreaker_Snapshot() {
	b, _ := breaker.New(breaker.Config{})
	for range 5 {
		if done, err := b.Allow(); err == nil {
			done(breaker.Failure)
		}
	}
	s := b.Snapshot()
	fmt.Println("state:", s.State)
	fmt.Println("open for:", s.OpenDuration)
	fmt.Println("trips:", s.Trips)
	// Every call so far failed, so the next closed period trips sooner.
	fmt.Println("next thresholds:", s.ConsecutiveFailureThreshold, s.FailureRateThreshold)
	// Output:
	// state: open
	// open for: 1m0s
	// trips: 1
	// next thresholds: 3 0.25
}
