package otel

import (
	"context"
	"testing"
)

// BenchmarkObserverWalk observes the six events of a two-provider resolve
// (walkEvents) through the SDK, in memory: the observer's cost per resolve
// on the resolver's event goroutine, which must keep up with the resolves.
func BenchmarkObserverWalk(b *testing.B) {
	tel := newTelemetry(b)
	o, err := NewObserver(tel.cfg)
	if err != nil {
		b.Fatal(err)
	}
	ctx, caller := tel.tracer.Start(context.Background(), "caller")
	defer caller.End()
	evs := walkEvents()
	b.ReportAllocs()
	for b.Loop() {
		for _, e := range evs {
			o.Observe(ctx, e)
		}
		tel.spans.Reset()
	}
}
