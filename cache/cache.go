package cache

import (
	"fmt"
	"hash/maphash"
	"sync"
	"time"
	"unsafe"

	"github.com/dgraph-io/ristretto/v2"

	"github.com/strata-go/strata/internal/lru"
)

// hash returns the hash the read-through tier files key under: the
// runtime's AES-based string hash with the cache's own random seed, so the
// tier's layout cannot be predicted (or flooded) from outside.
func (c *Cache) hash(key string) uint64 { return maphash.String(c.seed, key) }

// item is what both stores hold: an entry and the key it was stored
// under. The read-through tier is keyed by the key's hash; every lookup
// compares the key, so a hash collision is a miss, never a wrong answer.
type item struct {
	key string
	e   Entry
	// lastGood marks an entry stored with no ttl, or expired (Expire): a
	// last good answer, never fresh.
	lastGood bool
}

// Cache holds answers by key. It is safe for concurrent use, Close
// included: a method that races Close finds nothing and keeps nothing.
// Close stops ristretto's goroutines. The zero Cache is not usable: build
// one with New.
type Cache struct {
	hot  *ristretto.Cache[uint64, *item]
	seed maphash.Seed

	// life guards hot against Close. ristretto documents no use
	// concurrent with its Close (a Get, Set or Del racing it can send on
	// a closed channel and panic), and a resolve that has passed the
	// resolver's closed check, or a provider call Close abandoned, may
	// still reach the cache: every use of hot holds life for reading,
	// Close holds it for writing while it marks hot gone.
	life    sync.RWMutex
	hotGone bool // requires life held

	mu     sync.Mutex
	lkg    *lru.LRU[string, *item]     // requires mu held
	neg    *lru.LRU[string, time.Time] // requires mu held; expiry of "not found"
	closed bool                        // requires mu held
}

// itemOverhead approximates the bytes an item costs beside its key and
// source: the item itself and ristretto's per-item bookkeeping.
const itemOverhead = int64(unsafe.Sizeof(item{})) + 64

// New returns an empty Cache sized by cfg. An invalid field is reported
// as a *ConfigError (matching ErrInvalidConfig).
func New(cfg Config) (*Cache, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	// ristretto wants ~10 counters per item it may hold; size for small
	// entries (~160 bytes each).
	counters := max(cfg.MaxCost/160*10, 1000)
	hot, err := ristretto.NewCache(&ristretto.Config[uint64, *item]{
		NumCounters:        counters,
		MaxCost:            cfg.MaxCost,
		BufferItems:        64,
		IgnoreInternalCost: true,
	})
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	return &Cache{
		hot:  hot,
		seed: maphash.MakeSeed(),
		lkg:  lru.New[string, *item](cfg.LastGoodCapacity),
		neg:  lru.New[string, time.Time](cfg.NegativeCapacity),
	}, nil
}

// Fresh returns the entry stored for key when it was stored less than
// ttl before now. It takes only a read lock (shared with every other
// reader; Close takes it for writing) and does not allocate when the
// read-through tier has the entry; otherwise it looks in the
// last-known-good store, which has every entry it was given.
func (c *Cache) Fresh(key string, ttl time.Duration, now time.Time) (Entry, bool) {
	if it, ok := c.hotGet(c.hash(key)); ok && it.key == key {
		return it.fresh(ttl, now)
	}
	return c.freshStored(key, ttl, now)
}

// hotGet looks h up in the read-through tier; after Close it finds
// nothing.
func (c *Cache) hotGet(h uint64) (*item, bool) {
	c.life.RLock()
	if c.hotGone {
		c.life.RUnlock()
		return nil, false
	}
	it, ok := c.hot.Get(h)
	c.life.RUnlock()
	return it, ok
}

// hotDel removes h from the read-through tier, if it is still open.
func (c *Cache) hotDel(h uint64) {
	c.life.RLock()
	defer c.life.RUnlock()
	if !c.hotGone {
		c.hot.Del(h)
	}
}

// FreshBytes is Fresh for the resolver's hot path: the key is held in a
// byte slice (a hit of the read-through tier does not allocate), and
// FreshBytes reads the clock itself, returning how long ago the entry was
// stored. For an entry stored in this process that is one monotonic clock
// reading (time.Since), half the cost of time.Now; for one decoded from
// elsewhere, the wall clock.
//
// The entry returned is the one the cache holds, not a copy (an entry is
// never changed once stored, so it stays valid): read it, do not modify it.
func (c *Cache) FreshBytes(key []byte, ttl time.Duration) (e *Entry, stored time.Duration, ok bool) {
	it, ok := c.hotGet(maphash.Bytes(c.seed, key))
	if !ok || it.key != string(key) {
		c.mu.Lock()
		it, ok = c.lookupLocked(string(key))
		c.mu.Unlock()
		if !ok {
			return nil, 0, false
		}
	}
	if it.lastGood {
		return nil, 0, false
	}
	if stored = time.Since(it.e.StoredAt); stored < ttl {
		return &it.e, stored, true
	}
	return nil, 0, false
}

// fresh returns the item's entry if it was stored less than ttl before
// now.
func (it *item) fresh(ttl time.Duration, now time.Time) (Entry, bool) {
	if !it.lastGood && now.Sub(it.e.StoredAt) < ttl {
		return it.e, true
	}
	return Entry{}, false
}

// freshStored is Fresh in the last-known-good store alone.
func (c *Cache) freshStored(key string, ttl time.Duration, now time.Time) (Entry, bool) {
	c.mu.Lock()
	it, ok := c.lookupLocked(key)
	c.mu.Unlock()
	if !ok {
		return Entry{}, false
	}
	return it.fresh(ttl, now)
}

// lookupLocked returns key's item in the last-known-good store. It
// requires c.mu held.
func (c *Cache) lookupLocked(key string) (*item, bool) {
	if c.closed {
		return nil, false
	}
	return c.lkg.Get(key)
}

// LastGood returns the last entry stored for key, at any age.
func (c *Cache) LastGood(key string) (Entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if it, ok := c.lookupLocked(key); ok {
		return it.e, true
	}
	return Entry{}, false
}

// Put stores e for key, replacing what was there. The read-through tier
// keeps it while it has room (it may refuse it). A ttl of zero or less
// stores a last good answer only: never fresh (Fresh and FreshBytes skip
// it), and any older entry of the read-through tier goes. The
// last-known-good store keeps it until it is replaced, deleted, or pushed
// out by capacity — and a key pushed out leaves the read-through tier
// too, so that nothing the last-known-good store no longer holds (and
// DeleteFunc or Expire can no longer find) is served. Both tiers change
// under one lock, so concurrent Puts and Deletes of a key leave them
// agreeing.
func (c *Cache) Put(key string, e Entry, ttl time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.putLocked(key, e, ttl)
}

// PutUnlessNewer is Put, unless the entry held for key was stored (its
// StoredAt) at the same time as e or later: then it keeps that entry. It
// reports whether it stored e. The comparison and the store are one
// step: a LastGood then a Put would replace an entry Put between them
// with an older one.
func (c *Cache) PutUnlessNewer(key string, e Entry, ttl time.Duration) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if it, ok := c.lookupLocked(key); ok && !it.e.StoredAt.Before(e.StoredAt) {
		return false
	}
	return c.putLocked(key, e, ttl)
}

// PutLastGoodUnlessHeld stores e for key as a last good answer only (Put
// with a ttl of zero), unless the entry held for key is fresh at now
// under ttl (as Fresh finds it) or was stored at the same time as e or
// later: then it keeps that entry, and fresh reports whether it was fresh.
// It reports whether it stored e. The checks and the store are one step:
// a Fresh then a PutUnlessNewer would replace a fresh entry Put between
// them with an older StoredAt (an answer read from a shared tier, stored
// elsewhere before e) — and the next read of the key would miss.
func (c *Cache) PutLastGoodUnlessHeld(key string, e Entry, ttl time.Duration, now time.Time) (stored, fresh bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if it, ok := c.lookupLocked(key); ok {
		if _, fresh := it.fresh(ttl, now); fresh {
			return false, true
		}
		if !it.e.StoredAt.Before(e.StoredAt) {
			return false, false
		}
	}
	return c.putLocked(key, e, 0), false
}

// putLocked is Put; it reports false when the cache is closed. It
// requires c.mu held.
func (c *Cache) putLocked(key string, e Entry, ttl time.Duration) bool {
	if c.closed {
		return false
	}
	it := &item{key: key, e: e, lastGood: ttl <= 0}
	old, _, evicted := c.lkg.Put(key, it)
	c.life.RLock()
	if !c.hotGone {
		if evicted {
			c.hot.Del(c.hash(old))
		}
		if ttl > 0 {
			// No ristretto TTL: Fresh checks the age itself, and an
			// item without expiry spares ristretto a clock read on
			// every Get.
			c.hot.Set(c.hash(key), it, int64(len(key)+len(e.Source))+itemOverhead)
			// Make the write visible to the next Fresh — a resolve that
			// just paid for an answer must not pay again because
			// ristretto's write buffer had not drained — and to the
			// next Put of the key: ristretto drops a Set of a key whose
			// first Set is still buffered.
			c.hot.Wait()
		} else {
			c.hot.Del(c.hash(key)) // an older fresh entry must not outlive it
		}
	}
	c.life.RUnlock()
	return true
}

// PutNegative records that key has no data until the given time (a
// provider said "not found"), so the resolver need not ask again.
func (c *Cache) PutNegative(key string, until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.neg.Put(key, until)
	}
}

// Negative reports whether key is known to have no data at now. An
// expired record is dropped.
func (c *Cache) Negative(key string, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	until, ok := c.neg.Peek(key)
	if !ok {
		return false
	}
	if !now.Before(until) {
		c.neg.Delete(key)
		return false
	}
	return true
}

// DeleteFunc removes every key of both stores and of the negative cache
// for which match returns true, and returns how many last-known-good
// entries it removed. For a negative record match gets ok false. match
// must not call back into the cache.
func (c *Cache) DeleteFunc(match func(key string, e Entry, ok bool) bool) int {
	c.mu.Lock()
	defer c.mu.Unlock() // match may panic
	n := c.lkg.DeleteFunc(func(k string, it *item) bool {
		if match(k, it.e, true) {
			c.hotDel(c.hash(k))
			return true
		}
		return false
	})
	c.neg.DeleteFunc(func(k string, _ time.Time) bool { return match(k, Entry{}, false) })
	return n
}

// Expire makes every entry stored with a ttl for which match returns
// true stale at once — Fresh no longer returns it — while the
// last-known-good store keeps it as a last good answer (LastGood returns
// it unchanged, its StoredAt too, so PutUnlessNewer still compares it by
// when it was stored) where it was in its recency order, and returns how
// many it expired. A last good answer (stored with no ttl, or expired
// before) is never fresh: match is not asked about it, and it is not
// counted. match must not call back into the cache.
func (c *Cache) Expire(match func(key string, e Entry) bool) int {
	c.mu.Lock()
	defer c.mu.Unlock() // match may panic
	var expired []*item
	c.lkg.Range(func(k string, it *item) bool {
		if !it.lastGood && match(k, it.e) {
			expired = append(expired, it)
		}
		return true
	})
	for _, it := range expired {
		// Replaced, not Put: an expiry is no use of the entry, and Put
		// would make the expired entries the most recently used (in
		// reverse order), pushing out the others first. A new item: one
		// handed out (FreshBytes) is never changed.
		c.lkg.Replace(it.key, &item{key: it.key, e: it.e, lastGood: true})
		c.hotDel(c.hash(it.key))
	}
	return len(expired)
}

// Delete removes key from both stores and reports whether the
// last-known-good store held it.
func (c *Cache) Delete(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hotDel(c.hash(key))
	return c.lkg.Delete(key)
}

// rangeChunk is how many entries Range copies under one hold of the lock.
const rangeChunk = 1024

// Range calls fn with the key and entry of every last good answer, most
// recently used first, until fn returns false, without touching their
// recency. It takes the keys in one pass under the cache's lock, then the
// entries rangeChunk at a time, and calls fn without the lock: Puts and
// reads go on meanwhile (an entry put, replaced or deleted during Range may
// be visited or not, a deleted one is skipped), where a DeleteFunc that
// matches nothing would hold every reader for the whole visit.
func (c *Cache) Range(fn func(key string, e Entry) bool) {
	c.mu.Lock()
	keys := make([]string, 0, c.lkg.Len())
	c.lkg.Range(func(k string, _ *item) bool {
		keys = append(keys, k)
		return true
	})
	c.mu.Unlock()
	type kv struct {
		key string
		e   Entry
	}
	chunk := make([]kv, 0, min(rangeChunk, len(keys)))
	for start := 0; start < len(keys); start += rangeChunk {
		chunk = chunk[:0]
		c.mu.Lock()
		for _, k := range keys[start:min(start+rangeChunk, len(keys))] {
			if it, ok := c.lkg.Peek(k); ok { // none after Close, which empties the store
				chunk = append(chunk, kv{k, it.e})
			}
		}
		c.mu.Unlock()
		for _, x := range chunk {
			if !fn(x.key, x.e) {
				return
			}
		}
	}
}

// Len returns the number of keys in the last-known-good store.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lkg.Len()
}

// Close stops the read-through tier's goroutines and drops every entry.
// Close is idempotent; a closed Cache answers nothing and keeps nothing.
func (c *Cache) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.lkg = lru.New[string, *item](1)
	c.neg = lru.New[string, time.Time](1)
	c.mu.Unlock()
	// Wait for the uses of hot under way, and let no other begin.
	c.life.Lock()
	c.hotGone = true
	c.life.Unlock()
	c.hot.Close()
}
