package breaker_test

import (
	"context"
	"testing"

	"github.com/failsafe-go/failsafe-go"
	"github.com/failsafe-go/failsafe-go/circuitbreaker"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/breaker"
)

// The benchmarks measure the success path of a closed breaker: admit a call
// and report its success. BenchmarkFailsafeBaseline does the same with
// failsafe-go's circuit breaker in the same run, so the two can be compared
// as a ratio. The loops check errors by hand, not with require: require calls
// b.Helper on every call, and that would be measured.

var sink func(breaker.Outcome)

func newBench(b *testing.B) *breaker.Breaker {
	br, err := breaker.New(breaker.Config{})
	require.NoError(b, err)
	return br
}

func BenchmarkAllowDone(b *testing.B) {
	b.Run("serial", func(b *testing.B) {
		br := newBench(b)
		b.ReportAllocs()
		for b.Loop() {
			done, err := br.Allow()
			if err != nil {
				b.Fatal(err)
			}
			done(breaker.Success)
		}
	})
	// When done outlives the caller's frame (stored, passed on), it is
	// allocated: the one allocation of the two-step form.
	b.Run("escaping", func(b *testing.B) {
		br := newBench(b)
		b.ReportAllocs()
		for b.Loop() {
			done, err := br.Allow()
			if err != nil {
				b.Fatal(err)
			}
			sink = done
			done(breaker.Success)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		br := newBench(b)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				done, err := br.Allow()
				if err != nil {
					b.Error(err)
					return
				}
				done(breaker.Success)
			}
		})
	})
}

func BenchmarkAcquireDone(b *testing.B) {
	b.Run("serial", func(b *testing.B) {
		br := newBench(b)
		b.ReportAllocs()
		for b.Loop() {
			p, err := br.Acquire()
			if err != nil {
				b.Fatal(err)
			}
			p.Done(breaker.Success)
		}
	})
	b.Run("parallel", func(b *testing.B) {
		br := newBench(b)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				p, err := br.Acquire()
				if err != nil {
					b.Error(err)
					return
				}
				p.Done(breaker.Success)
			}
		})
	})
}

func BenchmarkExecute(b *testing.B) {
	ctx := context.Background()
	noop := func(context.Context) error { return nil }
	b.Run("serial", func(b *testing.B) {
		br := newBench(b)
		b.ReportAllocs()
		for b.Loop() {
			if err := br.Execute(ctx, noop, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("parallel", func(b *testing.B) {
		br := newBench(b)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := br.Execute(ctx, noop, nil); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// BenchmarkFailsafeBaseline: failsafe-go v0.9.8's circuit breaker with the
// seed's 5-failure threshold, executing a no-op through failsafe.With(cb)
// ("executor") and through its own two-step TryAcquirePermit/RecordSuccess
// ("permit").
func BenchmarkFailsafeBaseline(b *testing.B) {
	newCB := func() circuitbreaker.CircuitBreaker[any] {
		return circuitbreaker.NewBuilder[any]().WithFailureThreshold(5).Build()
	}
	noop := func() error { return nil }
	b.Run("executor/serial", func(b *testing.B) {
		ex := failsafe.With[any](newCB())
		b.ReportAllocs()
		for b.Loop() {
			if err := ex.Run(noop); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("executor/parallel", func(b *testing.B) {
		ex := failsafe.With[any](newCB())
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := ex.Run(noop); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("permit/serial", func(b *testing.B) {
		cb := newCB()
		b.ReportAllocs()
		for b.Loop() {
			if !cb.TryAcquirePermit() {
				b.Fatal("refused")
			}
			cb.RecordSuccess()
		}
	})
	b.Run("permit/parallel", func(b *testing.B) {
		cb := newCB()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if !cb.TryAcquirePermit() {
					b.Error("refused")
					return
				}
				cb.RecordSuccess()
			}
		})
	})
}
