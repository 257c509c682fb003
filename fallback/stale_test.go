package fallback

import (
	"bytes"
	"context"
	"math"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/providers"
)

// Stale-if-error from the shared tier: an instance with no last good
// answer of its own answers from an entry another instance wrote, kept
// past its TTL for the stale window.

// down makes both stubs fail as in a total outage.
func down(p1, s1 *stub) {
	p1.fail(providers.Transient)
	s1.fail(providers.Transient)
}

func TestStaleReadAfterRestart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newMemStore()
		cfg := testConfig() // TTL 1m, half-life 1h
		a := newTestResolver(t, cfg, newStub(1.25), newStub(1), WithStore(st), WithHistory(noHistory{}))
		first, err := a.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		require.Equal(t, LayerPrimary, first.Layer)
		synctest.Wait() // the writer wrote it
		_, sets := st.counts()
		assert.Equal(t, []time.Duration{time.Minute + DefaultStaleWindow}, sets, "kept for the TTL plus the stale window")
		require.NoError(t, a.Close())

		// Ten minutes later, a new instance during a total outage.
		time.Sleep(10 * time.Minute)
		p1, s1 := newStub(9), newStub(9)
		down(p1, s1)
		b := newTestResolver(t, cfg, p1, s1, WithStore(st), WithHistory(noHistory{}))
		res, err := b.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, LayerCache, res.Layer, "the other instance's last good answer: %+v", res)
		assert.Equal(t, 1.25, res.Value)
		assert.Equal(t, "p1", res.Source)
		assert.True(t, res.ObservedAt.Equal(first.ObservedAt))
		// Ten minutes and the failed attempts' retries ago.
		f := math.Exp2(-time.Since(first.ObservedAt).Hours())
		assert.InDelta(t, math.Exp2(-10.0/60), f, 1e-3)
		assert.InDelta(t, f, res.Freshness, 1e-9, "scored like any cached answer")
		assert.InDelta(t, 0.95*f, res.Confidence, 1e-9)
		assert.Positive(t, p1.calls.Load(), "the providers were asked first")
	})
}

func TestStaleWindowOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newMemStore()
		cfg := testConfig()
		cfg.Cache.StaleWindow = -1
		a := newTestResolver(t, cfg, newStub(1.25), newStub(1), WithStore(st), WithHistory(noHistory{}))
		_, err := a.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		synctest.Wait()
		_, sets := st.counts()
		assert.Equal(t, []time.Duration{time.Minute}, sets, "kept for the TTL only")
		time.Sleep(2 * time.Minute)
		p1, s1 := newStub(9), newStub(9)
		down(p1, s1)
		b := newTestResolver(t, cfg, p1, s1, WithStore(st), WithHistory(noHistory{}))
		res, err := b.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, LayerDefault, res.Layer, "nothing kept past the TTL")
	})
}

func TestStaleWindowBoundedByRetention(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newMemStore()
		cfg := testConfig()
		cfg.Retention = 2 * time.Hour
		p1 := newStub(1.25)
		p1.set(func(context.Context, providers.Request) (providers.Response, error) {
			// Measured half an hour ago: the retention counts from here.
			return providers.Response{Value: 1.25, ObservedAt: time.Now().Add(-30 * time.Minute)}, nil
		})
		a := newTestResolver(t, cfg, p1, newStub(1), WithStore(st), WithHistory(noHistory{}))
		_, err := a.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		synctest.Wait()
		_, sets := st.counts()
		assert.Equal(t, []time.Duration{90 * time.Minute}, sets, "no longer than what is left of the retention")
	})
}

// A store that keeps entries longer than asked does not get them served
// beyond the retention, nor beyond the TTL plus the stale window.
func TestStaleReadRefusesWhatIsTooOld(t *testing.T) {
	for _, tc := range []struct {
		name      string
		retention time.Duration
		age       time.Duration
		want      Layer
	}{
		{"within both", 0, time.Hour, LayerCache},
		{"beyond the retention", 30 * time.Minute, time.Hour, LayerDefault},
		{"beyond the stale window", 0, DefaultStaleWindow + 2*time.Minute, LayerDefault},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				st := newMemStore()
				now := time.Now()
				// Confidence 1 and a long half-life: acceptance would take it.
				require.NoError(t, st.Set(context.Background(), shoesKey(t), cache.Entry{Value: 2, ObservedAt: now, StoredAt: now, Source: "p1", Confidence: 1, Layer: 1}, 0))
				time.Sleep(tc.age)
				cfg := testConfig()
				cfg.Retention = tc.retention
				cfg.DataTypes[0].HalfLife = 1000 * time.Hour
				p1, s1 := newStub(9), newStub(9)
				down(p1, s1)
				r := newTestResolver(t, cfg, p1, s1, WithStore(st), WithHistory(noHistory{}))
				res, err := r.Resolve(context.Background(), "cpc", shoes)
				require.NoError(t, err)
				assert.Equal(t, tc.want, res.Layer)
			})
		})
	}
}

// shoesKey is the canonical key of shoes in testConfig.
func shoesKey(t *testing.T) string {
	t.Helper()
	r, err := New(testConfig(), WithProvider("p1", newStub(1)), WithProvider("s1", newStub(1)))
	require.NoError(t, err)
	defer r.Close()
	k, err := r.Key("cpc", shoes)
	require.NoError(t, err)
	return k
}

// A stale entry is scored by the same acceptance rule as the process's
// own last good answer, and checked as a provider's answer is.
func TestStaleReadCheckedAndScored(t *testing.T) {
	for _, tc := range []struct {
		name string
		e    func(now time.Time) cache.Entry
		want Layer
	}{
		{"accepted", func(now time.Time) cache.Entry {
			return cache.Entry{Value: 2, ObservedAt: now.Add(-time.Hour), StoredAt: now.Add(-time.Hour), Source: "p1", Confidence: 0.9}
		}, LayerCache},
		// 0.6 × 0.9 + 0.4 × 2^-3 = 0.59 < 0.65.
		{"too old for the acceptance rule", func(now time.Time) cache.Entry {
			return cache.Entry{Value: 2, ObservedAt: now.Add(-3 * time.Hour), StoredAt: now.Add(-3 * time.Hour), Source: "p1", Confidence: 0.9}
		}, LayerDefault},
		{"out of bounds", func(now time.Time) cache.Entry {
			return cache.Entry{Value: 1e6, ObservedAt: now, StoredAt: now, Source: "p1", Confidence: 0.9}
		}, LayerDefault},
		{"from the future", func(now time.Time) cache.Entry {
			return cache.Entry{Value: 2, ObservedAt: now.Add(time.Hour), StoredAt: now.Add(time.Hour), Source: "p1", Confidence: 0.9}
		}, LayerDefault},
		// docs/state.md: an entry stored up to a minute ahead of the
		// reader's clock is read; beyond it, refused. Each of these
		// would be accepted with its times taken into the present.
		{"stored more than a minute ahead", func(now time.Time) cache.Entry {
			return cache.Entry{Value: 2, ObservedAt: now.Add(-10 * time.Minute), StoredAt: now.Add(2 * time.Minute), Source: "p1", Confidence: 0.9}
		}, LayerDefault},
		{"observed more than a minute ahead", func(now time.Time) cache.Entry {
			return cache.Entry{Value: 2, ObservedAt: now.Add(100 * time.Second), StoredAt: now.Add(50 * time.Second), Source: "p1", Confidence: 0.9}
		}, LayerDefault},
		{"observed long after it was stored", func(now time.Time) cache.Entry {
			return cache.Entry{Value: 2, ObservedAt: now.Add(-10 * time.Minute), StoredAt: now.Add(-2 * time.Hour), Source: "p1", Confidence: 0.9}
		}, LayerDefault},
		{"stored within a minute ahead", func(now time.Time) cache.Entry {
			return cache.Entry{Value: 2, ObservedAt: now.Add(-10 * time.Minute), StoredAt: now.Add(50 * time.Second), Source: "p1", Confidence: 0.9}
		}, LayerCache},
		{"no source", func(now time.Time) cache.Entry {
			return cache.Entry{Value: 2, ObservedAt: now, StoredAt: now, Confidence: 0.9}
		}, LayerDefault},
		{"a source no provider is named", func(now time.Time) cache.Entry {
			return cache.Entry{Value: 2, ObservedAt: now, StoredAt: now, Source: "P1\n" + strings.Repeat("x", 1<<20), Confidence: 0.9}
		}, LayerDefault},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				st := newMemStore()
				now := time.Now()
				st.entries[shoesKey(t)] = memEntry{e: tc.e(now)}
				p1, s1 := newStub(9), newStub(9)
				down(p1, s1)
				r := newTestResolver(t, testConfig(), p1, s1, WithStore(st), WithHistory(noHistory{}))
				res, err := r.Resolve(context.Background(), "cpc", shoes)
				require.NoError(t, err)
				assert.Equal(t, tc.want, res.Layer, "%+v", res)
				if tc.want == LayerCache {
					assert.Equal(t, 2.0, res.Value)
				}
			})
		})
	}
}

// The process's own last good answer comes first: the shared tier is
// read for layer 3 only when the process has none.
func TestStaleReadOnlyWithoutOwnAnswer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newMemStore()
		p1, s1 := newStub(1.25), newStub(1)
		r := newTestResolver(t, testConfig(), p1, s1, WithStore(st), WithHistory(noHistory{}))
		_, err := r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		synctest.Wait()
		// Another instance writes a newer answer; this one's is stale.
		now := time.Now()
		time.Sleep(2 * time.Minute)
		require.NoError(t, st.Set(context.Background(), shoesKey(t), cache.Entry{Value: 7, ObservedAt: now, StoredAt: now, Source: "p1", Confidence: 0.9}, time.Hour))
		time.Sleep(2 * time.Minute)
		down(p1, s1)
		gets, _ := st.counts()
		res, err := r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, LayerCache, res.Layer)
		assert.Equal(t, 1.25, res.Value, "its own answer")
		after, _ := st.counts()
		assert.Equal(t, gets+1, after, "one read, before the providers, none for layer 3")
	})
}

// A cache hit never writes to the store; a provider answer writes once,
// from the writer, so a store that hangs costs the caller nothing.
func TestStoreWritesOffThePath(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newMemStore()
		r := newTestResolver(t, testConfig(), newStub(1.25), newStub(1), WithStore(st), WithHistory(noHistory{}))
		for range 5 {
			_, err := r.Resolve(context.Background(), "cpc", shoes)
			require.NoError(t, err)
		}
		synctest.Wait()
		_, sets := st.counts()
		assert.Len(t, sets, 1, "one write for the provider answer, none for the four cache hits")

		hang := &blockingStore{release: make(chan struct{})}
		cfg := testConfig()
		cfg.Cache.WriteQueue = 2
		obs := &captured{}
		r2 := newTestResolver(t, cfg, newStub(1.25), newStub(1), WithStore(hang), WithHistory(noHistory{}), WithObserver(obs))
		start := time.Now()
		for i := range 6 {
			_, err := r2.Resolve(context.Background(), "cpc", Params{"keyword": "kw" + string(rune('a'+i))})
			require.NoError(t, err)
			if i == 0 {
				synctest.Wait() // the writer took it, and hangs in Set
			}
		}
		assert.Zero(t, time.Since(start), "no resolve waited for the store")
		synctest.Wait()
		// One write in flight (hanging), two queued, three dropped.
		snap := r2.Snapshot()
		assert.EqualValues(t, 3, snap.Overall.CallbackFailures, "the dropped writes are reported")
		flushEvents(r2)
		obs.mu.Lock()
		var dropped int
		for _, e := range obs.events {
			if e.Kind == EventCallback && e.Source == "store.Set" && e.Err != nil && e.Err.Error() == errQueueFull.Error() {
				dropped++
			}
		}
		obs.mu.Unlock()
		assert.Equal(t, 3, dropped)
		close(hang.release)
	})
}

// blockingStore's Set waits for release, ignoring its context.
type blockingStore struct {
	memStore
	release chan struct{}
}

func (s *blockingStore) Get(context.Context, string) (cache.Entry, bool, error) {
	return cache.Entry{}, false, nil
}

func (s *blockingStore) Set(context.Context, string, cache.Entry, time.Duration) error {
	<-s.release
	return nil
}

// Close bounds the writer: a write that ignores its context is abandoned
// and named, what is queued is dropped.
func TestCloseBoundsTheWriter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		hang := &blockingStore{release: make(chan struct{})}
		r := newTestResolver(t, testConfig(), newStub(1.25), newStub(1), WithStore(hang), WithHistory(noHistory{}))
		for i := range 3 {
			_, err := r.Resolve(context.Background(), "cpc", Params{"keyword": "kw" + string(rune('a'+i))})
			require.NoError(t, err)
		}
		synctest.Wait() // the writer hangs in the first Set
		start := time.Now()
		err := r.Close()
		assert.Equal(t, DefaultCloseTimeout, time.Since(start), "Close waited its bound, no more")
		var ce *CloseError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, []string{"store.Set"}, ce.Abandoned)
		close(hang.release)
	})
}

// Each instance's copy of a shared answer expires early, at random, so
// that when a key expires one instance of the fleet pays for a new answer
// and the others find it; without the jitter they all pay at once.
func TestSharedJitterSpreadsExpiry(t *testing.T) {
	for _, tc := range []struct {
		name   string
		jitter float64
		want   int64
	}{
		{"jitter", 0.2, 1},
		{"off", 0, 3}, // the default
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				st := newMemStore()
				cfg := testConfig() // TTL 1m
				cfg.Cache.SharedJitter = tc.jitter
				a := newTestResolver(t, cfg, newStub(1.25), newStub(1), WithStore(st), WithHistory(noHistory{}), WithSeed(1))
				_, err := a.Resolve(context.Background(), "cpc", shoes)
				require.NoError(t, err)
				synctest.Wait()
				var fleet []*Resolver
				var primaries []*stub
				for i := range 3 {
					p1 := newStub(1.3)
					p1.set(func(ctx context.Context, _ providers.Request) (providers.Response, error) {
						time.Sleep(5 * time.Millisecond) // a provider takes a while
						return providers.Response{Value: 1.3}, nil
					})
					r := newTestResolver(t, cfg, p1, newStub(1), WithStore(st), WithHistory(noHistory{}), WithSeed(uint64(10+i)))
					res, err := r.Resolve(context.Background(), "cpc", shoes)
					require.NoError(t, err)
					require.Equal(t, LayerCache, res.Layer, "served from the shared tier")
					fleet, primaries = append(fleet, r), append(primaries, p1)
				}
				// Every instance resolves the key every second, all at
				// once, until a minute after A's answer: each pays when its
				// copy expires, unless another's new answer is in the shared
				// tier by then.
				for range 60 {
					time.Sleep(time.Second)
					var wg sync.WaitGroup
					for _, r := range fleet {
						wg.Go(func() {
							_, err := r.Resolve(context.Background(), "cpc", shoes)
							assert.NoError(t, err)
						})
					}
					wg.Wait()
				}
				var calls int64
				for _, p1 := range primaries {
					calls += p1.calls.Load()
				}
				assert.Equal(t, tc.want, calls)
			})
		})
	}
}

// The shift is within [0, SharedJitter × TTL], drawn anew for each read;
// layer 3's reads are not shifted.
func TestSharedJitterBounds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newMemStore()
		now := time.Now()
		key := shoesKey(t)
		require.NoError(t, st.Set(context.Background(), key, cache.Entry{Value: 2, ObservedAt: now, StoredAt: now, Source: "p1", Confidence: 1}, 0))
		cfg := testConfig()
		cfg.Cache.SharedJitter = 0.2
		r := newTestResolver(t, cfg, newStub(1), newStub(1), WithStore(st), WithHistory(noHistory{}))
		dt := r.types["cpc"]
		seen := map[time.Time]bool{}
		for range 100 {
			e, ok, _ := r.storeGet(context.Background(), dt, key, now)
			require.True(t, ok)
			shift := now.Sub(e.StoredAt)
			assert.GreaterOrEqual(t, shift, time.Duration(0))
			assert.LessOrEqual(t, shift, 12*time.Second, "at most 0.2 × 1m")
			seen[e.StoredAt] = true
		}
		assert.Greater(t, len(seen), 90, "drawn anew each time")
		e, ok := r.staleShared(context.Background(), dt, key, now)
		require.True(t, ok)
		assert.True(t, e.StoredAt.Equal(now), "layer 3 reads the entry as stored")

		c, p := testConfig().withDefaults()
		require.Empty(t, p)
		assert.Zero(t, c.Cache.SharedJitter, "off by default")
		for _, v := range []float64{1.5, -0.1, math.NaN()} {
			bad := testConfig()
			bad.Cache.SharedJitter = v
			_, p = bad.withDefaults()
			require.Len(t, p, 1, "%v", v)
			assert.Equal(t, "cache.shared_jitter", p[0].Field)
		}
		off := testConfig()
		r0 := newTestResolver(t, off, newStub(1), newStub(1), WithStore(st), WithHistory(noHistory{}))
		e, ok, _ = r0.storeGet(context.Background(), r0.types["cpc"], key, now)
		require.True(t, ok)
		assert.True(t, e.StoredAt.Equal(now), "no shift when off")
	})
}

// A last good answer of the process's own that the acceptance rule
// refuses (one imported at a restart, ten hours old) does not hide the
// fleet's newer one: the shared tier is read then too, and its answer, two
// minutes old, served stale-if-error.
func TestAnOldOwnAnswerDoesNotHideTheFleetsNewerOne(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		st := newMemStore()
		cfg := testConfig() // TTL 1m, half-life 1h, default 1.0
		old := newTestResolver(t, cfg, newStub(1.25), newStub(1.25), WithHistory(noHistory{}))
		_, err := old.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		var state bytes.Buffer
		_, err = old.Export(context.Background(), &state)
		require.NoError(t, err)
		require.NoError(t, old.Close())

		time.Sleep(10 * time.Hour)
		peer := newTestResolver(t, cfg, newStub(1.30), newStub(1.30), WithStore(st), WithHistory(noHistory{}))
		_, err = peer.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		require.NoError(t, peer.Flush(context.Background()))
		time.Sleep(2 * time.Minute) // the peer's answer is past its TTL: stale-if-error only

		for _, imported := range []bool{false, true} {
			p1, s1 := newStub(9), newStub(9)
			down(p1, s1)
			b := newTestResolver(t, cfg, p1, s1, WithStore(st), WithHistory(noHistory{}))
			if imported {
				_, err := b.Import(context.Background(), bytes.NewReader(state.Bytes()))
				require.NoError(t, err)
			}
			res, err := b.Resolve(context.Background(), "cpc", shoes)
			require.NoError(t, err)
			assert.Equal(t, 1.30, res.Value, "imported=%v: the fleet's stale answer, 2 minutes old, is acceptable", imported)
			assert.Equal(t, LayerCache, res.Layer)
		}
	})
}

// A provider's valid answer is served whatever its age, as Result and
// providers.Response document: freshness weighs only in the cache's
// acceptance (layer 3). A fast primary's answer observed hours ago wins
// over a fresh secondary, which is not called, and says its age.
func TestAProviderAnswerIsServedWhateverItsAge(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		old := time.Now().Add(-5 * time.Hour) // five half-lives
		p1, s1 := newStub(0), newStub(2)
		p1.set(func(context.Context, providers.Request) (providers.Response, error) {
			return providers.Response{Value: 1, ObservedAt: old}, nil
		})
		s1.set(func(context.Context, providers.Request) (providers.Response, error) {
			time.Sleep(50 * time.Millisecond)
			return providers.Response{Value: 2}, nil
		})
		r := newTestResolver(t, testConfig(), p1, s1)
		res, err := r.Resolve(context.Background(), "cpc", shoes)
		require.NoError(t, err)
		assert.Equal(t, LayerPrimary, res.Layer)
		assert.Equal(t, "p1", res.Source)
		assert.True(t, res.ObservedAt.Equal(old))
		assert.InDelta(t, 1.0/32, res.Freshness, 1e-12)
		assert.Zero(t, s1.calls.Load())
	})
}
