package fallback

import (
	"context"
	"time"

	"github.com/strata-go/strata/cache"
)

// freshHit answers from a fresh cached answer (read-through caching), the
// cheap path a hot key takes on nearly every resolve: its key, built on
// the stack before the params were validated (a key is only ever stored
// for valid ones), is looked up without allocating, and the only clock
// read is the cache's monotonic one. Hits are counted but not timed: they
// take well under a microsecond, and time.Now would be a fifth of that.
func (r *Resolver) freshHit(ctx context.Context, dt *dataType, params Params, key []byte, res *Result) bool {
	e, stored, ok := r.cache.FreshBytes(key, dt.currentTTL())
	if !ok {
		return false
	}
	if ra := dt.cfg.RefreshAhead; ra > 0 && stored >= ra {
		r.refreshAhead(ctx, dt, string(key), params)
	}
	res.fromCache(e, dt, stored+e.StoredAt.Sub(e.ObservedAt))
	now := e.StoredAt.Add(stored) // the clock reading FreshBytes made
	r.count(dt, LayerCache, false, now)
	r.finish(ctx, dt, params, res, nil, time.Time{}, now)
	return true
}

// cachedResult is the Result of a cache entry observed age ago.
func cachedResult(e cache.Entry, dt *dataType, age time.Duration) Result {
	var res Result
	res.fromCache(&e, dt, age)
	return res
}

// fromCache sets the fields a cache entry observed age ago answers in an
// empty res (the hot path fills the caller's Result in place).
func (res *Result) fromCache(e *cache.Entry, dt *dataType, age time.Duration) {
	f := cache.Freshness(age, dt.cfg.HalfLife)
	res.Value = e.Value
	res.Layer = LayerCache
	res.Source = e.Source
	res.Confidence = e.Confidence * f
	res.Freshness = f
	res.ObservedAt = e.ObservedAt
}
