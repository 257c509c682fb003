package fallback

import (
	"context"

	"github.com/strata-go/strata/cache"
)

// allowRate takes one request of p's rate limit: the fleet-wide one when
// a SharedLimiter is set (falling back to the local bucket if it fails),
// else the local bucket.
func (r *Resolver) allowRate(ctx context.Context, p *provider) bool {
	if p.limiter == nil {
		return true
	}
	if r.limiter != nil {
		ok, err := r.limiter.Allow(ctx, "provider:"+p.name, p.cfg.RateLimit.PerSecond, p.cfg.RateLimit.Burst)
		if err == nil {
			return ok
		}
	}
	return p.limiter.Allow()
}

// storeSet writes a good answer to the shared tier, bounded in time and
// detached from the caller: its failure never fails a resolve.
func (r *Resolver) storeSet(key string, e cache.Entry, dt *dataType) {
	if r.store == nil {
		return
	}
	ttl := dt.currentTTL()
	if r.cfg.Retention > 0 {
		// The shared tier deletes by itself what the retention forbids.
		ttl = min(ttl, r.cfg.Retention)
	}
	ctx, cancel := context.WithTimeout(context.Background(), r.cfg.Cache.StoreTimeout)
	defer cancel()
	_ = r.store.Set(ctx, key, e, ttl)
}

// storeGet reads the shared tier, bounded by the store timeout and the
// caller's context. Any failure is a miss.
func (r *Resolver) storeGet(ctx context.Context, key string) (cache.Entry, bool) {
	if r.store == nil {
		return cache.Entry{}, false
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Cache.StoreTimeout)
	defer cancel()
	e, ok, err := r.store.Get(ctx, key)
	if err != nil || !ok {
		return cache.Entry{}, false
	}
	return e, true
}
