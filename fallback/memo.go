package fallback

import (
	"sync"
	"time"

	"github.com/strata-go/strata/internal/lru"
)

// forecastMemo keeps each key's last forecast, so resolves that reach the
// statistical layer while nothing changed — same history, same period —
// do not fit the models again (a forecast costs about a millisecond of
// CPU; in an outage every resolve of the key would pay it).
type forecastMemo struct {
	mu sync.Mutex
	m  *lru.LRU[string, memoEntry] // requires mu held
}

// memoEntry is a forecast and what it was made from.
type memoEntry struct {
	n      int       // observations in the history
	lastAt time.Time // the newest one's time
	period int64     // the period index the forecast is for
	res    Result    // Layer, Value, Source, Confidence, Intervals
	err    error
}

func newForecastMemo(capacity int) *forecastMemo {
	return &forecastMemo{m: lru.New[string, memoEntry](capacity)}
}

// get returns the memoised forecast for key if it was made from the same
// history for the same period.
func (f *forecastMemo) get(key string, n int, lastAt time.Time, period int64) (Result, error, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.m.Get(key)
	if !ok || e.n != n || !e.lastAt.Equal(lastAt) || e.period != period {
		return Result{}, nil, false
	}
	return e.res, e.err, true
}

func (f *forecastMemo) put(key string, e memoEntry) {
	f.mu.Lock()
	f.m.Put(key, e)
	f.mu.Unlock()
}

func (f *forecastMemo) forget(match func(string) bool) {
	f.mu.Lock()
	f.m.DeleteFunc(func(k string, _ memoEntry) bool { return match(k) })
	f.mu.Unlock()
}

// appendGate lets the resolver record at most one observation per key
// and period: a hot key fetched every few minutes would otherwise push its
// older history out of a bounded store within days, leaving the forecast
// only a few periods to work with.
type appendGate struct {
	mu   sync.Mutex
	last *lru.LRU[string, int64] // requires mu held: last period recorded
}

func newAppendGate(capacity int) *appendGate {
	return &appendGate{last: lru.New[string, int64](capacity)}
}

// admit reports whether key may record an observation in period, and
// marks it done.
func (g *appendGate) admit(key string, period int64) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if p, ok := g.last.Get(key); ok && p == period {
		return false
	}
	g.last.Put(key, period)
	return true
}
