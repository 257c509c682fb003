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
// Everything here ends by the wait's limit: the end of this instance's
// hold, counted from now, or earlier where waiting longer would cost the
// walk its plan (waitLimit). The claim call (also cut at the store
// timeout) and every read of the shared tier are cut at that limit,
// however slow the store; a call cut by the limit, the walk's deadline or
// Close is not the store's failure and is not reported. The reads are
// Config.Cache.ClaimPolls, evenly spread so that the last ends by the
// limit. The first read that finds a fresh answer that is not the one
// this walk is replacing (a refresh-ahead walk holds it as its reference)
// and was stored since the claim could have been taken (allowing the
// instances' clocks maxClockSkew) returns it with ok true.
func (w *walk) awaitClaim(ctx context.Context, tiers []tier) (cache.Entry, bool) {
	r := w.r
	if r.claimer == nil {
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
		return r.claimer.Claim(ctx, w.key, hold)
	})
	ccancel()
	if err != nil {
		if !cut(wctx, r) {
			r.callbackFailed(&r.callbacks.storeClaim, w.dt.cfg.Name, err)
		}
		return cache.Entry{}, false
	}
	if won {
		r.metrics.claimsWon.Add(1)
		return cache.Entry{}, false
	}
	r.metrics.claimsLost.Add(1)
	since := start.Add(-r.cfg.Cache.Claim - maxClockSkew)
	polls := time.Duration(r.cfg.Cache.ClaimPolls)
	every := until.Sub(start) / (polls + 1)
	timer := time.NewTimer(every)
	defer timer.Stop()
	for i := time.Duration(1); i <= polls; i++ {
		timer.Reset(time.Until(start.Add(every * i)))
		select {
		case <-wctx.Done():
			return cache.Entry{}, false
		case <-timer.C:
		}
		now := time.Now()
		e, ok, err := r.readStoreErr(wctx, w.dt, w.key, now, false)
		switch {
		case err != nil:
			if !cut(wctx, r) {
				r.callbackFailed(&r.callbacks.storeGet, w.dt.cfg.Name, err)
			}
		case ok && w.claimantsAnswer(e, since, now):
			r.metrics.claimWaitsServed.Add(1)
			return r.jitter(w.dt, e), true
		}
	}
	return cache.Entry{}, false
}

// cut reports whether a store call of a wait failed because the wait cut
// it — its limit or the walk's deadline passed (wctx), or Close began —
// rather than because the store failed.
func cut(wctx context.Context, r *Resolver) bool { return wctx.Err() != nil || r.closed.Load() }

// claimantsAnswer reports whether e, read from the shared tier at now, can
// be the answer the claim's holder fetched: fresh, stored no earlier than
// since, and not the answer the walk already holds as its reference (the
// entry a refresh-ahead walk is replacing; compared by what jitter does
// not change).
func (w *walk) claimantsAnswer(e cache.Entry, since, now time.Time) bool {
	if e.StoredAt.Before(since) || now.Sub(e.StoredAt) >= w.dt.currentTTL() {
		return false
	}
	old := w.ref
	return !(w.cached && e.Value == old.Value && e.Source == old.Source && e.ObservedAt.Equal(old.ObservedAt))
}

// waitLimit is the latest a wait before the walk may end and leave the
// walk its plan: the first tier with a candidate keeps what that
// candidate needs (candidateNeeds) before the tier's own share of the
// deadline ends (planFor of the tiers after it). ok is false when no tier
// has a candidate.
func (w *walk) waitLimit(tiers []tier) (time.Time, bool) {
	for i, t := range tiers {
		if d, _, ok := w.candidateNeeds(t); ok {
			return w.planFor(tiers[i+1:]).Add(-d), true
		}
	}
	return time.Time{}, false
}
