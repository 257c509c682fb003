package redisstore

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/providers/fake"
)

// The resolver-level tests: resolvers standing for instances of one
// program, sharing one Redis through a Store and a Limiter.

// The Limiter is what the resolver calls a SharedLimiter.
var _ fallback.SharedLimiter = (*Limiter)(nil)

// resolverConfig declares one provider, "ads", answering "cpc" with a
// default of last resort, and the given rate limit.
func resolverConfig(rl fallback.RateLimitConfig) fallback.Config {
	return fallback.Config{
		Providers: []fallback.ProviderConfig{{
			Name: "ads", Tier: fallback.Primary, Confidence: 0.9, DataTypes: []string{"cpc"},
			RateLimit: rl,
		}},
		DataTypes: []fallback.DataTypeConfig{{
			Name:    "cpc",
			Params:  []fallback.ParamConfig{{Name: "keyword", Required: true}},
			TTL:     time.Minute,
			Default: &fallback.DefaultConfig{Base: 9.99},
		}},
	}
}

// newInstance returns a resolver on its own provider fake and its own
// Redis client, with the given shared tier and quota options.
func newInstance(t *testing.T, rl fallback.RateLimitConfig, opts ...fallback.Option) (*fallback.Resolver, *fake.Provider) {
	t.Helper()
	return newInstanceOf(t, resolverConfig(rl), opts...)
}

// newInstanceOf is newInstance with a config of the caller's.
func newInstanceOf(t *testing.T, cfg fallback.Config, opts ...fallback.Option) (*fallback.Resolver, *fake.Provider) {
	t.Helper()
	p, err := fake.New(fake.Config{Name: "ads", Value: 1.32})
	if err != nil {
		t.Fatal(err)
	}
	r, err := fallback.New(cfg, append(opts, fallback.WithProvider("ads", p), fallback.WithSeed(1))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, p
}

// openStore returns a Store on a client of its own.
func openStore(t *testing.T, addr string, cfg Config) *Store {
	t.Helper()
	s, err := New(newClient(t, addr), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Two instances on one Redis: the second is served from the shared tier
// without calling its provider.
func TestResolversShareTheTier(t *testing.T) {
	addr := redisAddr(t)
	prefix := testPrefix(t, newClient(t, addr))
	s1, s2 := openStore(t, addr, Config{Prefix: prefix, Timeout: testTimeout}), openStore(t, addr, Config{Prefix: prefix, Timeout: testTimeout})
	// A store call's first use dials Redis: under the race detector on a
	// loaded machine that can take longer than the default store timeout,
	// which would make the write a (contained) failure.
	cfg := resolverConfig(fallback.RateLimitConfig{})
	cfg.Cache.StoreTimeout = 5 * time.Second
	r1, p1 := newInstanceOf(t, cfg, fallback.WithStore(s1))
	r2, p2 := newInstanceOf(t, cfg, fallback.WithStore(s2))
	ctx := context.Background()
	params := fallback.Params{"keyword": "shoes"}

	first, err := r1.Resolve(ctx, "cpc", params)
	if err != nil || first.Layer != fallback.LayerPrimary || first.Value != 1.32 {
		t.Fatalf("first instance: %+v, %v; want 1.32 from its provider", first, err)
	}
	// The resolver writes from a goroutine of its own.
	require.Eventually(t, func() bool { return s1.Stats().Sets == 1 }, 5*time.Second, time.Millisecond)
	second, err := r2.Resolve(ctx, "cpc", params)
	if err != nil {
		t.Fatal(err)
	}
	if second.Layer != fallback.LayerCache || second.Source != "ads" || second.Value != 1.32 || !second.ObservedAt.Equal(first.ObservedAt) {
		t.Fatalf("second instance: %+v; want the first's answer from the shared tier", second)
	}
	if p1.Calls() != 1 || p2.Calls() != 0 {
		t.Fatalf("provider calls: first instance %d, second %d; want 1 and 0", p1.Calls(), p2.Calls())
	}
	if st1, st2 := s1.Stats(), s2.Stats(); st1.Sets != 1 || st2.Hits != 1 {
		t.Errorf("stores: first %+v, second %+v; want one set, then one hit", st1, st2)
	}
	// The entry is in the namespace under the resolver's canonical key.
	var keys []string
	if _, err := s1.DeleteMatching(ctx, func(k string) bool { keys = append(keys, k); return false }); err != nil || len(keys) != 1 {
		t.Fatalf("keys in the namespace: %q, %v; want one", keys, err)
	}
}

// Fill claims on Redis: three instances miss a key at once, one pays for
// it and the others serve its answer from the shared tier.
func TestResolversClaimAMiss(t *testing.T) {
	addr := redisAddr(t)
	prefix := testPrefix(t, newClient(t, addr))
	cfg := resolverConfig(fallback.RateLimitConfig{})
	cfg.Cache.StoreTimeout = 5 * time.Second // see TestResolversShareTheTier
	cfg.Cache.Claim = time.Second
	cfg.Resolve.Deadline = 5 * time.Second
	var stores []*Store
	var fakes []*fake.Provider
	var rs []*fallback.Resolver
	for range 3 {
		s := openStore(t, addr, Config{Prefix: prefix, Timeout: 5 * time.Second})
		p, err := fake.New(fake.Config{Name: "ads", Value: 1.32, Latency: fake.Latency{Median: 100 * time.Millisecond}})
		require.NoError(t, err)
		r, err := fallback.New(cfg, fallback.WithStore(s), fallback.WithProvider("ads", p), fallback.WithSeed(1))
		require.NoError(t, err)
		t.Cleanup(func() { r.Close() })
		stores, fakes, rs = append(stores, s), append(fakes, p), append(rs, r)
	}
	results := make([]fallback.Result, len(rs))
	var wg sync.WaitGroup
	for i, r := range rs {
		wg.Go(func() {
			res, err := r.Resolve(context.Background(), "cpc", fallback.Params{"keyword": "shoes"})
			if err != nil {
				t.Error(err)
			}
			results[i] = res
		})
	}
	wg.Wait()
	var calls int64
	var claims, lost uint64
	layers := map[fallback.Layer]int{}
	for i := range rs {
		calls += fakes[i].Calls()
		claims, lost = claims+stores[i].Stats().Claims, lost+stores[i].Stats().ClaimsLost
		layers[results[i].Layer]++
		if results[i].Value != 1.32 {
			t.Errorf("instance %d: %+v; want 1.32", i, results[i])
		}
	}
	if calls != 1 || claims != 1 || lost != 2 {
		t.Errorf("provider calls %d, claims %d won and %d lost; want 1, 1, 2", calls, claims, lost)
	}
	if layers[fallback.LayerPrimary] != 1 || layers[fallback.LayerCache] != 2 {
		t.Errorf("layers %v; want one primary, two from the shared tier", layers)
	}
}

// Redis killed (or hung) mid-run: every resolve keeps answering, from the
// provider or the in-process tiers, with fill claims on or off. The
// store, the limiter and the resolver wait for Redis outageTimeout, not
// the 50ms default, so that a loaded machine is not taken for Redis
// failing before the test fails it; it stays failed to the end.
func TestResolvesSurviveRedisFailure(t *testing.T) {
	for _, tc := range []struct {
		mode  string
		claim time.Duration
	}{{"killed", 0}, {"hung", 0}, {"killed", 100 * time.Millisecond}, {"hung", 100 * time.Millisecond}} {
		mode := tc.mode
		t.Run(fmt.Sprintf("%s/claim=%v", mode, tc.claim), func(t *testing.T) {
			srv := startRedis(t)
			var c *redis.Client
			var fail func()
			release := func() {}
			if mode == "killed" {
				c = newClient(t, srv.Addr)
				fail = srv.Kill
			} else {
				// Redis stops answering; the client, built without
				// ContextTimeoutEnabled, would wait a minute for it.
				proxy := newStallProxy(t, srv.Addr)
				c = redis.NewClient(&redis.Options{Addr: proxy.Addr, ReadTimeout: time.Minute, WriteTimeout: time.Minute})
				t.Cleanup(func() { c.Close() })
				fail = proxy.Stall
				release = proxy.Close
			}
			// A cooldown longer than the test: after the first failure,
			// the calls fail fast instead of each waiting a timeout.
			store, err := New(c, Config{Timeout: outageTimeout, Cooldown: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			quota, err := NewLimiter(c, LimiterConfig{Instances: 2, Timeout: outageTimeout, Cooldown: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				// Let the calls abandoned in flight end (the proxy hangs
				// up) before Close waits for them.
				release()
				store.Close()
				quota.Close()
			}()
			cfg := resolverConfig(fallback.RateLimitConfig{PerSecond: 1000, Burst: 1000})
			cfg.Cache.Claim = tc.claim
			cfg.Cache.StoreTimeout = outageTimeout
			r, p := newInstanceOf(t, cfg, fallback.WithStore(store), fallback.WithSharedLimiter(quota))

			resolve := func(i int) {
				t.Helper()
				// A store timeout each for the read, the claim and the
				// quota, and room for a loaded machine; the client alone
				// would wait a minute for the hung Redis.
				ctx, cancel := context.WithTimeout(context.Background(), 6*outageTimeout)
				defer cancel()
				res, err := r.Resolve(ctx, "cpc", fallback.Params{"keyword": fmt.Sprint("kw", i)})
				if err != nil || res.Value != 1.32 {
					t.Fatalf("resolve %d: %+v, %v; want 1.32", i, res, err)
				}
			}
			for i := range 20 {
				resolve(i)
			}
			// The resolver writes from a goroutine of its own.
			require.Eventually(t, func() bool { return store.Stats().Sets == 20 }, 5*time.Second, time.Millisecond)
			if st := store.Stats(); st.Failures != 0 || (tc.claim > 0) != (st.Claims == 20) {
				t.Fatalf("store before the failure: %+v; want no failure, and a claim a key with claims on", st)
			}
			fail()
			for i := range 40 {
				resolve(i % 30) // ten new keys, twenty served in-process
			}
			if st := store.Stats(); st.Failures == 0 {
				t.Errorf("store after the failure: %+v; want failures counted", st)
			}
			if p.Calls() != 30 {
				t.Errorf("provider calls = %d, want 30 (one per key)", p.Calls())
			}
			// The first admission after the failure was abandoned by the
			// resolver at its store timeout; the limiter counts it (a
			// local admission) when that call ends, which may be after
			// the resolves that followed.
			require.Eventually(t, func() bool {
				st := quota.Stats()
				return st.Allowed == 20 && st.LocalAllowed == 10
			}, 5*time.Second, time.Millisecond, "quota: %+v; want 20 shared admissions, then 10 local ones", quota.Stats())
		})
	}
}

// Two instances sharing one quota: together they call the provider at
// most burst + perSecond × elapsed times.
func TestResolversShareTheQuota(t *testing.T) {
	addr := redisAddr(t)
	admin := newClient(t, addr)
	prefix := testPrefix(t, admin)
	const perSecond, burst = 20.0, 5
	rl := fallback.RateLimitConfig{PerSecond: perSecond, Burst: burst}
	var fleet []*fallback.Resolver
	var provs []*fake.Provider
	for range 2 {
		l, err := NewLimiter(newClient(t, addr), LimiterConfig{Prefix: prefix, Instances: 2, Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		// The shared quota, not each instance's local fallback (taken when
		// Redis does not answer within the store timeout, as it may not
		// under -race on a loaded machine), is under test.
		cfg := resolverConfig(rl)
		cfg.Cache.StoreTimeout = 5 * time.Second
		r, p := newInstanceOf(t, cfg, fallback.WithSharedLimiter(l))
		fleet, provs = append(fleet, r), append(provs, p)
	}
	const window = time.Second
	var wg sync.WaitGroup
	var mu sync.Mutex
	layers := map[fallback.Layer]int{}
	start := time.Now()
	for w := range 4 {
		wg.Go(func() {
			r := fleet[w%2]
			for i := 0; time.Since(start) < window; i++ {
				res, err := r.Resolve(context.Background(), "cpc", fallback.Params{"keyword": fmt.Sprintf("w%d-%d", w, i)})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				layers[res.Layer]++
				mu.Unlock()
				time.Sleep(2 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	calls := provs[0].Calls() + provs[1].Calls()
	limit := burst + perSecond*elapsed.Seconds()
	t.Logf("answers by layer %v; provider calls %d + %d in %v; quota allows %.1f", layers, provs[0].Calls(), provs[1].Calls(), elapsed, limit)
	if float64(calls) > limit {
		t.Fatalf("the fleet called the provider %d times in %v; the quota allows %.1f", calls, elapsed, limit)
	}
	if float64(calls) < burst+perSecond*window.Seconds()/2 {
		t.Fatalf("the fleet called the provider only %d times: the quota was not used", calls)
	}
	if provs[0].Calls() == 0 || provs[1].Calls() == 0 {
		t.Errorf("an instance never got to call its provider")
	}
	if layers[fallback.LayerDefault] == 0 {
		t.Errorf("no resolve was refused a provider call; the test did not exceed the quota")
	}
	// The bucket's key, as docs/state.md names it.
	if key := "rate:" + prefix + ":v1:quota:provider:ads"; admin.Exists(context.Background(), key).Val() != 1 {
		t.Errorf("no limiter state at %s", key)
	}
}
