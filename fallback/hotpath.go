package fallback

import (
	"time"

	"github.com/strata-go/strata/cache"
)

// freshHit answers from a fresh cached answer (read-through caching), the
// cheap path a hot key takes on nearly every resolve: its key, built on
// the stack before the params were validated (a key is only ever stored
// for valid ones), is looked up without allocating. now is when the
// resolve started.
func (r *Resolver) freshHit(dt *dataType, params Params, key []byte, now time.Time) (Result, bool) {
	e, ok := r.cache.FreshBytes(key, dt.currentTTL(), now)
	if !ok {
		return Result{}, false
	}
	if ra := dt.cfg.RefreshAhead; ra > 0 && now.Sub(e.StoredAt) >= ra {
		r.refreshAhead(dt, string(key), params)
	}
	res := cachedResult(e, dt, now)
	r.count(dt, LayerCache, false)
	// Hits are not timed: they take well under a microsecond, and a second
	// clock reading would be a sizeable share of that.
	r.finish(dt, params, &res, nil, now)
	return res, true
}

// cachedResult is the Result of a cache entry at now.
func cachedResult(e cache.Entry, dt *dataType, now time.Time) Result {
	f := e.Freshness(dt.cfg.HalfLife, now)
	return Result{
		Value:      e.Value,
		Layer:      LayerCache,
		Source:     e.Source,
		Confidence: e.Confidence * f,
		Freshness:  f,
		ObservedAt: e.ObservedAt,
	}
}
