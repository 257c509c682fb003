package fallback

import (
	"context"
	"time"

	"github.com/strata-go/strata/cache"
)

// awaitClaim takes key's fill claim in the shared tier for
// Config.Cache.Claim, before the walk calls any provider, when claims are
// on and the Store is a cache.Claimer. It returns ok false — the walk
// calls the providers — when this instance took the claim, when the claim
// failed (the failure is reported as a failed store.Claim callback), and
// when another instance holds the claim but its answer has not reached
// the shared tier by the time this instance stops waiting: at the end of
// the hold, or earlier where waiting longer would cost the walk its plan
// (waitLimit). While it waits it reads the shared tier
// Config.Cache.ClaimPolls times, evenly over the wait, the last read at
// its end; the first fresh answer it finds is returned with ok true.
// Close and the walk's deadline end the wait at once (ctx).
func (w *walk) awaitClaim(ctx context.Context, tiers []tier) (cache.Entry, bool) {
	r := w.r
	hold := r.cfg.Cache.Claim
	if hold <= 0 {
		return cache.Entry{}, false
	}
	claimer, ok := r.store.(cache.Claimer)
	if !ok {
		return cache.Entry{}, false
	}
	start := time.Now()
	cctx, cancel := context.WithTimeout(ctx, r.cfg.Cache.StoreTimeout)
	won, err := guarded(cctx, r, &r.callbacks.storeClaim, func(ctx context.Context) (bool, error) {
		return claimer.Claim(ctx, w.key, hold)
	})
	cancel()
	if err != nil {
		r.callbackFailed(&r.callbacks.storeClaim, w.dt.cfg.Name, err)
		return cache.Entry{}, false
	}
	if won {
		return cache.Entry{}, false
	}
	until := start.Add(hold)
	if limit := w.waitLimit(tiers); limit.Before(until) {
		until = limit
	}
	polls := r.cfg.Cache.ClaimPolls
	wait := until.Sub(start)
	if wait <= 0 {
		return cache.Entry{}, false
	}
	timer := time.NewTimer(wait / time.Duration(polls))
	defer timer.Stop()
	for i := 1; i <= polls; i++ {
		timer.Reset(time.Until(start.Add(wait * time.Duration(i) / time.Duration(polls))))
		select {
		case <-ctx.Done():
			return cache.Entry{}, false
		case <-timer.C:
		}
		now := time.Now()
		if e, ok := r.storeGet(ctx, w.dt, w.key, now); ok && now.Sub(e.StoredAt) < w.dt.currentTTL() {
			return e, true
		}
	}
	return cache.Entry{}, false
}

// waitLimit is the latest a wait before the walk may end and leave the
// walk its plan: the first tier with a candidate keeps what that
// candidate needs (candidateNeeds) before the tier's own share of the
// deadline ends (planFor of the tiers after it).
func (w *walk) waitLimit(tiers []tier) time.Time {
	for i, t := range tiers {
		if d, ok := w.candidateNeeds(t); ok {
			return w.planFor(tiers[i+1:]).Add(-d)
		}
	}
	return w.deadline
}
