package fallback

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/internal/sat"
)

// allowRate takes one request of p's rate limit: the fleet-wide one when
// a SharedLimiter is set (falling back to the local bucket if it fails or
// does not answer within twice the store timeout, or by until, the
// attempt's end), else the local bucket. local reports that the request
// was the local bucket's, which can take it back (see
// provider.giveBack); a SharedLimiter has no way to.
func (r *Resolver) allowRate(ctx context.Context, p *provider, until time.Time) (ok, local bool) {
	if p.limiter == nil {
		return true, false
	}
	wait := min(2*r.cfg.Cache.StoreTimeout, time.Until(until))
	if r.limiter != nil && wait <= 0 {
		// No time left: the attempt is skipped as such after the gates
		// (see attempt); nothing to ask the limiter, nothing to report.
		return true, false
	}
	if r.limiter != nil {
		// Twice the store timeout: a limiter that decides by itself when
		// its backend is slow, within the store timeout (as redisstore's
		// Limiter does, with its local share of the quota), answers
		// first. The resolver's own fallback below is the whole quota in
		// every instance, for a limiter that fails.
		ctx, cancel := context.WithTimeout(ctx, wait)
		defer cancel()
		ok, err := guarded(ctx, r, &r.callbacks.limiter, func(ctx context.Context) (bool, error) {
			return r.limiter.Allow(ctx, "provider:"+p.name, p.cfg.RateLimit.PerSecond, p.cfg.RateLimit.Burst)
		})
		if err == nil {
			return ok, false
		}
		r.callbackFailed(&r.callbacks.limiter, "", err)
	}
	return p.limiter.Allow(), true
}

// storeSet hands a good answer to the writer for the shared tier, without
// waiting (see Config.Cache.WriteQueue): the caller never waits for the
// store, and a failure of the store never fails a resolve. The store is
// asked to keep the entry for the TTL plus the stale window (see
// storeKeep); a fresh cache hit never comes here.
func (r *Resolver) storeSet(key string, e cache.Entry, dt *dataType) {
	if r.store == nil {
		return
	}
	keep, ok := r.storeKeep(dt, e)
	if !ok {
		return
	}
	r.queueWrite(sharedWrite{dt: dt, key: key, entry: e, keep: keep}, &r.callbacks.storeSet)
}

// staleUntil is how long after it was stored a shared entry of dt serves
// stale-if-error: the TTL in force plus Config.Cache.StaleWindow (none
// when negative), saturating rather than overflowing.
func (r *Resolver) staleUntil(dt *dataType) time.Duration {
	return sat.Add(dt.currentTTL(), max(r.cfg.Cache.StaleWindow, 0))
}

// storeKeep is how long the shared tier keeps e once stored: the TTL in
// force plus Config.Cache.StaleWindow, cut to what is left of the
// retention (counted from e.ObservedAt) when e was stored. ok is false
// when the retention had already run out.
func (r *Resolver) storeKeep(dt *dataType, e cache.Entry) (time.Duration, bool) {
	keep := r.staleUntil(dt)
	if ret := r.cfg.Retention; ret > 0 {
		left := ret - e.StoredAt.Sub(e.ObservedAt)
		if left <= 0 {
			return 0, false
		}
		keep = min(keep, left) // the shared tier deletes by itself what the retention forbids
	}
	return keep, true
}

// writeStore is the writer's store write, bounded by the store timeout.
func (r *Resolver) writeStore(w sharedWrite, done func()) {
	ctx, cancel := context.WithTimeout(r.life, r.cfg.Cache.StoreTimeout)
	defer cancel()
	_, err := guarded(ctx, r, &r.callbacks.storeSet, func(ctx context.Context) (struct{}, error) {
		defer done() // when the host returns, even after the writer gave up
		return struct{}{}, r.store.Set(ctx, w.key, w.entry, w.keep)
	})
	if err == ErrClosed {
		done() // guarded started nothing
	}
	if err != nil {
		r.callbackFailed(&r.callbacks.storeSet, w.dt.cfg.Name, err)
	}
}

// staleShared reads key's entry from the shared tier for layer 3, when
// the process has no acceptable last good answer of its own: an entry kept past its
// TTL for the stale window (stale-if-error). It is bounded as a local
// layer's call is (localBound); an entry is refused, as readStore refuses
// one, when it fails checkEntry, and when it is older than the retention
// or was stored longer ago than the TTL plus the stale window (a store
// that keeps entries longer than asked).
func (r *Resolver) staleShared(ctx context.Context, dt *dataType, key string, now time.Time) (cache.Entry, bool) {
	if r.store == nil || r.cfg.Cache.StaleWindow < 0 {
		return cache.Entry{}, false
	}
	e, ok := r.readStore(ctx, dt, key, now) // bounded as a local layer's call
	switch {
	case !ok:
		return cache.Entry{}, false
	case r.cfg.Retention > 0 && now.Sub(e.ObservedAt) > r.cfg.Retention:
		return cache.Entry{}, false
	case now.Sub(e.StoredAt) > r.staleUntil(dt):
		return cache.Entry{}, false
	}
	return e, true
}

// storeGet reads key's answer from the shared tier for the read-through
// path (see readStore), as the copy this instance keeps of it: one that
// expires early by a random share of the TTL, up to
// Config.Cache.SharedJitter, so that the instances of a fleet do not all
// miss a key at once when it expires — the first to miss it pays for a
// new answer, and the others, missing it a little later, find that one.
func (r *Resolver) storeGet(ctx context.Context, dt *dataType, key string, now time.Time) (e cache.Entry, ok bool, opinion *cache.Entry) {
	e, ok, err := r.readStoreErr(ctx, dt, key, now, false)
	var hr *historyRefusal
	if errors.As(err, &hr) {
		opinion = &hr.entry
	}
	r.storeReadFailed(dt, err)
	if ok {
		e = r.jitter(dt, e)
	}
	return e, ok, opinion
}

// fleetOpinionKey carries, on a resolve's context, a shared entry refused
// against the key's history reference (historyRefusal), for its walk.
type fleetOpinionKey struct{}

// fleetOpinionOf returns the fleet's opinion ctx carries, or nil.
func fleetOpinionOf(ctx context.Context) *cache.Entry {
	e, _ := ctx.Value(fleetOpinionKey{}).(*cache.Entry)
	return e
}

// jitter returns the copy of e, read from the shared tier, that this
// instance keeps: StoredAt moved back by a random share of the TTL, up to
// Config.Cache.SharedJitter (see storeGet).
func (r *Resolver) jitter(dt *dataType, e cache.Entry) cache.Entry {
	if r.cfg.Cache.SharedJitter > 0 {
		e.StoredAt = e.StoredAt.Add(-time.Duration(r.fleet.draw() * r.cfg.Cache.SharedJitter * float64(dt.currentTTL())))
	}
	return e
}

// readStore reads the shared tier for a local layer, bounded as a local
// layer's call is (localBound). Any failure is a miss, reported unless
// Close has begun; an entry that fails the checks a provider's answer
// passes (see checkShared) is dropped and reported.
func (r *Resolver) readStore(ctx context.Context, dt *dataType, key string, now time.Time) (cache.Entry, bool) {
	e, ok, err := r.readStoreErr(ctx, dt, key, now, true)
	r.storeReadFailed(dt, err)
	return e, ok
}

// storeReadFailed reports a failed read of the shared tier, unless Close
// refused it (not the store's failure).
func (r *Resolver) storeReadFailed(dt *dataType, err error) {
	if err != nil && !r.closed.Load() {
		r.callbackFailed(&r.callbacks.storeGet, dt.cfg.Name, err)
	}
}

// readStoreErr reads the shared tier and returns the failure a caller
// reports or not (awaitClaim: a read it cut itself is not one): the Get
// bounded by the store timeout, or as a local layer's call when local is
// set; the entry judged (checkShared) within ctx itself, so that a
// history read has its own bound, not what the Get left.
func (r *Resolver) readStoreErr(ctx context.Context, dt *dataType, key string, now time.Time, local bool) (cache.Entry, bool, error) {
	if r.store == nil {
		return cache.Entry{}, false, nil
	}
	outer := ctx // the entry is judged within it (checkShared)
	var cancel context.CancelFunc
	if local {
		ctx, cancel = r.localBound(ctx)
	} else {
		ctx, cancel = context.WithTimeout(ctx, r.cfg.Cache.StoreTimeout)
	}
	defer cancel()
	type got struct {
		e  cache.Entry
		ok bool
	}
	g, err := guarded(ctx, r, &r.callbacks.storeGet, func(ctx context.Context) (got, error) {
		e, ok, err := r.store.Get(ctx, key)
		return got{e, ok}, err
	})
	if err == nil && g.ok {
		err = r.checkShared(outer, dt, key, g.e, now)
	}
	if err != nil {
		return cache.Entry{}, false, err
	}
	return r.inPresent(dt, g.e, now), g.ok, nil
}

// inPresent brings the times of an entry checkEntry passed (at most
// maxClockSkew ahead) into the present (see CacheConfig.ClockSkew): a
// StoredAt up to the skew ahead is now; one further ahead is just past
// the TTL, for an instance whose clock runs ahead must not stretch its
// answers' TTL for everyone else; an ObservedAt ahead is now.
func (r *Resolver) inPresent(dt *dataType, e cache.Entry, now time.Time) cache.Entry {
	switch {
	case e.StoredAt.After(now.Add(r.cfg.Cache.ClockSkew)):
		e.StoredAt = now.Add(-dt.currentTTL())
	case e.StoredAt.After(now):
		e.StoredAt = now
	}
	if e.ObservedAt.After(now) {
		e.ObservedAt = now
	}
	return e
}

// checkShared checks an entry read from the shared tier: checkEntry's
// checks, then plausibility's. Another instance's answer is not trusted on
// its word where it is implausible against this process's own last good
// answer, or the key's history reference when it has none (a new
// instance; another instance with nothing to judge its provider by may
// have taken a unit error), nor when its provider was caught serving garbage
// here (see dropCaught): the providers are asked instead, and their answer
// is judged as ever.
func (r *Resolver) checkShared(ctx context.Context, dt *dataType, key string, e cache.Entry, now time.Time) error {
	if err := checkEntry(dt, e, now); err != nil {
		return err
	}
	if e.Layer > uint8(LayerSecondary) {
		// Only providers' answers are shared (0: a store that keeps no
		// layer).
		return fmt.Errorf("shared entry refused: layer %d is not a provider's", e.Layer)
	}
	if ref, ok := r.cache.LastGood(key); ok {
		if ie := r.plaus.moved(dt, e.Value, ref, now); ie != nil {
			return fmt.Errorf("shared entry refused: %w", ie)
		}
	} else if positive(dt) && !r.cfg.Plausibility.Disabled {
		// A new instance: the key's history, or the fleet's, judges it.
		if ref, ok := r.historyReference(ctx, dt, key); ok {
			if ie := r.plaus.moved(dt, e.Value, ref, now); ie != nil {
				return &historyRefusal{ie: ie, entry: e}
			}
		}
	}
	if r.plaus.isCaught(dt, e.Source, now) {
		return fmt.Errorf("shared entry refused: %w", &ImplausibleError{Value: e.Value, Caught: true})
	}
	return nil
}

// historyRefusal is a shared entry refused against the key's history
// reference (the process has no answer of its own): the fleet may have
// accepted a real move its history does not show yet, so the walk takes
// the entry as a second opinion (see fleetOpinion).
type historyRefusal struct {
	ie    *ImplausibleError
	entry cache.Entry
}

func (e *historyRefusal) Error() string { return "shared entry refused: " + e.ie.Error() }
func (e *historyRefusal) Unwrap() error { return e.ie }

// maxClockSkew is how far in the future a shared entry's times may be:
// instances' clocks differ a little.
const maxClockSkew = time.Minute

// checkEntry checks an entry from the shared tier as a provider's answer
// is checked, and more: a finite value within the data type's bounds, a
// confidence in [0, 1], a source that is a provider's name (NamePattern),
// and times that are set, not before the
// year 1, not in the future beyond maxClockSkew, and observed no later
// than stored.
func checkEntry(dt *dataType, e cache.Entry, now time.Time) error {
	if err := checkValue(dt, e.Value); err != nil {
		return fmt.Errorf("shared entry refused: %w", err)
	}
	switch {
	case !(e.Confidence >= 0 && e.Confidence <= 1):
		return fmt.Errorf("shared entry refused: confidence %v outside [0, 1]", e.Confidence)
	case e.Source == "":
		return errors.New("shared entry refused: no source")
	case !namePattern.MatchString(e.Source):
		// Only a provider's answers are kept: a source no provider can be
		// named (megabytes, control characters) would be served as
		// Result.Source.
		return fmt.Errorf("shared entry refused: source %s is not a provider's name", quote(e.Source))
	case e.StoredAt.IsZero() || e.ObservedAt.IsZero():
		return errors.New("shared entry refused: a time is not set")
	case e.StoredAt.Before(time.Time{}) || e.ObservedAt.Before(time.Time{}):
		return errors.New("shared entry refused: a time is before the year 1")
	case e.StoredAt.After(now.Add(maxClockSkew)) || e.ObservedAt.After(now.Add(maxClockSkew)):
		return errors.New("shared entry refused: a time is in the future")
	case e.ObservedAt.After(e.StoredAt.Add(maxClockSkew)):
		return errors.New("shared entry refused: observed after it was stored")
	}
	return nil
}

// callbackFailed counts and reports a host callback's contained failure.
func (r *Resolver) callbackFailed(kind *taskKind, dataType string, err error) {
	r.metrics.callbackFailures.Add(1)
	r.observe(Event{Kind: EventCallback, Time: time.Now(), DataType: dataType, Source: kind.name, Err: err})
}
