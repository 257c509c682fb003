package otel

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"

	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/providers"
)

// The Observer may serve several resolvers: it ties attempts to their
// resolve by Event.Resolve, unique in the process. When it was unique in
// the resolver only, resolver B's resolve claimed resolver A's held
// attempts, whose spans landed in B's caller's trace.
func TestAnObserverServingTwoResolversKeepsTheirAttemptsApart(t *testing.T) {
	tel := newTelemetry(t)
	o, err := NewObserver(tel.cfg)
	require.NoError(t, err)
	unavailable := providers.Unavailable

	// A's resolve event reaches the Observer a little after its attempts
	// (a slow sibling in the host's ObserverFunc fan-out, a busy machine).
	slowA := fallback.ObserverFunc(func(ctx context.Context, e fallback.Event) {
		if e.Kind == fallback.EventResolve {
			time.Sleep(300 * time.Millisecond)
		}
		o.Observe(ctx, e)
	})
	adsA, benchA := &sleeper{d: 5 * time.Millisecond}, &sleeper{d: 5 * time.Millisecond, v: 1.1}
	adsA.fail.Store(&unavailable)
	a := newResolver(t, slowA, adsA, benchA, 0)
	adsB, benchB := &sleeper{d: 5 * time.Millisecond}, &sleeper{d: 5 * time.Millisecond, v: 2.2}
	adsB.fail.Store(&unavailable)
	b := newResolver(t, o, adsB, benchB, 0)

	ctxA, callerA := tel.tracer.Start(context.Background(), "caller A")
	_, err = a.Resolve(ctxA, "cpc", fallback.Params{"keyword": "alpha"})
	require.NoError(t, err)
	callerA.End()
	time.Sleep(50 * time.Millisecond) // A's attempts delivered, its resolve event not yet

	ctxB, callerB := tel.tracer.Start(context.Background(), "caller B")
	_, err = b.Resolve(ctxB, "cpc", fallback.Params{"keyword": "beta"})
	require.NoError(t, err)
	callerB.End()

	require.NoError(t, a.Close())
	require.NoError(t, b.Close())
	o.Flush()

	byTrace := map[trace.TraceID]int{}
	for _, s := range tel.named("strata.attempt") {
		byTrace[s.SpanContext.TraceID()]++
	}
	require.Equal(t, 2, byTrace[callerA.SpanContext().TraceID()], "caller A's trace should hold A's 2 attempts")
	require.Equal(t, 2, byTrace[callerB.SpanContext().TraceID()], "caller B's trace should hold only B's 2 attempts")
}
