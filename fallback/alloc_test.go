//go:build !race

// The race detector's instrumentation allocates where the code does not,
// so the allocation promises are checked without it.

package fallback

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A fresh hit does not allocate (README's Performance table: 0 allocs/op
// for BenchmarkResolveCacheHit and BenchmarkResolveCacheHitWithStore), with
// or without a Store, and touches no Store.
func TestAFreshHitDoesNotAllocate(t *testing.T) {
	for _, withStore := range []bool{false, true} {
		synctest.Test(t, func(t *testing.T) {
			st := &countingStore{mem: memStore{entries: map[string]memEntry{}}}
			opts := []Option{WithProvider("p1", newStub(1.25)), WithProvider("s1", newStub(1)), WithSeed(1)}
			if withStore {
				opts = append(opts, WithStore(st))
			}
			r, err := New(testConfig(), opts...)
			require.NoError(t, err)
			ctx := context.Background()
			params := Params{"keyword": "running shoes", "market": "us"}
			_, err = r.Resolve(ctx, "cpc", params)
			require.NoError(t, err)
			synctest.Wait() // the writer has written the provider's answer
			before := st.calls.Load()
			if withStore {
				require.Positive(t, before, "the writer wrote the provider's answer")
			}
			allocs := testing.AllocsPerRun(100, func() {
				res, err := r.Resolve(ctx, "cpc", params)
				if err != nil || res.Layer != LayerCache {
					t.Fatalf("got %v, %v", res.Layer, err)
				}
			})
			assert.Zero(t, allocs, "with a store: %v", withStore)
			assert.Equal(t, before, st.calls.Load(), "a fresh hit touched the store")
			require.NoError(t, r.Close())
		})
	}
}
