package prometheus

import (
	"context"
	"testing"
)

// BenchmarkObserverWalk observes the nine events of walkEvents (a
// two-provider resolve, a cache hit, a failure, a breaker change): the
// observer's cost on the resolver's event goroutine.
func BenchmarkObserverWalk(b *testing.B) {
	o := NewObserver()
	evs := walkEvents()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		for _, e := range evs {
			o.Observe(ctx, e)
		}
	}
}
