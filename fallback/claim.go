package fallback

import (
	"context"
	"time"

	"github.com/strata-go/strata/cache"
)

// awaitClaim takes key's fill claim in the shared tier (Config.Cache.Claim)
// before the walk calls any provider. It returns ok false — the walk calls
// the providers — when claims are off, when no tier has a candidate (the
// walk will call nobody, so it claims nothing), when this instance took
// the claim, when the claim failed (reported as a failed store.Claim
// callback), and when another instance holds the claim but its answer has
// not reached the shared tier by the time this instance stops waiting.
//
// Everything here ends by the wait's limit: the end of the hold, or
// earlier where waiting longer would cost the walk its plan (waitLimit).
// The claim call and every read of the shared tier are cut at that limit
// (and at the store timeout), however slow the store; the reads are
// Config.Cache.ClaimPolls, evenly spread so that the last ends by the
// limit. The first read that finds an answer stored since the claim could
// have been taken, and fresh, returns it with ok true; an older entry (the
// one a refresh-ahead walk is replacing) is not the claimant's. Close and
// the walk's deadline end the wait at once (ctx).
func (w *walk) awaitClaim(ctx context.Context, tiers []tier) (cache.Entry, bool) {
	r := w.r
	claimer, ok := r.store.(cache.Claimer)
	if !ok || r.cfg.Cache.Claim <= 0 {
		return cache.Entry{}, false
	}
	start := time.Now()
	limit, ok := w.waitLimit(tiers)
	if !ok {
		return cache.Entry{}, false
	}
	// Holding the claim longer than this walk and its write can last
	// would only make the others wait for nothing.
	hold := min(r.cfg.Cache.Claim, w.deadline.Sub(start)+r.cfg.Cache.StoreTimeout)
	until := start.Add(hold)
	if limit.Before(until) {
		until = limit
	}
	if !until.After(start) {
		return cache.Entry{}, false
	}
	wctx, cancel := context.WithDeadline(ctx, until)
	defer cancel()

	cctx, ccancel := context.WithTimeout(wctx, r.cfg.Cache.StoreTimeout)
	won, err := guarded(cctx, r, &r.callbacks.storeClaim, func(ctx context.Context) (bool, error) {
		return claimer.Claim(ctx, w.key, hold)
	})
	ccancel()
	if err != nil {
		r.callbackFailed(&r.callbacks.storeClaim, w.dt.cfg.Name, err)
		return cache.Entry{}, false
	}
	if won {
		r.metrics.claimsWon.Add(1)
		return cache.Entry{}, false
	}
	r.metrics.claimsLost.Add(1)
	since := start.Add(-r.cfg.Cache.Claim) // the earliest the claim we found was taken
	polls := time.Duration(r.cfg.Cache.ClaimPolls)
	wait := until.Sub(start)
	timer := time.NewTimer(wait / (polls + 1))
	defer timer.Stop()
	for i := time.Duration(1); i <= polls; i++ {
		timer.Reset(time.Until(start.Add(wait * i / (polls + 1))))
		select {
		case <-wctx.Done():
			return cache.Entry{}, false
		case <-timer.C:
		}
		now := time.Now()
		e, ok := r.readStore(wctx, w.dt, w.key, now)
		if ok && !e.StoredAt.Before(since) && now.Sub(e.StoredAt) < w.dt.currentTTL() {
			r.metrics.claimWaitsServed.Add(1)
			return r.jitter(w.dt, e), true
		}
	}
	return cache.Entry{}, false
}

// waitLimit is the latest a wait before the walk may end and leave the
// walk its plan: the first tier with a candidate keeps what that
// candidate needs (candidateNeeds) before the tier's own share of the
// deadline ends (planFor of the tiers after it). ok is false when no tier
// has a candidate.
func (w *walk) waitLimit(tiers []tier) (time.Time, bool) {
	for i, t := range tiers {
		if d, ok := w.candidateNeeds(t); ok {
			return w.planFor(tiers[i+1:]).Add(-d), true
		}
	}
	return time.Time{}, false
}
