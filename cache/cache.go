package cache

import (
	"errors"
	"fmt"
	"sync"
	"time"
	"unsafe"

	"github.com/cespare/xxhash/v2"
	"github.com/dgraph-io/ristretto/v2"

	"github.com/strata-go/strata/internal/lru"
)

// Entry is one cached answer. Entries handed out by the cache are shared
// and must not be modified.
type Entry struct {
	// Value is the answer.
	Value float64
	// ObservedAt is when the source measured it; freshness counts from
	// here.
	ObservedAt time.Time
	// StoredAt is when the cache got it; the TTL counts from here.
	StoredAt time.Time
	// Source names the provider that produced it.
	Source string
	// Confidence is the source's confidence in it, in [0, 1].
	Confidence float64
	// Layer is the layer that produced it (1 primary, 2 secondary).
	Layer uint8

	key string // set by Put: the read-through tier is keyed by its hash
}

// Key returns the key the entry was stored under ("" for an entry that
// was never stored).
func (e *Entry) Key() string { return e.key }

// KeyHash returns the hash the read-through tier files key under
// (xxhash64 of its bytes). A caller that can hash a key's bytes without
// building the string looks entries up with Hot.
func KeyHash(key string) uint64 { return xxhash.Sum64String(key) }

// Config sizes a Cache. Zero fields take the defaults.
type Config struct {
	// MaxCost bounds the read-through tier's memory in bytes, as ristretto
	// counts it (key, entry and ristretto's own bookkeeping). Default
	// 32 MiB.
	MaxCost int64
	// LastGoodCapacity bounds the last-known-good store in entries.
	// Default 100000.
	LastGoodCapacity int
	// NegativeCapacity bounds the negative cache in keys. Default 10000.
	NegativeCapacity int
}

// Defaults of Config.
const (
	DefaultMaxCost          = 32 << 20
	DefaultLastGoodCapacity = 100000
	DefaultNegativeCapacity = 10000
)

// ErrClosed is returned by operations on a closed Cache.
var ErrClosed = errors.New("cache: closed")

// Cache holds answers by key. It is safe for concurrent use; Close stops
// ristretto's goroutines.
type Cache struct {
	// hot is keyed by KeyHash; entries carry their key, and every lookup
	// checks it, so a hash collision is a miss, never a wrong answer.
	hot *ristretto.Cache[uint64, *Entry]

	mu     sync.Mutex
	lkg    *lru.LRU[string, *Entry]    // requires mu held
	neg    *lru.LRU[string, time.Time] // requires mu held; expiry of "not found"
	closed bool                        // requires mu held
}

// entryOverhead approximates the bytes an entry costs beside its key and
// source: the Entry itself and ristretto's per-item bookkeeping.
const entryOverhead = int64(unsafe.Sizeof(Entry{})) + 64

// New returns an empty Cache sized by cfg.
func New(cfg Config) (*Cache, error) {
	if cfg.MaxCost < 0 {
		return nil, fmt.Errorf("cache: invalid config: max_cost: must not be negative, got %d", cfg.MaxCost)
	}
	if cfg.LastGoodCapacity < 0 {
		return nil, fmt.Errorf("cache: invalid config: last_good_capacity: must not be negative, got %d", cfg.LastGoodCapacity)
	}
	if cfg.MaxCost == 0 {
		cfg.MaxCost = DefaultMaxCost
	}
	if cfg.LastGoodCapacity == 0 {
		cfg.LastGoodCapacity = DefaultLastGoodCapacity
	}
	if cfg.NegativeCapacity < 0 {
		return nil, fmt.Errorf("cache: invalid config: negative_capacity: must not be negative, got %d", cfg.NegativeCapacity)
	}
	if cfg.NegativeCapacity == 0 {
		cfg.NegativeCapacity = DefaultNegativeCapacity
	}
	// ristretto wants ~10 counters per item it may hold; size for small
	// entries (~160 bytes each).
	counters := max(cfg.MaxCost/160*10, 1000)
	hot, err := ristretto.NewCache(&ristretto.Config[uint64, *Entry]{
		NumCounters:        counters,
		MaxCost:            cfg.MaxCost,
		BufferItems:        64,
		IgnoreInternalCost: true,
	})
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	return &Cache{
		hot: hot,
		lkg: lru.New[string, *Entry](cfg.LastGoodCapacity),
		neg: lru.New[string, time.Time](cfg.NegativeCapacity),
	}, nil
}

// Fresh returns the entry for key when it was stored less than ttl before
// now. It is the hot path: no allocation, and no lock when the read-through
// tier has the entry.
func (c *Cache) Fresh(key string, ttl time.Duration, now time.Time) (*Entry, bool) {
	if e, ok := c.hot.Get(KeyHash(key)); ok && e.key == key && now.Sub(e.StoredAt) < ttl {
		return e, true
	}
	// ristretto may have refused or evicted it; the last-known-good store
	// has every entry it was given.
	return c.FreshStored(key, ttl, now)
}

// FreshStored is Fresh without the read-through tier: for a caller that
// has just looked it up with Hot.
func (c *Cache) FreshStored(key string, ttl time.Duration, now time.Time) (*Entry, bool) {
	e, ok := c.LastGood(key)
	if ok && now.Sub(e.StoredAt) < ttl {
		return e, true
	}
	return nil, false
}

// Hot returns the read-through tier's entry filed under hash h, without
// any lock. The caller must check that the entry's Key is the key it
// hashed (a collision returns another key's entry) and its age.
func (c *Cache) Hot(h uint64) (*Entry, bool) { return c.hot.Get(h) }

// LastGood returns the last entry stored for key, at any age.
func (c *Cache) LastGood(key string) (*Entry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, false
	}
	return c.lkg.Get(key)
}

// Put stores e for key, replacing what was there. The read-through tier
// keeps it while it has room (it may refuse it; ttl zero skips it); the last-known-good store
// keeps it until it is replaced, deleted, or pushed out by capacity.
func (c *Cache) Put(key string, e Entry, ttl time.Duration) {
	p := &e
	p.key = key
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.lkg.Put(key, p)
	c.mu.Unlock()
	if ttl > 0 {
		// No ristretto TTL: Fresh checks the age itself, and an entry
		// without expiry spares ristretto a clock read on every Get.
		c.hot.Set(KeyHash(key), p, int64(len(key)+len(e.Source))+entryOverhead)
		// Make the write visible to the next Fresh: a resolve that just
		// paid for an answer must not pay again because ristretto's write
		// buffer had not drained.
		c.hot.Wait()
	}
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
// entries it removed. match must not call back into the cache.
func (c *Cache) DeleteFunc(match func(key string, e *Entry) bool) int {
	c.mu.Lock()
	var keys []string
	n := c.lkg.DeleteFunc(func(k string, e *Entry) bool {
		if match(k, e) {
			keys = append(keys, k)
			return true
		}
		return false
	})
	c.neg.DeleteFunc(func(k string, _ time.Time) bool { return match(k, nil) })
	c.mu.Unlock()
	for _, k := range keys {
		c.hot.Del(KeyHash(k))
	}
	return n
}

// Delete removes key from both stores and reports whether the
// last-known-good store held it.
func (c *Cache) Delete(key string) bool {
	c.hot.Del(KeyHash(key))
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lkg.Delete(key)
}

// Len returns the number of keys in the last-known-good store.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lkg.Len()
}

// Close stops the read-through tier's goroutines and drops every entry.
// Close is idempotent; a closed Cache answers nothing.
func (c *Cache) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.lkg = lru.New[string, *Entry](1)
	c.neg = lru.New[string, time.Time](1)
	c.mu.Unlock()
	c.hot.Close()
}
