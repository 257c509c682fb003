package cache

import (
	"fmt"
	"math"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFreshness(t *testing.T) {
	h := time.Hour
	assert.Equal(t, 1.0, Freshness(0, h))
	assert.Equal(t, 1.0, Freshness(-time.Minute, h), "clock skew counts as now")
	assert.InDelta(t, 0.5, Freshness(h, h), 1e-12)
	assert.InDelta(t, 0.25, Freshness(2*h, h), 1e-12)
	assert.InDelta(t, math.Exp2(-0.5), Freshness(30*time.Minute, h), 1e-12)
	assert.Equal(t, 1.0, Freshness(10*h, 0), "no half-life: never ages")
}

func TestAcceptanceSeedRule(t *testing.T) {
	a := Acceptance{ConfidenceWeight: 0.6, FreshnessWeight: 0.4, Threshold: 0.65}
	// A confident, fresh entry passes; the same entry at 5 half-lives fails.
	s, ok := a.Accept(0.95, 1)
	assert.True(t, ok)
	assert.InDelta(t, 0.97, s, 1e-12)
	s, ok = a.Accept(0.95, Freshness(5*time.Hour, time.Hour))
	assert.False(t, ok)
	assert.InDelta(t, 0.57+0.4/32, s, 1e-12)
	// The boundary is inclusive.
	_, ok = a.Accept(1, 0.125)
	assert.True(t, ok)
}

func TestFreshAndLastGoodOverTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, err := New(Config{})
		require.NoError(t, err)
		defer c.Close()
		now := time.Now()
		c.Put("k", Entry{Value: 2, ObservedAt: now, StoredAt: now, Source: "p", Confidence: 0.9, Layer: 1}, time.Minute)
		e, ok := c.Fresh("k", time.Minute, time.Now())
		require.True(t, ok)
		assert.Equal(t, 2.0, e.Value)
		assert.Equal(t, "p", e.Source)

		time.Sleep(61 * time.Second)
		_, ok = c.Fresh("k", time.Minute, time.Now())
		assert.False(t, ok, "past its TTL an entry is not fresh")
		e, ok = c.LastGood("k")
		require.True(t, ok, "but it is still the last good answer")
		assert.Equal(t, 2.0, e.Value)

		assert.True(t, c.Delete("k"))
		_, ok = c.LastGood("k")
		assert.False(t, ok)
	})
}

func TestLastGoodNeverDropsBelowCapacity(t *testing.T) {
	// ristretto may refuse writes; the last-known-good store keeps every
	// key up to its capacity.
	c, err := New(Config{MaxCost: 1 << 10, LastGoodCapacity: 5000})
	require.NoError(t, err)
	defer c.Close()
	now := time.Now()
	for i := range 5000 {
		c.Put(fmt.Sprint("k", i), Entry{Value: float64(i), StoredAt: now, ObservedAt: now}, time.Hour)
	}
	for i := range 5000 {
		e, ok := c.Fresh(fmt.Sprint("k", i), time.Hour, now)
		require.True(t, ok, "key %d", i)
		assert.Equal(t, float64(i), e.Value)
	}
	assert.Equal(t, 5000, c.Len())

	// At capacity a new key pushes the least recently used one out.
	c.Put("one-more", Entry{StoredAt: now}, time.Hour)
	assert.Equal(t, 5000, c.Len(), "capacity holds")
	_, ok := c.LastGood("one-more")
	assert.True(t, ok)
}

func TestLastGoodEvictsLeastRecentlyUsed(t *testing.T) {
	c, err := New(Config{LastGoodCapacity: 3})
	require.NoError(t, err)
	defer c.Close()
	now := time.Now()
	for _, k := range []string{"a", "b", "c"} {
		c.Put(k, Entry{StoredAt: now}, 0)
	}
	_, _ = c.LastGood("a") // a is now the most recent
	c.Put("d", Entry{StoredAt: now}, 0)
	_, ok := c.LastGood("b")
	assert.False(t, ok, "b was the least recently used")
	for _, k := range []string{"a", "c", "d"} {
		_, ok := c.LastGood(k)
		assert.True(t, ok, k)
	}
}

func TestNewValidatesAndCloseIsIdempotent(t *testing.T) {
	_, err := New(Config{MaxCost: -1})
	assert.ErrorContains(t, err, "max_cost")
	_, err = New(Config{LastGoodCapacity: -1})
	assert.ErrorContains(t, err, "last_good_capacity")
	c, err := New(Config{})
	require.NoError(t, err)
	c.Close()
	c.Close()
	c.Put("k", Entry{}, time.Minute)
	_, ok := c.LastGood("k")
	assert.False(t, ok, "a closed cache answers nothing")
}

func TestFreshBytesAnswersAsFresh(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c, err := New(Config{})
		require.NoError(t, err)
		defer c.Close()
		now := time.Now()
		want := Entry{Value: 3, ObservedAt: now.Add(-time.Minute), StoredAt: now, Source: "p", Confidence: 0.8, Layer: 2}
		c.Put("cpc?keyword=shoes", want, time.Minute)
		// Decoded from a shared store: no monotonic clock reading.
		wall := Entry{Value: 4, ObservedAt: now.Round(0), StoredAt: now.Round(0), Source: "q", Confidence: 0.5, Layer: 1}
		c.Put("cpc?keyword=wall", wall, time.Minute)
		time.Sleep(time.Second)
		for _, key := range []string{"cpc?keyword=shoes", "cpc?keyword=wall", "cpc?keyword=boots"} {
			e1, ok1 := c.Fresh(key, time.Minute, time.Now())
			e2, stored, ok2 := c.FreshBytes([]byte(key), time.Minute)
			assert.Equal(t, ok1, ok2, key)
			if ok2 {
				assert.Equal(t, e1, *e2, key)
				assert.Equal(t, time.Second, stored, "%s: stored a second ago", key)
			} else {
				assert.Nil(t, e2, key)
			}
		}
		e, _, ok := c.FreshBytes([]byte("cpc?keyword=shoes"), time.Minute)
		require.True(t, ok)
		assert.Equal(t, want, *e, "an entry comes back exactly as it was put")
		e.Value = 99 // the rule is not to; a Put replaces the entry whole anyway
		c.Put("cpc?keyword=shoes", want, time.Minute)
		e, _, ok = c.FreshBytes([]byte("cpc?keyword=shoes"), time.Minute)
		require.True(t, ok)
		assert.Equal(t, want, *e, "a Put stores a new entry, never writes into the one handed out")
		time.Sleep(time.Minute - time.Second)
		_, _, ok = c.FreshBytes([]byte("cpc?keyword=shoes"), time.Minute)
		assert.False(t, ok, "at its TTL an entry is no longer fresh")
		_, _, ok = c.FreshBytes([]byte("cpc?keyword=wall"), time.Minute)
		assert.False(t, ok, "at its TTL a wall-clock entry is no longer fresh")
	})
}

func TestEntryIsAPlainValue(t *testing.T) {
	c, err := New(Config{})
	require.NoError(t, err)
	defer c.Close()
	now := time.Now()
	e := Entry{Value: 1, ObservedAt: now.Add(-time.Hour), StoredAt: now, Source: "p", Confidence: 1}
	c.Put("k", e, time.Minute)
	got, ok := c.LastGood("k")
	require.True(t, ok)
	got.Value = 99 // a copy: the cache's entry is untouched
	again, _ := c.LastGood("k")
	assert.Equal(t, 1.0, again.Value)
	// Freshness means the same for the stored entry and the one built here.
	assert.Equal(t, e.Freshness(time.Hour, now), again.Freshness(time.Hour, now))
	assert.InDelta(t, 0.5, e.Freshness(time.Hour, now), 1e-12)
}

func TestDeleteFuncReachesEveryStore(t *testing.T) {
	c, err := New(Config{})
	require.NoError(t, err)
	defer c.Close()
	now := time.Now()
	c.Put("a?x=1", Entry{Value: 1, StoredAt: now}, time.Minute)
	c.Put("b?x=1", Entry{Value: 2, StoredAt: now}, time.Minute)
	c.PutNegative("a?x=2", now.Add(time.Minute))
	var negSeen []string
	n := c.DeleteFunc(func(k string, _ Entry, ok bool) bool {
		if !ok {
			negSeen = append(negSeen, k)
		}
		return k[0] == 'a'
	})
	assert.Equal(t, 1, n)
	assert.Equal(t, []string{"a?x=2"}, negSeen)
	_, ok := c.Fresh("a?x=1", time.Minute, now)
	assert.False(t, ok, "gone from the read-through tier too")
	assert.False(t, c.Negative("a?x=2", now))
	_, ok = c.Fresh("b?x=1", time.Minute, now)
	assert.True(t, ok)
}

// TestExpireKeepsTheLastGood: an expired entry is fresh no more, in either
// tier, yet stays the key's last good answer; an entry handed out before
// is not changed, and the others are untouched.
func TestExpireKeepsTheLastGood(t *testing.T) {
	c, err := New(Config{})
	require.NoError(t, err)
	defer c.Close()
	now := time.Now()
	c.Put("a?x=1", Entry{Value: 1, StoredAt: now, Source: "p1"}, time.Minute)
	c.Put("b?x=1", Entry{Value: 2, StoredAt: now, Source: "p2"}, time.Minute)
	held, _, ok := c.FreshBytes([]byte("a?x=1"), time.Minute)
	require.True(t, ok)
	n := c.Expire(func(_ string, e Entry) bool { return e.Source == "p1" })
	assert.Equal(t, 1, n)
	_, ok = c.Fresh("a?x=1", time.Minute, now)
	assert.False(t, ok, "no longer fresh")
	_, _, ok = c.FreshBytes([]byte("a?x=1"), time.Minute)
	assert.False(t, ok, "no longer fresh on the hot path")
	e, ok := c.LastGood("a?x=1")
	require.True(t, ok, "still the last good answer")
	assert.Equal(t, 1.0, e.Value)
	assert.Equal(t, now, e.StoredAt, "with its stored time")
	assert.False(t, c.PutUnlessNewer("a?x=1", Entry{Value: 3, StoredAt: now.Add(-time.Second)}, 0),
		"an entry stored before it does not replace it")
	assert.Equal(t, now, held.StoredAt, "an entry handed out is never changed")
	_, ok = c.Fresh("b?x=1", time.Minute, now)
	assert.True(t, ok)
	assert.Equal(t, 1, c.Expire(func(string, Entry) bool { return true }), "b: a is not expired again")
}

// Expire keeps each entry where it was in the last-known-good store's
// recency order: it made the expired entries the most recently used, in
// reverse order, so the next new key pushed out the most recent answer
// and kept the least recent.
func TestExpireKeepsTheRecencyOrder(t *testing.T) {
	c, err := New(Config{LastGoodCapacity: 3})
	require.NoError(t, err)
	defer c.Close()
	now := time.Now()
	for _, k := range []string{"a", "b", "c"} { // c the most recent
		c.Put(k, Entry{StoredAt: now}, time.Minute)
	}
	assert.Equal(t, 3, c.Expire(func(string, Entry) bool { return true }))
	c.Put("d", Entry{StoredAt: now}, time.Minute)
	_, ok := c.LastGood("a")
	assert.False(t, ok, "a was the least recently used")
	for _, k := range []string{"b", "c", "d"} {
		_, ok := c.LastGood(k)
		assert.True(t, ok, k)
	}
}

// Every method may race Close: ristretto, which documents no use
// concurrent with its own Close, panics on a Set, Wait or Del that meets
// its closed channels. A resolve past the resolver's closed check, or a
// provider call Close abandoned, still reaches the cache.
func TestCloseRacesEveryMethod(t *testing.T) {
	now := time.Now()
	for round := range 100 {
		c, err := New(Config{})
		require.NoError(t, err)
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				for i := range 300 {
					k := fmt.Sprintf("k%d-%d", g, i%20)
					c.Put(k, Entry{Value: 1, StoredAt: now}, time.Minute)
					c.Fresh(k, time.Minute, now)
					c.FreshBytes([]byte(k), time.Minute)
					switch i % 9 {
					case 0:
						c.Delete(k)
					case 3:
						c.DeleteFunc(func(key string, _ Entry, _ bool) bool { return key == k })
					case 6:
						c.Expire(func(key string, _ Entry) bool { return key == k })
					}
				}
			})
		}
		time.Sleep(time.Duration(round%5) * 20 * time.Microsecond)
		c.Close()
		// Closed: nothing is answered, nothing kept, whatever still runs.
		c.Put("after", Entry{Value: 2, StoredAt: now}, time.Minute)
		_, ok := c.Fresh("after", time.Minute, now)
		assert.False(t, ok, "round %d: a closed cache answered", round)
		_, _, ok = c.FreshBytes([]byte("k0-1"), time.Minute)
		assert.False(t, ok, "round %d: a closed cache answered", round)
		wg.Wait()
		assert.Zero(t, c.Len(), "round %d", round)
	}
}

// A key the last-known-good store pushes out leaves the read-through tier
// too: nothing DeleteFunc or Expire can no longer find is served.
func TestAKeyPushedOutOfTheLastGoodStoreIsNotServed(t *testing.T) {
	c, err := New(Config{LastGoodCapacity: 1})
	require.NoError(t, err)
	defer c.Close()
	now := time.Now()
	c.Put("user:alice", Entry{Value: 1, Source: "p", StoredAt: now}, time.Hour)
	_, ok := c.Fresh("user:alice", time.Hour, now)
	require.True(t, ok)
	c.Put("user:bob", Entry{Value: 2, Source: "p", StoredAt: now}, time.Hour)
	_, ok = c.LastGood("user:alice")
	require.False(t, ok, "pushed out")
	_, ok = c.Fresh("user:alice", time.Hour, now)
	assert.False(t, ok, "and not served from the read-through tier")
	_, ok = c.Fresh("user:bob", time.Hour, now)
	assert.True(t, ok)
}

// A match that panics leaves the cache usable: its lock is released.
func TestAPanickingMatchLeavesTheCacheUsable(t *testing.T) {
	c, err := New(Config{})
	require.NoError(t, err)
	defer c.Close()
	c.Put("k", Entry{Value: 1, Source: "p", StoredAt: time.Now()}, time.Hour)
	for _, call := range []func(){
		func() { c.DeleteFunc(func(string, Entry, bool) bool { panic("match") }) },
		func() { c.Expire(func(string, Entry) bool { panic("match") }) },
	} {
		assert.Panics(t, call)
		done := make(chan bool, 1)
		go func() { _, ok := c.LastGood("k"); done <- ok }()
		select {
		case ok := <-done:
			assert.True(t, ok)
		case <-time.After(5 * time.Second):
			t.Fatal("the cache stayed locked")
		}
	}
}

// Concurrent Puts, and a Put and a Delete, of one key leave both tiers
// agreeing: what Fresh serves is what the last-known-good store holds.
func TestConcurrentWritesOfAKeyLeaveTheTiersAgreeing(t *testing.T) {
	c, err := New(Config{})
	require.NoError(t, err)
	defer c.Close()
	now := time.Now()
	for round := range 1000 {
		var wg sync.WaitGroup
		wg.Go(func() { c.Put("k", Entry{Value: 1, Source: "p", StoredAt: now}, time.Hour) })
		if round%2 == 0 {
			wg.Go(func() { c.Put("k", Entry{Value: 2, Source: "p", StoredAt: now}, time.Hour) })
		} else {
			wg.Go(func() { c.Delete("k") })
		}
		wg.Wait()
		fresh, fok := c.Fresh("k", time.Hour, now)
		last, lok := c.LastGood("k")
		require.Equal(t, lok, fok, "round %d", round)
		if fok {
			require.Equal(t, last.Value, fresh.Value, "round %d", round)
		}
		c.Delete("k")
	}
}

// A Put with no ttl is a last good answer only: never fresh, and the
// older fresh entry of the key is not served after it.
func TestAPutWithoutTTLIsNeverFresh(t *testing.T) {
	c, err := New(Config{})
	require.NoError(t, err)
	defer c.Close()
	now := time.Now()
	c.Put("k", Entry{Value: 1, StoredAt: now.Add(-time.Second), Source: "old"}, time.Minute)
	c.Put("k", Entry{Value: 2, StoredAt: now, Source: "imported"}, 0)
	lg, ok := c.LastGood("k")
	require.True(t, ok)
	assert.Equal(t, 2.0, lg.Value)
	_, ok = c.Fresh("k", time.Minute, now)
	assert.False(t, ok, "Fresh")
	_, _, ok = c.FreshBytes([]byte("k"), time.Minute)
	assert.False(t, ok, "FreshBytes")
}

// PutUnlessNewer keeps an entry stored at the same time or later, and
// replaces an older one, in one step: of concurrent calls the newest
// entry wins, whatever their order.
func TestPutUnlessNewerKeepsTheNewest(t *testing.T) {
	c, err := New(Config{})
	require.NoError(t, err)
	defer c.Close()
	now := time.Now()
	assert.True(t, c.PutUnlessNewer("k", Entry{Value: 1, StoredAt: now}, time.Minute), "nothing held")
	assert.False(t, c.PutUnlessNewer("k", Entry{Value: 2, StoredAt: now}, 0), "stored at the same time")
	assert.False(t, c.PutUnlessNewer("k", Entry{Value: 3, StoredAt: now.Add(-time.Second)}, 0), "older")
	e, ok := c.Fresh("k", time.Minute, now)
	require.True(t, ok, "the held entry is still fresh")
	assert.Equal(t, 1.0, e.Value)
	assert.True(t, c.PutUnlessNewer("k", Entry{Value: 4, StoredAt: now.Add(time.Second)}, 0), "newer")
	lg, _ := c.LastGood("k")
	assert.Equal(t, 4.0, lg.Value)

	for round := range 200 {
		key := fmt.Sprint("race", round)
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Go(func() {
				for i := range 5 {
					c.PutUnlessNewer(key, Entry{Value: float64(g*5 + i), StoredAt: now.Add(time.Duration(g*5+i) * time.Millisecond)}, 0)
				}
			})
		}
		wg.Wait()
		lg, _ := c.LastGood(key)
		assert.Equal(t, 19.0, lg.Value, "round %d", round)
	}
	c.Close()
	assert.False(t, c.PutUnlessNewer("k", Entry{Value: 5, StoredAt: now.Add(time.Hour)}, 0), "closed")
}

// PutLastGoodUnlessHeld keeps a fresh entry however old its StoredAt
// against e's, and one stored as late as e or later; else it stores e as a
// last good answer only, never fresh.
func TestPutLastGoodUnlessHeldKeepsAFreshEntry(t *testing.T) {
	c, err := New(Config{})
	require.NoError(t, err)
	defer c.Close()
	now := time.Now()
	stored, fresh := c.PutLastGoodUnlessHeld("k", Entry{Value: 1, StoredAt: now.Add(-time.Hour)}, time.Minute, now)
	assert.True(t, stored, "nothing held")
	assert.False(t, fresh)
	_, ok := c.Fresh("k", time.Hour+time.Minute, now)
	assert.False(t, ok, "a last good answer only")

	c.Put("k", Entry{Value: 2, StoredAt: now.Add(-30 * time.Second)}, time.Minute) // fresh, from a shared tier
	stored, fresh = c.PutLastGoodUnlessHeld("k", Entry{Value: 3, StoredAt: now.Add(-time.Second)}, time.Minute, now)
	assert.False(t, stored, "the held entry is fresh, though stored before e")
	assert.True(t, fresh)
	e, ok := c.Fresh("k", time.Minute, now)
	require.True(t, ok)
	assert.Equal(t, 2.0, e.Value)

	later := now.Add(time.Minute) // the held entry is past its TTL
	stored, fresh = c.PutLastGoodUnlessHeld("k", Entry{Value: 4, StoredAt: now.Add(-30 * time.Second)}, time.Minute, later)
	assert.False(t, stored, "stored at the same time")
	assert.False(t, fresh)
	stored, fresh = c.PutLastGoodUnlessHeld("k", Entry{Value: 5, StoredAt: now.Add(-time.Second)}, time.Minute, later)
	assert.True(t, stored, "newer, and the held entry not fresh")
	assert.False(t, fresh)
	lg, _ := c.LastGood("k")
	assert.Equal(t, 5.0, lg.Value)
	_, ok = c.Fresh("k", time.Hour, later)
	assert.False(t, ok, "a last good answer only")

	c.Close()
	stored, _ = c.PutLastGoodUnlessHeld("k", Entry{Value: 6, StoredAt: later}, time.Minute, later)
	assert.False(t, stored, "closed")
}

// Range visits every last good answer, most recently used first, without
// touching their recency, and calls fn without the cache's lock: fn (and
// every other caller) may use the cache meanwhile. An entry deleted before
// its chunk is copied is skipped.
func TestRangeVisitsWithoutHoldingTheCache(t *testing.T) {
	c, err := New(Config{LastGoodCapacity: 5000})
	require.NoError(t, err)
	defer c.Close()
	now := time.Now()
	const n = 3000 // three chunks
	for i := range n {
		c.Put(fmt.Sprint("k", i), Entry{Value: float64(i), StoredAt: now}, 0)
	}
	var seen []float64
	c.Range(func(key string, e Entry) bool {
		assert.Equal(t, fmt.Sprint("k", int(e.Value)), key)
		seen = append(seen, e.Value)
		if len(seen) == 1 {
			c.Put("new", Entry{Value: -1, StoredAt: now}, 0) // no deadlock: the lock is not held
			assert.True(t, c.Delete(fmt.Sprint("k", n-1-rangeChunk)), "an entry of the next chunk")
		}
		return true
	})
	require.Len(t, seen, n-1, "the entry deleted before its chunk was copied is skipped; the new one came after the keys were taken")
	assert.Equal(t, float64(n-1), seen[0], "the most recently used first")
	assert.Equal(t, 0.0, seen[len(seen)-1])

	// Recency untouched: the least recent is still k0, the first pushed out.
	c2, err := New(Config{LastGoodCapacity: 3})
	require.NoError(t, err)
	defer c2.Close()
	for _, k := range []string{"a", "b", "c"} {
		c2.Put(k, Entry{StoredAt: now}, 0)
	}
	count := 0
	c2.Range(func(string, Entry) bool { count++; return count < 2 })
	assert.Equal(t, 2, count, "stops when fn says so")
	c2.Put("d", Entry{StoredAt: now}, 0)
	_, ok := c2.LastGood("a")
	assert.False(t, ok, "a is still the least recently used")
}

// The numbers Config's doc comments give, as New applies them.
func TestDocumentedDefaults(t *testing.T) {
	c, err := New(Config{})
	require.NoError(t, err)
	defer c.Close()
	assert.EqualValues(t, 32<<20, c.hot.MaxCost(), "MaxCost: 32 MiB")
	assert.Equal(t, 100000, c.lkg.Cap(), "LastGoodCapacity")
	assert.Equal(t, 10000, c.neg.Cap(), "NegativeCapacity")
	assert.EqualValues(t, 1<<30, MaxCostLimit, "MaxCostLimit: 1 GiB")
}

// A hash collision in the read-through tier is never a wrong answer: an
// item filed under another key's hash is not served for that key, by
// Fresh or by FreshBytes.
func TestAHashCollisionIsNeverAWrongAnswer(t *testing.T) {
	c, err := New(Config{})
	require.NoError(t, err)
	defer c.Close()
	now := time.Now()
	c.Put("a", Entry{Value: 1, StoredAt: now, Source: "p1"}, time.Hour)
	// Make "a"'s item the one filed under "b"'s hash, as a collision would.
	a, ok := c.hotGet(c.hash("a"))
	require.True(t, ok)
	c.hot.Set(c.hash("b"), a, 100)
	c.hot.Wait()
	got, ok := c.hotGet(c.hash("b"))
	require.True(t, ok, "the collision is in place")
	require.Equal(t, "a", got.key)

	_, ok = c.Fresh("b", time.Hour, now)
	assert.False(t, ok, "Fresh served a's entry for b")
	_, _, ok = c.FreshBytes([]byte("b"), time.Hour)
	assert.False(t, ok, "FreshBytes served a's entry for b")

	// With b stored too, b's own entry answers, not the colliding one.
	c.lkg.Put("b", &item{key: "b", e: Entry{Value: 2, StoredAt: now}})
	e, ok := c.Fresh("b", time.Hour, now)
	require.True(t, ok)
	assert.Equal(t, 2.0, e.Value)
	p, _, ok := c.FreshBytes([]byte("b"), time.Hour)
	require.True(t, ok)
	assert.Equal(t, 2.0, p.Value)
}

// Fresh answers an entry stored less than ttl before now: at ttl it is
// stale.
func TestFreshIsStaleAtTheTTL(t *testing.T) {
	c, err := New(Config{})
	require.NoError(t, err)
	defer c.Close()
	now := time.Now()
	c.Put("k", Entry{Value: 1, StoredAt: now}, time.Minute)
	_, ok := c.Fresh("k", time.Minute, now.Add(time.Minute-time.Nanosecond))
	assert.True(t, ok, "just under the ttl")
	_, ok = c.Fresh("k", time.Minute, now.Add(time.Minute))
	assert.False(t, ok, "at the ttl")
	_, ok = c.freshStored("k", time.Minute, now.Add(time.Minute))
	assert.False(t, ok, "at the ttl, in the last-known-good store")
}

// Negative holds a key until the given time, not at it, and drops an
// expired record.
func TestNegativeHoldsUntilItsTimeAndDropsIt(t *testing.T) {
	c, err := New(Config{})
	require.NoError(t, err)
	defer c.Close()
	now := time.Now()
	until := now.Add(30 * time.Second)
	c.PutNegative("k", until)
	assert.True(t, c.Negative("k", now))
	assert.True(t, c.Negative("k", until.Add(-time.Nanosecond)))
	assert.Equal(t, 1, c.neg.Len())
	assert.False(t, c.Negative("k", until), "at its time")
	assert.Zero(t, c.neg.Len(), "the expired record was not dropped")
	assert.False(t, c.Negative("k", now), "a dropped record does not come back")
}
