package fallback

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/strata-go/strata/stats"
)

// OnceAppender is an optional capability of a shared history
// (WithSharedHistory): AppendOnce records obs for key unless the key
// already holds an observation at or after from and before to, and
// reports whether it recorded it. The resolver passes the bounds of the
// period obs falls in (the data type's Period), so that a fleet sharing
// the history records one observation per key and period — whichever
// instance made it first — rather than one per instance.
type OnceAppender interface {
	AppendOnce(ctx context.Context, key string, obs stats.Observation, from, to time.Time) (bool, error)
}

// tieredHistory is the resolver's history when a shared one is set
// (WithSharedHistory): the resolver's own in front, which every call
// reaches as before, and the shared one behind it, written by the writer
// and read by the statistical layer (see sharedObservations). Forget and
// Prune reach both through it.
type tieredHistory struct {
	r     *Resolver
	local stats.History
}

// Append records obs in the resolver's own history and queues it for the
// shared one.
func (h *tieredHistory) Append(ctx context.Context, key string, obs stats.Observation) error {
	err := h.local.Append(ctx, key, obs)
	h.r.appendShared(key, obs)
	return err
}

// Observations returns the resolver's own series.
func (h *tieredHistory) Observations(ctx context.Context, key string) ([]stats.Observation, error) {
	return h.local.Observations(ctx, key)
}

// Delete removes key from both histories that can (stats.Deleter).
func (h *tieredHistory) Delete(ctx context.Context, key string) (bool, error) {
	var removed bool
	var errs []error
	for _, hh := range [...]stats.History{h.local, h.r.fleet.history} {
		if d, ok := hh.(stats.Deleter); ok {
			ok, err := d.Delete(ctx, key)
			removed = removed || ok
			errs = append(errs, err)
		}
	}
	return removed, errors.Join(errs...)
}

// Prune prunes both histories that can (stats.Pruner) and returns the
// observations deleted from both.
func (h *tieredHistory) Prune(ctx context.Context, before time.Time) (int, error) {
	total := 0
	var errs []error
	for _, hh := range [...]stats.History{h.local, h.r.fleet.history} {
		if p, ok := hh.(stats.Pruner); ok {
			n, err := p.Prune(ctx, before)
			total += n
			errs = append(errs, err)
		}
	}
	return total, errors.Join(errs...)
}

// Keys returns the keys of both histories that can list them
// (stats.Lister), each once.
func (h *tieredHistory) Keys(ctx context.Context) ([]string, error) {
	var keys []string
	var errs []error
	for _, hh := range [...]stats.History{h.local, h.r.fleet.history} {
		if l, ok := hh.(stats.Lister); ok {
			k, err := l.Keys(ctx)
			keys = append(keys, k...)
			errs = append(errs, err)
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys), errors.Join(errs...)
}

// appendShared queues obs for the shared history, with the bounds of its
// period for an OnceAppender.
func (r *Resolver) appendShared(key string, obs stats.Observation) {
	dt, ok := r.types[keyDataType(key)]
	if !ok {
		return
	}
	r.queueWrite(sharedWrite{dt: dt, key: key, obs: obs}, &r.fleet.historyAppend)
}

// writeHistory is the writer's shared-history append, bounded by the
// store timeout.
func (r *Resolver) writeHistory(w sharedWrite, done func()) {
	ctx, cancel := context.WithTimeout(r.life, r.cfg.Cache.StoreTimeout)
	defer cancel()
	_, err := guarded(ctx, r, &r.fleet.historyAppend, func(ctx context.Context) (struct{}, error) {
		defer done() // when the host returns, even after the writer gave up
		if r.fleet.once == nil {
			return struct{}{}, r.fleet.history.Append(ctx, w.key, w.obs)
		}
		p := w.dt.cfg.Period
		i := p.Index(w.obs.At)
		_, err := r.fleet.once.AppendOnce(ctx, w.key, w.obs, p.Start(i), p.Start(i+1))
		return struct{}{}, err
	})
	if err == ErrClosed {
		done() // guarded started nothing
	}
	if err != nil {
		r.callbackFailed(&r.fleet.historyAppend, w.dt.cfg.Name, err)
	}
}

// sharedObservations reads key's series from the shared history, bounded
// as a local layer's call is (localBound), sorted, without observations
// older than the retention and without any a forecast cannot use (a zero
// time, a time in the future, a value that is not finite or is outside
// the data type's bounds: another version of the fleet may write
// another unit), of its last WindowLimit observations (newestRead). The
// series is a copy: the history's own slice is left
// as it was. ok is false without a shared history or when it failed or
// did not answer in time (reported).
func (r *Resolver) sharedObservations(ctx context.Context, dt *dataType, key string, now time.Time) ([]stats.Observation, bool) {
	if r.fleet.history == nil {
		return nil, false
	}
	hctx, cancel := r.localBound(ctx)
	defer cancel()
	obs, err := guarded(hctx, r, &r.fleet.historyGet, func(ctx context.Context) ([]stats.Observation, error) {
		return r.fleet.history.Observations(ctx, key)
	})
	if err != nil {
		r.callbackFailed(&r.fleet.historyGet, dt.cfg.Name, err)
		return nil, false
	}
	// Another process wrote them: keep what a forecast can use, in order
	// (not the future either: see usableObservations).
	var before time.Time
	if ret := r.cfg.Retention; ret > 0 {
		before = now.Add(-ret)
	}
	after := now.Add(maxClockSkew)
	obs = newestRead(obs)
	kept := make([]stats.Observation, 0, len(obs))
	for _, o := range obs {
		if o.At.IsZero() || o.At.Before(before) || o.At.After(after) || !dt.cfg.Bounds.Contains(o.Value) {
			continue
		}
		kept = append(kept, o)
	}
	slices.SortStableFunc(kept, func(a, b stats.Observation) int { return a.At.Compare(b.At) })
	return kept, true
}
