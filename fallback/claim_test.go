package fallback

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/providers"
)

// claimStore is a memStore that is a cache.Claimer: a claim holds for its
// hold on the bubble's clock, as Redis's SET NX PX does. claim, when set,
// replaces Claim's answer (a failing or panicking store).
type claimStore struct {
	*memStore
	cmu    sync.Mutex
	claims map[string]time.Time // requires cmu: when each key's claim ends
	won    int                  // requires cmu
	lost   int                  // requires cmu
	holds  []time.Duration      // requires cmu: each claim's hold
	claim  func(context.Context) (bool, error)
	skew   time.Duration // the writers' clocks are this far behind
}

func (s *claimStore) Set(ctx context.Context, key string, e cache.Entry, ttl time.Duration) error {
	e.StoredAt = e.StoredAt.Add(-s.skew)
	e.ObservedAt = e.ObservedAt.Add(-s.skew)
	return s.memStore.Set(ctx, key, e, ttl)
}

var _ cache.Claimer = (*claimStore)(nil)

func newClaimStore() *claimStore {
	return &claimStore{memStore: newMemStore(), claims: map[string]time.Time{}}
}

func (s *claimStore) Claim(ctx context.Context, key string, hold time.Duration) (bool, error) {
	if s.claim != nil {
		return s.claim(ctx)
	}
	s.cmu.Lock()
	defer s.cmu.Unlock()
	s.holds = append(s.holds, hold)
	now := time.Now()
	if until, ok := s.claims[key]; ok && now.Before(until) {
		s.lost++
		return false, nil
	}
	s.claims[key] = now.Add(hold)
	s.won++
	return true, nil
}

func (s *claimStore) counts() (won, lost int) {
	s.cmu.Lock()
	defer s.cmu.Unlock()
	return s.won, s.lost
}

// slowly answers v after d, or fails with err after d when err is set.
func slowly(d time.Duration, v float64, err error) func(context.Context, providers.Request) (providers.Response, error) {
	return func(ctx context.Context, _ providers.Request) (providers.Response, error) {
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return providers.Response{}, ctx.Err()
		}
		if err != nil {
			return providers.Response{}, err
		}
		return providers.Response{Value: v}, nil
	}
}

// claimFleet is n resolvers sharing st, each with its own primary, which
// answers 1.3 + i/100 after 50ms, and a secondary that fails.
func claimFleet(t *testing.T, cfg Config, st cache.Store, n int, opts ...Option) ([]*Resolver, []*stub) {
	t.Helper()
	var fleet []*Resolver
	var prims []*stub
	for i := range n {
		p1, s1 := &stub{}, &stub{}
		p1.set(slowly(50*time.Millisecond, 1.3+float64(i)/100, nil))
		s1.set(slowly(time.Millisecond, 0, providers.Errorf(providers.Permanent, "s1 has nothing")))
		r := newTestResolver(t, cfg, p1, s1, append([]Option{WithStore(st), WithHistory(noHistory{}), WithSeed(uint64(10 + i))}, opts...)...)
		fleet, prims = append(fleet, r), append(prims, p1)
	}
	return fleet, prims
}

// Three instances miss a key at once: with claims, one pays for the
// answer and the other two serve it from the shared tier as soon as it is
// there; without, each pays.
func TestClaimOneInstancePays(t *testing.T) {
	for _, tc := range []struct {
		name  string
		claim time.Duration
		calls int64
	}{
		{"claim", 200 * time.Millisecond, 1},
		{"off", 0, 3}, // the default
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				st := newClaimStore()
				cfg := testConfig()
				cfg.Cache.Claim = tc.claim
				fleet, prims := claimFleet(t, cfg, st, 3)
				results := make([]Result, len(fleet))
				took := make([]time.Duration, len(fleet))
				var wg sync.WaitGroup
				for i, r := range fleet {
					wg.Go(func() {
						start := time.Now()
						res, err := r.Resolve(context.Background(), "cpc", shoes)
						assert.NoError(t, err)
						results[i], took[i] = res, time.Since(start)
					})
				}
				wg.Wait()
				var calls int64
				payer := -1
				for i, p := range prims {
					calls += p.calls.Load()
					if p.calls.Load() > 0 {
						payer = i
					}
				}
				assert.Equal(t, tc.calls, calls, "provider calls, all instances")
				if tc.claim == 0 {
					for _, res := range results {
						assert.Equal(t, LayerPrimary, res.Layer)
					}
					won, lost := st.counts()
					assert.Zero(t, won+lost, "no claim made")
					return
				}
				won, lost := st.counts()
				assert.Equal(t, 1, won)
				assert.Equal(t, 2, lost)
				var snap OverallSnapshot
				for _, r := range fleet {
					o := r.Snapshot().Overall
					snap.ClaimsWon += o.ClaimsWon
					snap.ClaimsLost += o.ClaimsLost
					snap.ClaimWaitsServed += o.ClaimWaitsServed
				}
				assert.Equal(t, OverallSnapshot{ClaimsWon: 1, ClaimsLost: 2, ClaimWaitsServed: 2}, snap, "the snapshots count the claims")
				want := 1.3 + float64(payer)/100
				for i, res := range results {
					assert.InDelta(t, want, res.Value, 1e-12, "every instance serves the payer's answer")
					if i == payer {
						assert.Equal(t, LayerPrimary, res.Layer)
						continue
					}
					assert.Equal(t, LayerCache, res.Layer, "a waiting instance serves the claimant's answer from the shared tier")
					assert.Empty(t, res.Attempts, "and calls nothing")
					// The answer is in the shared tier at 50ms; the waiters
					// read the tier at every ninth of the 200ms hold, the
					// eighth read a ninth before its end.
					assert.Equal(t, 200*time.Millisecond/9*3, took[i])
				}
				// The waiter kept the answer: its next resolve is a fresh hit.
				for i, r := range fleet {
					res, err := r.Resolve(context.Background(), "cpc", shoes)
					require.NoError(t, err)
					assert.Equal(t, LayerCache, res.Layer, "instance %d", i)
				}
				assert.Equal(t, int64(1), prims[payer].calls.Load())
			})
		})
	}
}

// When the claimant gets no answer, a waiting instance stops waiting at
// the end of the claim's hold and pays for its own.
func TestClaimWaitEndsWithTheHold(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newClaimStore()
		cfg := testConfig()
		cfg.Cache.Claim = 200 * time.Millisecond
		fleet, prims := claimFleet(t, cfg, st, 2)
		prims[0].set(slowly(50*time.Millisecond, 0, providers.Errorf(providers.Permanent, "p1 has nothing")))
		done := make(chan struct{})
		go func() {
			defer close(done)
			res, err := fleet[0].Resolve(context.Background(), "cpc", shoes)
			assert.NoError(t, err)
			assert.Equal(t, LayerDefault, res.Layer, "the claimant's providers had nothing")
		}()
		time.Sleep(time.Millisecond)
		start := time.Now()
		var called time.Duration
		prims[1].set(func(ctx context.Context, req providers.Request) (providers.Response, error) {
			called = time.Since(start)
			return slowly(50*time.Millisecond, 1.31, nil)(ctx, req)
		})
		res, err := fleet[1].Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		<-done
		assert.Equal(t, LayerPrimary, res.Layer)
		assert.InDelta(t, 1.31, res.Value, 1e-12)
		assert.Equal(t, 200*time.Millisecond/9*8, called, "the waiter called its provider after its last read, a ninth of the hold before its end")
		assert.Equal(t, int64(1), prims[1].calls.Load())
		o := fleet[1].Snapshot().Overall
		assert.Equal(t, [3]int64{0, 1, 0}, [3]int64{o.ClaimsWon, o.ClaimsLost, o.ClaimWaitsServed}, "a lost claim whose wait served nothing")
	})
}

// A wait never costs the walk its plan: with a hold longer than the
// deadline allows, the waiter stops when what is left is the provider's
// expected latency (and the plan's margin) before the walk's deadline,
// and answers from its provider in time.
func TestClaimWaitKeepsThePlan(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newClaimStore()
		cfg := testConfig()
		cfg.Cache.Claim = time.Minute
		fleet, prims := claimFleet(t, cfg, st, 2)
		prims[0].set(slowly(time.Hour, 0, nil)) // the claimant's provider hangs
		go func() { _, _ = fleet[0].Resolve(context.Background(), "cpc", shoes) }()
		time.Sleep(time.Millisecond)
		start := time.Now()
		var called time.Duration
		prims[1].set(func(ctx context.Context, req providers.Request) (providers.Response, error) {
			called = time.Since(start)
			return slowly(10*time.Millisecond, 1.31, nil)(ctx, req) // within its expected 20ms
		})
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		res, err := fleet[1].Resolve(ctx, "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, LayerPrimary, res.Layer)
		assert.InDelta(t, 1.31, res.Value, 1e-12)
		assert.Less(t, time.Since(start), 500*time.Millisecond)
		// The walk's deadline is 450ms (the reserve's 50ms before 500ms);
		// the secondary keeps 50ms before it (20ms expected and a 10%
		// margin, but never less than the reserve), and the primary 50ms
		// likewise before the primary tier's share ends: the wait may
		// last until 350ms, and its last read is a ninth of that before.
		assert.Equal(t, 350*time.Millisecond/9*8, called, "the waiter waited as long as the plan allows")
		_, lost := st.counts()
		assert.Equal(t, 1, lost, "the waiter found the claim taken")
		require.NoError(t, fleet[0].Close())
	})
}

// A claim that fails, panics or hangs counts as taken by this instance:
// the walk calls its providers, and the failure is reported as a failed
// store.Claim callback.
func TestClaimFailureCallsTheProviders(t *testing.T) {
	for _, tc := range []struct {
		name  string
		claim func(context.Context) (bool, error)
	}{
		{"error", func(context.Context) (bool, error) { return false, errors.New("claim refused") }},
		{"panic", func(context.Context) (bool, error) { panic("claim exploded") }},
		{"hang", func(ctx context.Context) (bool, error) { <-ctx.Done(); return false, ctx.Err() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				st := newClaimStore()
				st.claim = tc.claim
				cfg := testConfig()
				cfg.Cache.Claim = 200 * time.Millisecond
				obs := &recorder{}
				fleet, prims := claimFleet(t, cfg, st, 1, WithObserver(obs))
				start := time.Now()
				res, err := fleet[0].Resolve(context.Background(), "cpc", shoes)
				require.NoError(t, err)
				assert.Equal(t, LayerPrimary, res.Layer)
				assert.Equal(t, int64(1), prims[0].calls.Load())
				assert.LessOrEqual(t, time.Since(start), DefaultStoreTimeout+50*time.Millisecond,
					"a hung claim costs at most the store timeout")
				flushEvents(fleet[0])
				evs, _ := obs.of(EventCallback)
				require.Len(t, evs, 1)
				assert.Equal(t, "store.Claim", evs[0].Source)
				o := fleet[0].Snapshot().Overall
				assert.Equal(t, [3]int64{0, 0, 1}, [3]int64{o.ClaimsWon, o.ClaimsLost, o.CallbackFailures},
					"a failed claim counts as neither won nor lost, but as a failed callback")
				if tc.name == "panic" {
					assert.ErrorIs(t, evs[0].Err, ErrCallbackPanic)
					assert.NotContains(t, evs[0].Err.Error(), "exploded", "a panic's value is not repeated")
				}
				require.NoError(t, fleet[0].Close())
			})
		})
	}
}

// Close ends a wait at once: the waiting Resolve returns ErrClosed and
// nothing is left running (the bubble checks).
func TestClaimCloseEndsTheWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newClaimStore()
		cfg := testConfig()
		cfg.Cache.Claim = time.Minute
		fleet, prims := claimFleet(t, cfg, st, 2)
		prims[0].set(slowly(time.Hour, 0, nil))
		go func() { _, _ = fleet[0].Resolve(context.Background(), "cpc", shoes) }()
		time.Sleep(time.Millisecond)
		done := make(chan error, 1)
		go func() {
			_, err := fleet[1].Resolve(context.Background(), "cpc", shoes)
			done <- err
		}()
		time.Sleep(100 * time.Millisecond)
		synctest.Wait()
		require.Zero(t, prims[1].calls.Load(), "still waiting for the claim")
		start := time.Now()
		require.NoError(t, fleet[1].Close())
		assert.ErrorIs(t, <-done, ErrClosed)
		assert.Zero(t, time.Since(start), "at once")
		assert.Zero(t, prims[1].calls.Load(), "no provider call after Close")
		o := fleet[1].Snapshot().Overall
		assert.Equal(t, [3]int64{1, 0, 0}, [3]int64{o.ClaimsLost, o.ClaimWaitsServed, o.CallbackFailures},
			"a wait ended by Close: lost, not served, and no failure of the store")
		require.NoError(t, fleet[0].Close())
	})
}

// The settings are checked and defaulted, and claims need a store that
// is a cache.Claimer.
func TestClaimConfig(t *testing.T) {
	c, p := testConfig().withDefaults()
	require.Empty(t, p)
	assert.Zero(t, c.Cache.Claim, "off by default")
	assert.Equal(t, DefaultClaimPolls, c.Cache.ClaimPolls)
	for _, tc := range []struct {
		field string
		set   func(*Config)
	}{
		{"cache.claim", func(c *Config) { c.Cache.Claim = -time.Second }},
		{"cache.claim_polls", func(c *Config) { c.Cache.ClaimPolls = -1 }},
		{"cache.claim_polls", func(c *Config) { c.Cache.ClaimPolls = ClaimPollLimit + 1 }},
	} {
		cfg := testConfig()
		tc.set(&cfg)
		_, err := New(cfg, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)))
		var ce *ConfigError
		require.ErrorAs(t, err, &ce, tc.field)
		assert.Equal(t, tc.field, ce.Field)
	}
	cfg, err := ParseConfig([]byte(`
providers:
  - {name: p1, tier: primary, data_types: [cpc]}
data_types:
  - name: cpc
    params: [{name: keyword, required: true}]
cache:
  claim: 250ms
  claim_polls: 5
`))
	require.NoError(t, err)
	assert.Equal(t, 250*time.Millisecond, cfg.Cache.Claim)
	assert.Equal(t, 5, cfg.Cache.ClaimPolls)

	// Claims need a store that can claim.
	for _, opts := range [][]Option{nil, {WithStore(newMemStore())}} {
		cfg := testConfig()
		cfg.Cache.Claim = 200 * time.Millisecond
		_, err := New(cfg, append(opts, WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)))...)
		var ce *ConfigError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, "cache.claim", ce.Field)
		assert.Contains(t, ce.Error(), "cache.Claimer")
	}
}

// slowStore's Gets take d (honouring their context).
type slowClaimStore struct {
	*claimStore
	d time.Duration
}

func (s *slowClaimStore) Get(ctx context.Context, key string) (cache.Entry, bool, error) {
	select {
	case <-time.After(s.d):
	case <-ctx.Done():
		return cache.Entry{}, false, ctx.Err()
	}
	return s.claimStore.Get(ctx, key)
}

// A slow store does not stretch the wait: every read is cut at the wait's
// limit, so the waiter calls its provider by the end of the hold (or of
// what the plan allows), and answers from it.
func TestClaimWaitOnASlowStore(t *testing.T) {
	for _, tc := range []struct {
		name     string
		claim    time.Duration
		deadline time.Duration
		by       time.Duration // the provider is called by then
	}{
		{"short hold", 25 * time.Millisecond, 2 * time.Second, 25 * time.Millisecond},
		{"the plan cuts a long hold", time.Minute, 500 * time.Millisecond, 406 * time.Millisecond},
		{"short deadline", 25 * time.Millisecond, 200 * time.Millisecond, 25 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				st := &slowClaimStore{claimStore: newClaimStore(), d: 30 * time.Millisecond}
				st.claim = func(context.Context) (bool, error) { return false, nil } // always another's
				cfg := testConfig()
				cfg.Cache.Claim = tc.claim
				fleet, prims := claimFleet(t, cfg, st, 1)
				start := time.Now()
				var called time.Duration
				prims[0].set(func(ctx context.Context, req providers.Request) (providers.Response, error) {
					called = time.Since(start)
					return slowly(10*time.Millisecond, 1.31, nil)(ctx, req)
				})
				ctx, cancel := context.WithTimeout(context.Background(), tc.deadline)
				defer cancel()
				res, err := fleet[0].Resolve(ctx, "cpc", shoes)
				require.NoError(t, err)
				assert.Equal(t, LayerPrimary, res.Layer, "attempts: %+v", res.Attempts)
				assert.InDelta(t, 1.31, res.Value, 1e-12)
				// The resolve's own read of the shared tier takes 30ms first.
				assert.LessOrEqual(t, called, 30*time.Millisecond+tc.by)
				assert.Less(t, time.Since(start), tc.deadline)
				o := fleet[0].Snapshot().Overall
				assert.Zero(t, o.CallbackFailures, "a read the wait cut itself is not the store's failure")
				assert.Equal(t, [2]int64{1, 0}, [2]int64{o.ClaimsLost, o.ClaimWaitsServed})
			})
		})
	}
}

// A refresh-ahead walk that finds the claim taken does not take the entry
// it is replacing for the claimant's answer: an entry stored before the
// claim could have been taken is not served, and when no newer one
// appears the refresh pays for its own.
func TestClaimWaitIgnoresTheOldEntry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newClaimStore()
		cfg := testConfig() // TTL 1m
		cfg.Cache.Claim = 200 * time.Millisecond
		cfg.DataTypes[0].RefreshAhead = 30 * time.Second
		fleet, prims := claimFleet(t, cfg, st, 1)
		r := fleet[0]
		res, err := r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		require.Equal(t, LayerPrimary, res.Layer)
		synctest.Wait() // the answer is in the shared tier

		time.Sleep(40 * time.Second) // older than refresh_ahead, still fresh
		st.claim = func(context.Context) (bool, error) { return false, nil }
		prims[0].set(slowly(50*time.Millisecond, 1.5, nil))
		res, err = r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, LayerCache, res.Layer, "served at once, refreshed behind")
		assert.InDelta(t, 1.3, res.Value, 1e-12)
		time.Sleep(time.Second) // the refresh waits out the claim, then calls
		synctest.Wait()
		assert.Equal(t, int64(2), prims[0].calls.Load(), "the refresh paid: the shared entry was the old one")
		res, err = r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		assert.InDelta(t, 1.5, res.Value, 1e-12, "the refreshed answer")
	})
}

// A claim holds no longer than the claimant's walk and its write can
// last, and a walk that will call nobody (no candidate: here the budget
// affords none) claims nothing, so nobody waits for it.
func TestClaimHoldAndCandidates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newClaimStore()
		cfg := testConfig()
		cfg.Cache.Claim = time.Minute
		fleet, _ := claimFleet(t, cfg, st, 1)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := fleet[0].Resolve(ctx, "cpc", shoes)
		require.NoError(t, err)
		st.cmu.Lock()
		holds := append([]time.Duration(nil), st.holds...)
		st.cmu.Unlock()
		require.Len(t, holds, 1)
		// The walk's deadline is the reserve's 50ms before 1s; the store
		// timeout (50ms) follows it.
		assert.Equal(t, time.Second-DefaultReserve+DefaultStoreTimeout, holds[0])

		res, err := fleet[0].Resolve(WithBudget(context.Background(), 0), "cpc", Params{"keyword": "boots"})
		require.NoError(t, err)
		assert.Equal(t, LayerDefault, res.Layer)
		won, lost := st.counts()
		assert.Equal(t, 1, won+lost, "the walk that could afford nobody claimed nothing")
	})
}

// The claimant's clock may be behind the waiter's: its answer's StoredAt
// is then earlier than the waiter's claim, and still the claimant's. The
// waiter allows the instances' clocks maxClockSkew.
func TestClaimWaitAllowsClockSkew(t *testing.T) {
	for _, skew := range []time.Duration{0, 40 * time.Millisecond, 30 * time.Second} {
		t.Run(skew.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				st := newClaimStore()
				st.skew = skew
				cfg := testConfig()
				cfg.Cache.Claim = 25 * time.Millisecond
				fleet, prims := claimFleet(t, cfg, st, 2)
				prims[0].set(slowly(10*time.Millisecond, 1.3, nil))
				go func() { _, _ = fleet[0].Resolve(context.Background(), "cpc", shoes) }()
				time.Sleep(time.Millisecond)
				res, err := fleet[1].Resolve(context.Background(), "cpc", shoes)
				require.NoError(t, err)
				assert.Equal(t, LayerCache, res.Layer, "served the claimant's answer")
				assert.InDelta(t, 1.3, res.Value, 1e-12)
				assert.Zero(t, prims[1].calls.Load())
				assert.Equal(t, int64(1), fleet[1].Snapshot().Overall.ClaimWaitsServed)
			})
		})
	}
}

// A walk whose caller left still honours the fill claim it won: its call
// in flight (paid for) goes on, and its answer reaches the shared tier,
// where the other instance waiting on the claim finds it — instead of
// waiting out the hold and paying again.
func TestAnUnwantedWalkStillHonoursItsClaim(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newClaimStore()
		cfg := testConfig()
		cfg.Cache.Claim = 200 * time.Millisecond
		fleet, prims := claimFleet(t, cfg, st, 2)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			_, err := fleet[0].Resolve(ctx, "cpc", shoes)
			done <- err
		}()
		time.Sleep(5 * time.Millisecond) // instance 0 holds the claim, its call in flight
		var res Result
		var err error
		got := make(chan struct{})
		go func() {
			res, err = fleet[1].Resolve(context.Background(), "cpc", shoes)
			close(got)
		}()
		time.Sleep(5 * time.Millisecond)
		cancel()
		assert.ErrorIs(t, <-done, context.Canceled)
		<-got
		require.NoError(t, err)
		assert.Equal(t, LayerCache, res.Layer, "served the claimant's answer from the shared tier")
		assert.Equal(t, 1.3, res.Value)
		assert.Equal(t, int64(1), prims[0].calls.Load())
		assert.Zero(t, prims[1].calls.Load(), "nobody paid twice")

		// And instance 0 cached its answer: a fresh hit now.
		res, err = fleet[0].Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, LayerCache, res.Layer)
		assert.Equal(t, int64(1), prims[0].calls.Load())
	})
}
