package fallback

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/stats"
)

// The writer drops an answer for the shared tier when a newer one for the
// same key (a later StoredAt; the later queued on a tie) is queued with
// it or went through the queue while it waited, whatever order the two
// were queued in; other keys, observations and Flush's mark are not
// touched.
func TestWriterDropsASupersededAnswer(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	answer := func(key string, at time.Time) sharedWrite {
		return sharedWrite{key: key, entry: cache.Entry{Value: 1, StoredAt: at}}
	}
	type step struct {
		w     sharedWrite
		wrote bool
	}
	tests := []struct {
		name  string
		steps []step // queued in order, then taken in order
	}{
		{"newer queued last", []step{{answer("k", t0), false}, {answer("k", t0.Add(1)), true}}},
		{"newer queued first", []step{{answer("k", t0.Add(1)), true}, {answer("k", t0), false}}},
		{"same StoredAt", []step{{answer("k", t0), false}, {answer("k", t0), true}}},
		{"three", []step{{answer("k", t0.Add(1)), false}, {answer("k", t0), false}, {answer("k", t0.Add(2)), true}}},
		{"other keys", []step{{answer("k", t0), true}, {answer("j", t0.Add(1)), true}, {answer("i", t0.Add(-1)), true}}},
		{"an observation", []step{
			{sharedWrite{key: "k", obs: stats.Observation{At: t0, Value: 1}}, true},
			{answer("k", t0), true},
			{sharedWrite{key: "k", obs: stats.Observation{At: t0.Add(1), Value: 2}}, true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h writeHolds
			writes := make(chan sharedWrite, len(tt.steps))
			for _, s := range tt.steps {
				require.True(t, h.queue(writes, s.w))
			}
			for i, s := range tt.steps {
				done, ok := h.begin(<-writes)
				assert.Equal(t, s.wrote, ok, "write %d", i)
				if ok {
					done()
				}
			}
			assert.Empty(t, h.newest, "nothing queued, nothing kept")
		})
	}

	// One taken before the next is queued: the queue held no newer one
	// while it waited.
	var h writeHolds
	writes := make(chan sharedWrite, 2)
	require.True(t, h.queue(writes, answer("k", t0.Add(1))))
	_, ok := h.begin(<-writes)
	assert.True(t, ok)
	require.True(t, h.queue(writes, answer("k", t0)))
	_, ok = h.begin(<-writes)
	assert.True(t, ok, "the store judges it: the writer has nothing newer queued")
}

// A resolver whose writes are slow resolves a key three times while its
// first write waits: the store is asked to write the key's last answer
// only.
func TestSlowWritesSendTheNewestAnswerOnly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.DataTypes[0].TTL = time.Second
		cfg.Cache.StoreTimeout = time.Minute
		store := scanStore{memStore: newMemStore(), set: 10 * time.Second}
		p1 := newStub(1.25)
		r := newTestResolver(t, cfg, p1, newStub(1), WithStore(store), WithHistory(noHistory{}))
		ctx := context.Background()
		_, err := r.Resolve(ctx, "cpc", Params{"keyword": "first"}) // its write takes 10s
		require.NoError(t, err)
		var last Result
		for i, v := range []float64{1.25, 1.26, 1.27} {
			p1.answer(v)
			last, err = r.Resolve(ctx, "cpc", shoes)
			require.NoError(t, err)
			require.Equal(t, LayerPrimary, last.Layer, "resolve %d", i)
			time.Sleep(2 * time.Second) // past the TTL, while the first write waits
		}
		require.NoError(t, r.Flush(ctx))
		_, sets := store.counts()
		assert.Len(t, sets, 2, "the first key's answer and shoes' last")
		key, err := r.Key("cpc", shoes)
		require.NoError(t, err)
		e, ok, err := store.Get(ctx, key)
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, 1.27, e.Value)
		assert.True(t, e.ObservedAt.Equal(last.ObservedAt))
	})
}
