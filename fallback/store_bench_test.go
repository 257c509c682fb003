package fallback

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/cache"
)

// BenchmarkResolveCacheHitWithStore is BenchmarkResolveCacheHit with a
// shared tier configured (WithStore): a fresh hit in the process never
// touches the store, so the two should not differ. Compare them in the
// same run: go test ./fallback -run XXX -bench 'ResolveCacheHit(WithStore)?$' -count 5
func BenchmarkResolveCacheHitWithStore(b *testing.B) {
	st := &countingStore{mem: memStore{entries: map[string]memEntry{}}}
	r, err := New(testConfig(), WithProvider("p1", newStub(1.25)), WithProvider("s1", newStub(1)), WithSeed(1), WithStore(st))
	require.NoError(b, err)
	defer r.Close()
	ctx := context.Background()
	params := Params{"keyword": "running shoes", "market": "us"}
	_, err = r.Resolve(ctx, "cpc", params)
	require.NoError(b, err)
	time.Sleep(10 * time.Millisecond) // the writer writes the provider's answer
	before := st.calls.Load()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		res, err := r.Resolve(ctx, "cpc", params)
		if err != nil || res.Layer != LayerCache {
			b.Fatalf("got %v, %v", res.Layer, err)
		}
	}
	b.StopTimer()
	require.Equal(b, before, st.calls.Load(), "a fresh hit touched the store")
}

// countingStore is a store in memory that counts every call.
type countingStore struct {
	calls atomic.Int64
	mem   memStore
}

func (s *countingStore) Get(ctx context.Context, key string) (cache.Entry, bool, error) {
	s.calls.Add(1)
	return s.mem.Get(ctx, key)
}

func (s *countingStore) Set(ctx context.Context, key string, e cache.Entry, ttl time.Duration) error {
	s.calls.Add(1)
	return s.mem.Set(ctx, key, e, ttl)
}

func (s *countingStore) Delete(ctx context.Context, key string) (bool, error) {
	s.calls.Add(1)
	return s.mem.Delete(ctx, key)
}
