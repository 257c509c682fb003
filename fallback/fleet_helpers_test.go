package fallback

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/stats"
)

// The in-memory stand-ins for what a fleet shares — a store, a history
// and a health bus — that the fleet tests run resolvers against, inside
// testing/synctest bubbles.

// memStore is a cache.Store in a map that expires entries as Redis does
// (at their ttl, on the bubble's clock) and counts its calls.
type memStore struct {
	mu      sync.Mutex
	entries map[string]memEntry // requires mu
	gets    int                 // requires mu
	sets    []time.Duration     // requires mu: the ttl of each Set
	down    bool                // requires mu: every call fails
}

type memEntry struct {
	e       cache.Entry
	expires time.Time // zero: never
}

var errStoreDown = errors.New("store down")

func newMemStore() *memStore { return &memStore{entries: map[string]memEntry{}} }

func (s *memStore) Get(_ context.Context, key string) (cache.Entry, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gets++
	if s.down {
		return cache.Entry{}, false, errStoreDown
	}
	me, ok := s.entries[key]
	if !ok || (!me.expires.IsZero() && !time.Now().Before(me.expires)) {
		return cache.Entry{}, false, nil
	}
	return me.e, true, nil
}

func (s *memStore) Set(_ context.Context, key string, e cache.Entry, ttl time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return errStoreDown
	}
	s.sets = append(s.sets, ttl)
	// cache.Store's rule, as redisstore keeps it: a newer entry (a later
	// StoredAt) is not replaced, unless it is dated more than a second
	// ahead of the store's clock (a writer whose clock runs ahead).
	if old, ok := s.entries[key]; ok && (old.expires.IsZero() || time.Now().Before(old.expires)) &&
		old.e.StoredAt.After(e.StoredAt) && !old.e.StoredAt.After(time.Now().Add(time.Second)) {
		return nil
	}
	me := memEntry{e: e}
	if ttl > 0 {
		me.expires = time.Now().Add(ttl)
	}
	s.entries[key] = me
	return nil
}

func (s *memStore) Delete(_ context.Context, key string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.entries[key]
	delete(s.entries, key)
	return ok, nil
}

func (s *memStore) setDown(down bool) {
	s.mu.Lock()
	s.down = down
	s.mu.Unlock()
}

// counts returns the Gets and the ttls of the Sets so far.
func (s *memStore) counts() (gets int, sets []time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gets, append([]time.Duration(nil), s.sets...)
}

// memShared is a shared history: a MemoryHistory with AppendOnce, and a
// switch that makes every call fail.
type memShared struct {
	*stats.MemoryHistory
	mu       sync.Mutex
	down     bool // requires mu
	periods  [][2]time.Time
	refusals int // requires mu: AppendOnce calls that found their period taken
}

func newMemShared() *memShared {
	h, err := stats.NewMemoryHistory(stats.MemoryConfig{})
	if err != nil {
		panic(err)
	}
	return &memShared{MemoryHistory: h}
}

var errHistoryDown = errors.New("shared history down")

func (h *memShared) isDown() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.down
}

func (h *memShared) Append(ctx context.Context, key string, o stats.Observation) error {
	if h.isDown() {
		return errHistoryDown
	}
	return h.MemoryHistory.Append(ctx, key, o)
}

func (h *memShared) Observations(ctx context.Context, key string) ([]stats.Observation, error) {
	if h.isDown() {
		return nil, errHistoryDown
	}
	return h.MemoryHistory.Observations(ctx, key)
}

func (h *memShared) AppendOnce(ctx context.Context, key string, o stats.Observation, from, to time.Time) (bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down {
		return false, errHistoryDown
	}
	h.periods = append(h.periods, [2]time.Time{from, to})
	obs, _ := h.MemoryHistory.Observations(ctx, key)
	for _, x := range obs {
		if !x.At.Before(from) && x.At.Before(to) {
			h.refusals++
			return false, nil
		}
	}
	return true, h.MemoryHistory.Append(ctx, key, o)
}

// memBus is a HealthBus in memory: Publish delivers to every subscriber
// at once, unless the bus is set to lose events.
type memBus struct {
	mu        sync.Mutex
	subs      map[int]func(HealthEvent) // requires mu
	next      int                       // requires mu
	lose      bool                      // requires mu
	published []HealthEvent             // requires mu
}

func newMemBus() *memBus { return &memBus{subs: map[int]func(HealthEvent){}} }

func (b *memBus) Publish(_ context.Context, ev HealthEvent) error {
	b.mu.Lock()
	b.published = append(b.published, ev)
	var subs []func(HealthEvent)
	if !b.lose {
		for _, f := range b.subs {
			subs = append(subs, f)
		}
	}
	b.mu.Unlock()
	for _, f := range subs {
		f(ev)
	}
	return nil
}

func (b *memBus) Subscribe(ctx context.Context, deliver func(HealthEvent)) error {
	b.mu.Lock()
	id := b.next
	b.next++
	b.subs[id] = deliver
	b.mu.Unlock()
	<-ctx.Done()
	b.mu.Lock()
	delete(b.subs, id)
	b.mu.Unlock()
	return ctx.Err()
}

func (b *memBus) events() []HealthEvent {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]HealthEvent(nil), b.published...)
}

func (b *memBus) setLose(lose bool) {
	b.mu.Lock()
	b.lose = lose
	b.mu.Unlock()
}
