package cache

import (
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

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

	key string        // set by Put: the read-through tier is keyed by its hash
	lag time.Duration // set by Put: StoredAt − ObservedAt

	// fresh holds the last exact freshness worked out, for a stored
	// entry. It is a pointer to a cell of its own, set once by Put, so
	// that copying an entry (entries travel by value) never reads what a
	// concurrent hit writes.
	fresh *anchorCell
}

// anchorCell holds an entry's *anchor, swapped atomically.
type anchorCell struct{ p atomic.Pointer[anchor] }

// anchor is an exact freshness: d.Freshness(age) = f.
type anchor struct {
	age time.Duration
	f   float64
	d   Decay
}

// anchorSpan bounds the decay exponent x between an anchor and an age
// answered from it, either way (concurrent hits read the clock in no
// particular order): e^−x is then 1 − x + x²/2 to within |x|³/6 <
// 7.3e-17, under half an ulp of 1, and the answer is within a couple of
// ulps of Decay.Freshness (itself as good as its exponent's rounding).
const anchorSpan = 1.0 / (1 << 17)

// Freshness returns d.Freshness(observedAge) for this entry: a hot entry
// is answered many times a second, and freshness barely moves between two
// answers, so it is worked out from the last exact value by a second-order
// step (two multiplications) while the step stays under anchorSpan, and
// exactly (and kept as the new anchor) beyond. With a one-hour half-life
// an anchor serves 39 ms of ages. An entry that was never stored (not
// from Put) is worked out exactly every time.
func (e *Entry) Freshness(d Decay, observedAge time.Duration) float64 {
	if observedAge <= 0 || d == 0 {
		return 1
	}
	if e.fresh == nil {
		return d.Freshness(observedAge) // never stored: nothing to keep
	}
	if a := e.fresh.p.Load(); a != nil && a.d == d {
		if x := float64(observedAge-a.age) * float64(d); -anchorSpan < x && x < anchorSpan {
			return a.f - a.f*x*(1-x/2) // a.f·(1 − x + x²/2), rounded once
		}
	}
	f := d.Freshness(observedAge)
	e.fresh.p.Store(&anchor{age: observedAge, f: f, d: d})
	return f
}

// Key returns the key the entry was stored under ("" for an entry that
// was never stored).
func (e *Entry) Key() string { return e.key }

// ObservedAge returns the entry's age since ObservedAt given its age since
// StoredAt: a stored entry's two ages differ by a constant, so one clock
// reading gives both. For an entry that was never stored it is the age
// given.
func (e *Entry) ObservedAge(storedAge time.Duration) time.Duration {
	a := storedAge + e.lag
	if e.lag > 0 && a < storedAge {
		return math.MaxInt64 // observed at the zero time: Sub saturated
	}
	return a
}

// hash returns the hash the read-through tier files key under: the
// runtime's AES-based string hash with the cache's own random seed, so the
// tier's layout cannot be predicted (or flooded) from outside, and about
// three times faster than xxhash on short keys.
func (c *Cache) hash(key string) uint64 { return maphash.String(c.seed, key) }

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
	// hot is keyed by hash; entries carry their key, and every lookup
	// checks it, so a hash collision is a miss, never a wrong answer.
	hot  *ristretto.Cache[uint64, *Entry]
	seed maphash.Seed

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
		hot:  hot,
		seed: maphash.MakeSeed(),
		lkg:  lru.New[string, *Entry](cfg.LastGoodCapacity),
		neg:  lru.New[string, time.Time](cfg.NegativeCapacity),
	}, nil
}

// Fresh returns the entry for key when it was stored less than ttl before
// now. It is the hot path: no allocation, and no lock when the read-through
// tier has the entry.
func (c *Cache) Fresh(key string, ttl time.Duration, now time.Time) (*Entry, bool) {
	if e, ok := c.hot.Get(c.hash(key)); ok && e.key == key && now.Sub(e.StoredAt) < ttl {
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

// Hot returns the read-through tier's entry for the key spelled by the
// bytes, at any age, without a lock or an allocation: for a caller that
// builds keys in a buffer. It may miss an entry the tier refused; Fresh
// and LastGood also look in the last-known-good store.
func (c *Cache) Hot(key []byte) (*Entry, bool) {
	if e, ok := c.hot.Get(maphash.Bytes(c.seed, key)); ok && e.key == string(key) {
		return e, true
	}
	return nil, false
}

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
	// The entry and its anchor cell in one allocation.
	sp := &struct {
		Entry
		cell anchorCell
	}{Entry: e}
	p := &sp.Entry
	p.key = key
	p.lag = p.StoredAt.Sub(p.ObservedAt)
	p.fresh = &sp.cell
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
		c.hot.Set(c.hash(key), p, int64(len(key)+len(e.Source))+entryOverhead)
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
		c.hot.Del(c.hash(k))
	}
	return n
}

// Delete removes key from both stores and reports whether the
// last-known-good store held it.
func (c *Cache) Delete(key string) bool {
	c.hot.Del(c.hash(key))
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
