package fallback

import (
	"time"

	"github.com/strata-go/strata/cache"
)

// lookupType finds a data type by name: by comparing names while there
// are few, which is a third of a map lookup's time (a cache hit's
// budget is counted in nanoseconds), else in the map.
func (r *Resolver) lookupType(name string) (*dataType, bool) {
	if len(r.typeList) <= 8 {
		for _, dt := range r.typeList {
			if dt.cfg.Name == name {
				return dt, true
			}
		}
		return nil, false
	}
	dt, ok := r.types[name]
	return dt, ok
}

// hit answers a resolve from a fresh, stored cache entry of the given age
// (since it was stored). now is the time the resolve started, or zero for
// "StoredAt + age", worked out only when the latency is sampled or an
// observer is told.
func (r *Resolver) hit(res *Result, dt *dataType, e *cache.Entry, params Params, age time.Duration, now time.Time) {
	if ra := dt.cfg.RefreshAhead; ra > 0 && age >= ra {
		r.refreshAhead(dt, e.Key(), params)
	}
	*res = entryResult(e, e.Freshness(dt.decay, e.ObservedAge(age)))
	sampled := dt.metrics.hit()%latencySample == 0 // one in latencySample per stripe
	if sampled || r.obs != nil {
		if now.IsZero() {
			now = e.StoredAt.Add(age)
		}
		if sampled {
			r.metrics.latency.observeN(r.now().Sub(now), latencySample)
		}
		r.finish(dt, params, res, nil, now)
	}
}

// now returns the current time from the monotonic clock: the start time
// plus the monotonic time since. It reads the clock once, where time.Now
// reads it twice (wall and monotonic) — a third of a cache hit's time on
// some machines. The wall reading drifts from the system's only if the
// system clock is stepped.
func (r *Resolver) now() time.Time { return r.started.Add(time.Since(r.started)) }

// cachedResult is the Result of a cache entry at now.
func cachedResult(e *cache.Entry, dt *dataType, now time.Time) Result {
	return entryResult(e, dt.decay.Freshness(now.Sub(e.ObservedAt)))
}

// entryResult is the Result of a cache entry of freshness f.
func entryResult(e *cache.Entry, f float64) Result {
	return Result{
		Value:      e.Value,
		Layer:      LayerCache,
		Source:     e.Source,
		Confidence: e.Confidence * f,
		Freshness:  f,
		ObservedAt: e.ObservedAt,
	}
}
