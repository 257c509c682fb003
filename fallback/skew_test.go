package fallback

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/cache"
)

// skewedStore is an instance's view of a shared store when its clock is
// off by skew: what it writes carries its clock's times.
type skewedStore struct {
	*memStore
	skew time.Duration
}

func (s skewedStore) Set(ctx context.Context, key string, e cache.Entry, ttl time.Duration) error {
	e.StoredAt = e.StoredAt.Add(s.skew)
	e.ObservedAt = e.ObservedAt.Add(s.skew)
	return s.memStore.Set(ctx, key, e, ttl)
}

// writtenAhead returns a shared store in which an instance whose clock
// runs ahead by ahead has written its answer (1.25) for shoes.
func writtenAhead(t *testing.T, cfg Config, ahead time.Duration) *memStore {
	t.Helper()
	st := newMemStore()
	b := newTestResolver(t, cfg, newStub(1.25), newStub(1.25), WithStore(skewedStore{st, ahead}), WithHistory(noHistory{}))
	_, err := b.Resolve(context.Background(), "cpc", shoes)
	require.NoError(t, err)
	require.NoError(t, b.Flush(context.Background()))
	return st
}

// An instance 50s ahead (inside the minute of skew the shared tier
// tolerates) writes an answer of a data type whose TTL is 5s. It was a
// fresh hit for every other instance — no provider asked — for 55s, eleven
// TTLs, and observed in the future. Now an entry stored further ahead than
// cache.clock_skew (1s) is never fresh, and one within it counts as stored
// now.
func TestAnInstanceWhoseClockRunsAheadDoesNotStretchTheTTL(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.DataTypes[0].TTL = 5 * time.Second
		st := writtenAhead(t, cfg, 50*time.Second)

		ap1 := newStub(2.0) // the truth has moved
		a := newTestResolver(t, cfg, ap1, newStub(2.0), WithStore(st), WithHistory(noHistory{}))
		res, err := a.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		assert.False(t, res.ObservedAt.After(time.Now()), "an answer observed in the future")
		assert.Equal(t, LayerPrimary, res.Layer, "not a fresh hit: its age is unknown")
		assert.Equal(t, 2.0, res.Value)
		time.Sleep(30 * time.Second) // six TTLs
		res, err = a.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, LayerPrimary, res.Layer, "an answer 30s old is not fresh under a 5s TTL")
	})
}

// Within cache.clock_skew an entry stored "in the future" is stored now: a
// fresh hit for its TTL, stretched by the skew at most.
func TestASharedEntryWithinTheClockSkewIsFresh(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.DataTypes[0].TTL = 5 * time.Second
		st := writtenAhead(t, cfg, 500*time.Millisecond)

		ap1 := newStub(2.0)
		a := newTestResolver(t, cfg, ap1, newStub(2.0), WithStore(st), WithHistory(noHistory{}))
		res, err := a.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, LayerCache, res.Layer)
		assert.Equal(t, 1.25, res.Value)
		assert.Equal(t, time.Now(), res.ObservedAt, "not in the future")
		assert.EqualValues(t, 0, ap1.calls.Load())
		time.Sleep(5*time.Second + 500*time.Millisecond)
		res, err = a.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, LayerPrimary, res.Layer, "stretched by the skew at most")
	})
}

// An instance whose clock runs ahead does not keep the rest of the fleet's
// answers out of the shared tier: its entry, dated 50s ahead, is no fresh
// hit for the others, and their newer answer replaces it (the store keeps
// the newer of two entries, but not one dated beyond the clock skew ahead
// of its own clock; redisstore asks Redis's). It was superseded, and every
// instance after called its provider.
func TestAnInstanceWhoseClockRunsAheadDoesNotBlockTheFleet(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := testConfig()
		cfg.DataTypes[0].TTL = 30 * time.Second
		st := writtenAhead(t, cfg, 50*time.Second)

		a := newTestResolver(t, cfg, newStub(2.0), newStub(2.0), WithStore(st), WithHistory(noHistory{}))
		res, err := a.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		require.Equal(t, LayerPrimary, res.Layer, "the ahead entry is no fresh hit")
		require.NoError(t, a.Flush(context.Background()))

		time.Sleep(time.Second)
		cp1 := newStub(3.0)
		c := newTestResolver(t, cfg, cp1, newStub(3.0), WithStore(st), WithHistory(noHistory{}))
		res, err = c.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, LayerCache, res.Layer, "A's answer, a second old under a 30s TTL, is a fresh hit")
		assert.Equal(t, 2.0, res.Value)
		assert.EqualValues(t, 0, cp1.calls.Load())
	})
}
