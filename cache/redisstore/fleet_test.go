package redisstore

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/breaker"
	"github.com/strata-go/strata/fallback"
	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/fake"
	"github.com/strata-go/strata/stats"
)

// The fleet tests: resolvers standing for instances of one program,
// sharing everything strata can share through one Redis — the stale
// tier, the history and the breakers' openings — and Redis failing under
// them.

// fleetMember is one instance: its client, its Redis-backed parts and its
// resolver.
type fleetMember struct {
	r       *fallback.Resolver
	ads     *fake.Provider
	store   *Store
	history *History
	bus     *HealthBus
	opened  chan fallback.HealthEvent // the openings the resolver heard, once it took them
}

// tapBus tells a test which openings its resolver took.
type tapBus struct {
	*HealthBus
	opened chan fallback.HealthEvent
}

func (b tapBus) Subscribe(ctx context.Context, deliver func(fallback.HealthEvent)) error {
	return b.HealthBus.Subscribe(ctx, func(ev fallback.HealthEvent) {
		deliver(ev)
		if ev.Kind == fallback.HealthOpened {
			select {
			case b.opened <- ev:
			default:
			}
		}
	})
}

// fleetOptions say what an instance shares.
type fleetOptions struct {
	store, history, health bool
	ttl                    time.Duration
	staleWindow            time.Duration
	hashKey                []byte
	// timeout is the parts' Timeout and the resolver's
	// cache.store_timeout; 0: testTimeout.
	timeout time.Duration
	// cooldown is the parts' Cooldown; 0: 200ms.
	cooldown time.Duration
}

// outageTimeout is the parts' Timeout and the resolver's
// cache.store_timeout where a test fails Redis under them: ten times the
// 50ms default, so that a round trip on a loaded machine under the race
// detector is not taken for Redis failing, and small against the faults
// those tests inject, which last until the test ends them.
const outageTimeout = 500 * time.Millisecond

// fleetConfig is resolverConfig with the options' TTL, stale window,
// fleet health and store timeout, a sensitive param, and a breaker that
// opens after two failures for a second.
func fleetConfig(o fleetOptions) fallback.Config {
	cfg := resolverConfig(fallback.RateLimitConfig{})
	cfg.Cache.StoreTimeout = cmp.Or(o.timeout, testTimeout)
	cfg.DataTypes[0].Params = append(cfg.DataTypes[0].Params, fallback.ParamConfig{Name: "user", Sensitive: true})
	if o.ttl > 0 {
		cfg.DataTypes[0].TTL = o.ttl
	}
	cfg.Cache.StaleWindow = o.staleWindow
	cfg.FleetHealth.Enabled = o.health
	cfg.Breaker = breaker.Config{ConsecutiveFailures: 2, OpenDuration: time.Second, HalfOpenProbes: 1, Adaptive: breaker.AdaptiveConfig{Disabled: true}}
	cfg.Retry = fallback.RetryConfig{MaxAttempts: 1}
	return cfg
}

// join starts an instance on addr in namespace prefix.
func join(t *testing.T, addr, prefix string, o fleetOptions) *fleetMember {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, ContextTimeoutEnabled: true, MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	return joinWith(t, c, prefix, o)
}

// joinWith starts an instance on c. It makes c's first connection first:
// it can take longer than the parts' timeout.
func joinWith(t *testing.T, c redis.UniversalClient, prefix string, o fleetOptions) *fleetMember {
	t.Helper()
	require.NoError(t, c.Ping(context.Background()).Err())
	m := &fleetMember{}
	var err error
	m.ads, err = fake.New(fake.Config{Name: "ads", Value: 1.32})
	require.NoError(t, err)
	opts := []fallback.Option{fallback.WithProvider("ads", m.ads), fallback.WithHashKey(o.hashKey)}
	if o.hashKey == nil {
		opts[1] = fallback.WithHashKey([]byte("fleet test key"))
	}
	timeout, cooldown := cmp.Or(o.timeout, testTimeout), cmp.Or(o.cooldown, 200*time.Millisecond)
	if o.store {
		m.store, err = New(c, Config{Prefix: prefix, Timeout: timeout, Cooldown: cooldown})
		require.NoError(t, err)
		opts = append(opts, fallback.WithStore(m.store))
	}
	if o.history {
		m.history, err = NewHistory(c, HistoryConfig{Prefix: prefix, Timeout: timeout, Cooldown: cooldown})
		require.NoError(t, err)
		opts = append(opts, fallback.WithSharedHistory(m.history))
	}
	if o.health {
		m.bus, err = NewHealthBus(c, HealthBusConfig{Prefix: prefix, Timeout: timeout, Cooldown: cooldown, Ping: 200 * time.Millisecond})
		require.NoError(t, err)
		m.opened = make(chan fallback.HealthEvent, 16)
		opts = append(opts, fallback.WithHealthBus(tapBus{m.bus, m.opened}))
	}
	m.r, err = fallback.New(fleetConfig(o), opts...)
	require.NoError(t, err)
	t.Cleanup(m.close)
	return m
}

func (m *fleetMember) close() {
	m.r.Close()
	if m.store != nil {
		m.store.Close()
	}
	if m.history != nil {
		m.history.Close()
	}
	if m.bus != nil {
		m.bus.Close()
	}
}

func kw(i int) fallback.Params { return fallback.Params{"keyword": fmt.Sprint("kw", i)} }

// After a restart during a total outage, the new instance answers the
// keys the old one saw from the entries it left in the shared tier.
func TestFleetStaleReadsAfterRestart(t *testing.T) {
	addr := redisAddr(t)
	c := newClient(t, addr)
	prefix := testPrefix(t, c)
	o := fleetOptions{store: true, ttl: 100 * time.Millisecond, staleWindow: time.Hour}
	a := join(t, addr, prefix, o)
	ctx := context.Background()
	const keys = 20
	for i := range keys {
		res, err := a.r.Resolve(ctx, "cpc", kw(i))
		require.NoError(t, err)
		require.Equal(t, fallback.LayerPrimary, res.Layer)
	}
	require.Eventually(t, func() bool { return a.store.Stats().Sets == keys }, 5*time.Second, time.Millisecond)
	key, err := a.r.Key("cpc", kw(0))
	require.NoError(t, err)
	pttl, err := c.PTTL(ctx, a.store.Key(key)).Result()
	require.NoError(t, err)
	assert.InDelta(t, (time.Hour + 100*time.Millisecond).Seconds(), pttl.Seconds(), 5, "kept for the TTL plus the stale window")
	a.close()

	time.Sleep(200 * time.Millisecond) // past the TTL
	b := join(t, addr, prefix, o)
	b.ads.SetDown(providers.Transient)
	for i := range keys {
		res, err := b.r.Resolve(ctx, "cpc", kw(i))
		require.NoError(t, err)
		assert.Equal(t, fallback.LayerCache, res.Layer, "key %d: %+v", i, res)
		assert.Equal(t, 1.32, res.Value)
		assert.Equal(t, "ads", res.Source)
	}
}

// Three instances record one observation per key and period between
// them; a fourth, new, forecasts from the fleet's series; Forget reaches
// it, and the series' keys hold no sensitive value.
func TestFleetSharedHistory(t *testing.T) {
	addr := redisAddr(t)
	c := newClient(t, addr)
	prefix := testPrefix(t, c)
	o := fleetOptions{history: true}
	ctx := context.Background()
	params := fallback.Params{"keyword": "shoes", "user": "alice@example.org"}
	var fleet []*fleetMember
	for range 3 {
		m := join(t, addr, prefix, o)
		fleet = append(fleet, m)
		_, err := m.r.Resolve(ctx, "cpc", params)
		require.NoError(t, err)
	}
	key, err := fleet[0].r.Key("cpc", params)
	require.NoError(t, err)
	assert.NotContains(t, key, "alice", "the key holds the keyed hash")
	require.Eventually(t, func() bool {
		var appends, dups uint64
		for _, m := range fleet {
			st := m.history.Stats()
			appends, dups = appends+st.Appends, dups+st.Duplicates
		}
		return appends+dups == 3
	}, 5*time.Second, time.Millisecond)
	n, err := c.ZCard(ctx, fleet[0].history.Key(key)).Result()
	require.NoError(t, err)
	assert.EqualValues(t, 1, n, "one observation per key and period for the fleet")

	// Forty days of the fleet's history for another key.
	boots := fallback.Params{"keyword": "boots", "user": "alice@example.org"}
	bootsKey, err := fleet[0].r.Key("cpc", boots)
	require.NoError(t, err)
	last := stats.Daily.Index(time.Now()) - 1
	for k := range 40 {
		at := stats.Daily.Start(last - int64(39-k)).Add(time.Hour)
		require.NoError(t, fleet[0].history.Append(ctx, bootsKey, stats.Observation{At: at, Value: 2 + 0.01*float64(k) + 0.05*math.Sin(float64(k))}))
	}
	d := join(t, addr, prefix, o)
	d.ads.SetDown(providers.Transient)
	res, err := d.r.Resolve(ctx, "cpc", boots)
	require.NoError(t, err)
	assert.Equal(t, fallback.LayerStatistical, res.Layer, "%+v", res)
	assert.InDelta(t, 2.4, res.Value, 0.3)

	var keys []string
	iter := c.Scan(ctx, 0, prefix+":*", 100).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	require.Len(t, keys, 2)
	for _, k := range keys {
		assert.NotContains(t, k, "alice")
	}
	rep, err := d.r.Forget(ctx, "user", "alice@example.org")
	require.NoError(t, err)
	assert.Equal(t, 2, rep.History, "both series, through the hash")
	left, err := d.history.Keys(ctx)
	require.NoError(t, err)
	assert.Empty(t, left)
}

// When one instance's breaker opens, the other holds the provider within
// a second, without a failed call of its own.
func TestFleetHealthOverRedis(t *testing.T) {
	addr := redisAddr(t)
	prefix := testPrefix(t, newClient(t, addr))
	o := fleetOptions{health: true}
	a := join(t, addr, prefix, o)
	b := join(t, addr, prefix, o)
	ctx := context.Background()
	// Both subscribed: a probe event from a third bus reaches both.
	probe, err := NewHealthBus(newClient(t, addr), HealthBusConfig{Prefix: prefix, Timeout: testTimeout})
	require.NoError(t, err)
	defer probe.Close()
	require.Eventually(t, func() bool {
		require.NoError(t, probe.Publish(ctx, fallback.HealthEvent{Kind: fallback.HealthSucceeded, Provider: "nope", Instance: "probe", At: time.Now()}))
		return a.bus.Stats().Received > 0 && b.bus.Stats().Received > 0
	}, 10*time.Second, 50*time.Millisecond)

	a.ads.SetDown(providers.Transient)
	for range 2 {
		_, err := a.r.Resolve(ctx, "cpc", kw(0))
		require.NoError(t, err)
	}
	opened := time.Now()
	select {
	case ev := <-b.opened:
		assert.Equal(t, "ads", ev.Provider)
		assert.Equal(t, time.Second, ev.For)
		t.Logf("B took A's opening %v after it", time.Since(opened))
	case <-time.After(time.Second):
		t.Fatal("B did not hear within a second")
	}
	b.ads.SetDown(providers.Transient)
	for i := range 5 {
		res, err := b.r.Resolve(ctx, "cpc", kw(i))
		require.NoError(t, err)
		assert.Equal(t, fallback.LayerDefault, res.Layer)
	}
	assert.Zero(t, b.ads.Calls(), "B spent no failed call")
	assert.EqualValues(t, 2, a.ads.Calls())
	snap := b.r.Snapshot()
	for _, p := range snap.Providers {
		assert.Equal(t, "closed", p.Breaker, "B's own breaker is untouched")
	}
}

// Redis killed, paused, slow or flushed mid-run: every resolve answers
// within its deadline from the process's own layers, nothing local is
// lost, and everything comes back by itself.
//
// Redis stays failed until the resolves are done: paused for longer than
// they can take, or slowed to a round trip longer than their deadline,
// so that a resolve that waited for it would miss the deadline. The
// deadline is six store timeouts (outageTimeout): a new key's resolve
// reads the shared tier, then the shared history, before its default,
// each read cut at a store timeout until the parts' cooldown makes them
// fail at once (the slowest took three), and the rest is room for a
// loaded machine.
func TestFleetSurvivesRedisFailure(t *testing.T) {
	for _, mode := range []string{"killed", "paused", "slow", "flushed"} {
		t.Run(mode, func(t *testing.T) {
			srv := startRedis(t)
			proxy := newStallProxy(t, srv.Addr)
			c := redis.NewClient(&redis.Options{Addr: proxy.Addr, ContextTimeoutEnabled: true, MaxRetries: -1})
			t.Cleanup(func() { c.Close() })
			admin := newClient(t, srv.Addr)
			o := fleetOptions{store: true, history: true, health: true, ttl: time.Hour, staleWindow: time.Hour,
				timeout: outageTimeout, cooldown: 2 * time.Second}
			a := joinWith(t, c, "fleet", o)
			ctx := context.Background()
			const keys = 20
			for i := range keys {
				res, err := a.r.Resolve(ctx, "cpc", kw(i))
				require.NoError(t, err)
				require.Equal(t, fallback.LayerPrimary, res.Layer)
			}
			if !assert.Eventually(t, func() bool { return a.store.Stats().Sets == keys && a.history.Stats().Appends == keys }, 5*time.Second, time.Millisecond) {
				t.Fatalf("store %+v history %+v snapshot %+v", a.store.Stats(), a.history.Stats(), a.r.Snapshot().Overall)
			}

			// The provider is down too: the process's own layers answer,
			// each within its deadline.
			const deadline = 6 * outageTimeout
			var restore func()
			switch mode {
			case "killed":
				srv.Kill()
				restore = func() { srv.Restart(t) }
			case "paused":
				// Longer than the resolves below take (a few store
				// timeouts, each followed by a cooldown's fast
				// failures); it cannot be lifted early, as CLIENT
				// UNPAUSE waits for it too.
				const pause = 8 * time.Second
				until := time.Now().Add(pause)
				require.NoError(t, admin.Do(ctx, "CLIENT", "PAUSE", pause.Milliseconds(), "ALL").Err())
				restore = func() { time.Sleep(time.Until(until)) }
			case "slow":
				proxy.Slow(deadline + time.Second) // every round trip outlasts a resolve's deadline
				restore = func() { proxy.Slow(0) }
			case "flushed":
				require.NoError(t, admin.FlushAll(ctx).Err())
				restore = func() {}
			}

			a.ads.SetDown(providers.Transient)
			var slowest time.Duration
			layers := map[fallback.Layer]int{}
			for round := range 3 {
				for i := range keys + 5 {
					rctx, cancel := context.WithTimeout(ctx, deadline)
					start := time.Now()
					res, err := a.r.Resolve(rctx, "cpc", kw(i))
					took := time.Since(start)
					cancel()
					require.NoError(t, err, "round %d key %d", round, i)
					slowest = max(slowest, took)
					layers[res.Layer]++
					if i < keys {
						assert.Equal(t, fallback.LayerCache, res.Layer, "key %d: its own last good answer", i)
						assert.Equal(t, 1.32, res.Value)
					}
				}
			}
			t.Logf("%s: slowest resolve %v; layers %v", mode, slowest, layers)
			assert.Less(t, slowest, deadline)
			assert.Equal(t, 3*keys, layers[fallback.LayerCache])

			// Back: the writes reach Redis again, another instance is
			// served from the shared tier, and the subscription hears
			// again.
			restore()
			a.ads.SetUp()
			sets := a.store.Stats().Sets
			var next atomic.Int64
			require.Eventually(t, func() bool {
				i := int(next.Add(1))
				_, err := a.r.Resolve(ctx, "cpc", kw(1000+i))
				require.NoError(t, err)
				return a.store.Stats().Sets > sets
			}, 10*time.Second, 50*time.Millisecond, "writes resume")
			b := join(t, srv.Addr, "fleet", o)
			b.ads.SetDown(providers.Transient)
			res, err := b.r.Resolve(ctx, "cpc", kw(1000+int(next.Load())))
			require.NoError(t, err)
			assert.Equal(t, fallback.LayerCache, res.Layer, "served from the shared tier")
			received := a.bus.Stats().Received
			require.Eventually(t, func() bool {
				require.NoError(t, b.bus.Publish(ctx, fallback.HealthEvent{Kind: fallback.HealthSucceeded, Provider: "nope", Instance: "b", At: time.Now()}))
				return a.bus.Stats().Received > received
			}, 15*time.Second, 100*time.Millisecond, "the subscription reconnected")
			if mode == "killed" || mode == "flushed" {
				// Redis lost everything; the process lost nothing.
				for i := range keys {
					res, err := a.r.Resolve(ctx, "cpc", kw(i))
					require.NoError(t, err)
					assert.Equal(t, fallback.LayerCache, res.Layer)
				}
			}
			if mode != "flushed" {
				proxy.Close() // end the connections the slow mode holds before Close waits
			}
		})
	}
}
