package redisstore

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/providers/fake"
)

// aheadStore is a Store as an instance whose clock runs ahead by ahead
// uses it: the entries it writes carry its clock's times.
type aheadStore struct {
	*Store
	ahead time.Duration
}

func (s aheadStore) Set(ctx context.Context, key string, e cache.Entry, ttl time.Duration) error {
	e.StoredAt, e.ObservedAt = e.StoredAt.Add(s.ahead), e.ObservedAt.Add(s.ahead)
	return s.Store.Set(ctx, key, e, ttl)
}

// A claimant whose clock runs ahead of the fleet's by more than the clock
// skew: its answer, dated 5s ahead, was no fresh answer for anybody, so
// the instance waiting on its claim waited out the hold and paid again.
// Set dates an entry that far ahead of Redis's clock by Redis's clock, so
// the waiter serves the claimant's answer as soon as it is there.
func TestAClaimantWhoseClockRunsAheadServesItsWaiters(t *testing.T) {
	addr := redisAddr(t)
	prefix := testPrefix(t, newClient(t, addr))
	cfg := resolverConfig(fallback.RateLimitConfig{})
	cfg.Cache.StoreTimeout = 5 * time.Second // see TestResolversShareTheTier
	cfg.Cache.Claim = 2 * time.Second
	cfg.Resolve.Deadline = 5 * time.Second
	var fakes []*fake.Provider
	var rs []*fallback.Resolver
	for i, ahead := range []time.Duration{5 * time.Second, 0} {
		s := openStore(t, addr, Config{Prefix: prefix, Timeout: 5 * time.Second})
		p, err := fake.New(fake.Config{Name: "ads", Value: 1.32 + float64(i)/100, Latency: fake.Latency{Median: 100 * time.Millisecond}})
		require.NoError(t, err)
		r, err := fallback.New(cfg, fallback.WithStore(aheadStore{s, ahead}), fallback.WithProvider("ads", p), fallback.WithSeed(1))
		require.NoError(t, err)
		t.Cleanup(func() { r.Close() })
		fakes, rs = append(fakes, p), append(rs, r)
	}
	params := fallback.Params{"keyword": "shoes"}
	var wg sync.WaitGroup
	wg.Go(func() {
		res, err := rs[0].Resolve(context.Background(), "cpc", params)
		assert.NoError(t, err)
		assert.Equal(t, fallback.LayerPrimary, res.Layer, "the claimant")
	})
	time.Sleep(20 * time.Millisecond) // the claimant holds the claim
	start := time.Now()
	res, err := rs[1].Resolve(context.Background(), "cpc", params)
	took := time.Since(start)
	wg.Wait()
	require.NoError(t, err)
	require.Equal(t, fallback.LayerCache, res.Layer, "the waiter serves the claimant's answer")
	require.Equal(t, 1.32, res.Value)
	require.Zero(t, fakes[1].Calls(), "the waiter paid nothing")
	require.Less(t, took, cfg.Cache.Claim, "before the hold's end")
	require.False(t, res.ObservedAt.After(time.Now()), "observed in the future")
}
