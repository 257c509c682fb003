package stats

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"sync"
	"time"

	"github.com/strata-go/strata/internal/lru"
)

// Observation is one value of a key's series and when it was observed.
type Observation struct {
	At    time.Time
	Value float64
}

// History stores the observations of each key (a data type and its params,
// as the resolver's canonical cache key). The resolver appends every good
// answer and reads a key's series when it needs a forecast. A host that
// keeps its own history (in its database) implements History over it, or
// loads it into the in-memory default with Append before the first resolve.
//
// Implementations must be safe for concurrent use. Observations returns the
// key's observations oldest first; it may return fewer than were appended
// (a bounded store drops the oldest).
//
// Optional capabilities, found by type assertion: Deleter (remove a key's
// series, for deletion requests), Pruner (delete what is older than a
// retention) and Lister (enumerate keys).
type History interface {
	Append(ctx context.Context, key string, obs Observation) error
	Observations(ctx context.Context, key string) ([]Observation, error)
}

// Deleter is an optional capability of a History: removing one key's
// series. It reports whether the key was present.
type Deleter interface {
	Delete(ctx context.Context, key string) (bool, error)
}

// Pruner is an optional capability of a History: deleting every
// observation older than before, and every key left empty. It returns how
// many observations it deleted.
type Pruner interface {
	Prune(ctx context.Context, before time.Time) (int, error)
}

// Lister is an optional capability of a History: the keys it holds.
type Lister interface {
	Keys(ctx context.Context) ([]string, error)
}

// ErrInvalidObservation is returned by Append for a NaN or infinite value or
// a zero time.
var ErrInvalidObservation = errors.New("stats: invalid observation")

// MemoryConfig bounds a MemoryHistory. Zero fields take the defaults.
type MemoryConfig struct {
	// MaxKeys is how many keys are kept; appending to a new key beyond it
	// evicts the least recently appended key. Default 10000.
	MaxKeys int `yaml:"max_keys"`
	// MaxPoints is how many observations are kept per key; the oldest go
	// first. Default 512.
	MaxPoints int `yaml:"max_points"`
}

// Default bounds of a MemoryHistory.
const (
	DefaultMaxKeys   = 10000
	DefaultMaxPoints = 512
)

// MemoryHistory is the in-memory History: a bounded map of bounded series.
// Memory is at most MaxKeys × (MaxPoints + MaxPoints/8 + 1) observations
// (32 bytes each) plus per-key overhead. It is safe for concurrent use and
// implements Deleter, Pruner and Lister.
//
// A series' array is never written below its length: an append writes
// past the end, or into a new array when the old one is full or the
// append is out of order, and trimming and pruning only reslice. So View
// can hand out the series itself, without a copy or a lock held.
type MemoryHistory struct {
	maxPoints int
	slack     int // room a full series' new array has beyond maxPoints

	mu   sync.Mutex
	keys *lru.LRU[string, *series] // requires mu held
}

// series is one key's observations, oldest first, trimmed to maxPoints.
type series struct {
	obs []Observation
}

// NewMemoryHistory returns an empty MemoryHistory bounded by cfg, or a
// *ConfigError (matching ErrInvalidConfig) naming the first invalid field.
func NewMemoryHistory(cfg MemoryConfig) (*MemoryHistory, error) {
	if cfg.MaxKeys < 0 {
		return nil, configError("max_keys", "must not be negative, got %d", cfg.MaxKeys)
	}
	if cfg.MaxPoints < 0 {
		return nil, configError("max_points", "must not be negative, got %d", cfg.MaxPoints)
	}
	if cfg.MaxKeys == 0 {
		cfg.MaxKeys = DefaultMaxKeys
	}
	if cfg.MaxPoints == 0 {
		cfg.MaxPoints = DefaultMaxPoints
	}
	return &MemoryHistory{maxPoints: cfg.MaxPoints, slack: cfg.MaxPoints/8 + 1, keys: lru.New[string, *series](cfg.MaxKeys)}, nil
}

// Append records obs for key. Observations may arrive out of order; the
// series is kept sorted by time. A NaN or infinite value, or a zero time,
// is refused with ErrInvalidObservation.
func (h *MemoryHistory) Append(_ context.Context, key string, obs Observation) error {
	if math.IsNaN(obs.Value) || math.IsInf(obs.Value, 0) || obs.At.IsZero() {
		return fmt.Errorf("%w: key %q: value %v at %v", ErrInvalidObservation, key, obs.Value, obs.At)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	s, ok := h.keys.Get(key)
	if !ok {
		s = &series{}
		h.keys.Put(key, s)
	}
	n := len(s.obs)
	switch {
	case n > 0 && obs.At.Before(s.obs[n-1].At):
		// Out of order: sorted into a new array (then trimmed as any).
		grown := append(h.grow(s.obs, n), obs)
		sort.SliceStable(grown, func(i, j int) bool { return grown[i].At.Before(grown[j].At) })
		s.obs = grown
	case n == cap(s.obs):
		s.obs = append(h.grow(s.obs, min(n, h.maxPoints-1)), obs)
	default:
		s.obs = append(s.obs, obs) // past the end of every slice View handed out
	}
	if len(s.obs) > h.maxPoints {
		s.obs = s.obs[len(s.obs)-h.maxPoints:]
	}
	return nil
}

// grow returns a new array holding the last keep of obs, with room for
// more: as much again while the series is short, slack beyond maxPoints
// once it is long.
func (h *MemoryHistory) grow(obs []Observation, keep int) []Observation {
	c := min(max(8, 2*keep), h.maxPoints+h.slack)
	grown := make([]Observation, keep, max(c, keep+1))
	copy(grown, obs[len(obs)-keep:])
	return grown
}

// View returns key's observations, oldest first, or nil when there are
// none, without copying them: the slice is the history's own, to be read
// and never modified. Nothing the history does later changes what it
// holds. The resolver reads its own MemoryHistory this way.
func (h *MemoryHistory) View(key string) []Observation {
	h.mu.Lock()
	defer h.mu.Unlock()
	s, ok := h.keys.Peek(key)
	if !ok || len(s.obs) == 0 {
		return nil
	}
	return s.obs[:len(s.obs):len(s.obs)]
}

// Observations returns a copy of key's observations, oldest first, or nil
// when there are none.
func (h *MemoryHistory) Observations(_ context.Context, key string) ([]Observation, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s, ok := h.keys.Peek(key)
	if !ok || len(s.obs) == 0 {
		return nil, nil
	}
	return append([]Observation(nil), s.obs...), nil
}

// Delete removes key's series.
func (h *MemoryHistory) Delete(_ context.Context, key string) (bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.keys.Delete(key), nil
}

// Prune deletes every observation older than before and every key left
// without observations, and returns how many observations it deleted.
func (h *MemoryHistory) Prune(_ context.Context, before time.Time) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	deleted := 0
	h.keys.DeleteFunc(func(_ string, s *series) bool {
		i := sort.Search(len(s.obs), func(i int) bool { return !s.obs[i].At.Before(before) })
		if i > 0 {
			deleted += i
			s.obs = s.obs[i:]
		}
		return len(s.obs) == 0
	})
	return deleted, nil
}

// Keys returns the keys held, most recently appended first.
func (h *MemoryHistory) Keys(_ context.Context) ([]string, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	keys := make([]string, 0, h.keys.Len())
	h.keys.Range(func(k string, _ *series) bool {
		keys = append(keys, k)
		return true
	})
	return keys, nil
}

// Len returns the number of keys held.
func (h *MemoryHistory) Len() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.keys.Len()
}
