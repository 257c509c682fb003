package fallback

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/strata-go/strata/internal/lru"
	"github.com/strata-go/strata/stats"
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
	quick  bool      // fitted quick (see ForecastConfig.DisableQuickFit)
	res    Result    // Layer, Value, Source, Confidence, Intervals
	err    error
}

// same reports whether e was made from the same history for the same
// period as o.
func (e memoEntry) same(o memoEntry) bool {
	return e.n == o.n && e.lastAt.Equal(o.lastAt) && e.period == o.period
}

func newForecastMemo(capacity int) *forecastMemo {
	return &forecastMemo{m: lru.New[string, memoEntry](capacity)}
}

// get returns the memoised forecast for key if it was made from the same
// history for the same period as m.
func (f *forecastMemo) get(key string, m memoEntry) (memoEntry, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.m.Get(key)
	if !ok || !e.same(m) {
		return memoEntry{}, false
	}
	return e, true
}

// put memoises e for key; a quick forecast does not replace a full one
// made from the same history for the same period.
func (f *forecastMemo) put(key string, e memoEntry) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if old, ok := f.m.Get(key); ok && e.quick && !old.quick && old.same(e) {
		return
	}
	f.m.Put(key, e)
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
// marks it done: not when key recorded one in that period or a later one
// (an Import of an older series, a clock set back).
func (g *appendGate) admit(key string, period int64) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if p, ok := g.last.Get(key); ok && p >= period {
		return false
	}
	g.last.Put(key, period)
	return true
}

// fitted returns key's forecast h periods ahead: the memoised one when
// nothing changed since (see forecastMemo), else a new fit. One fit runs
// at a time per key and kind — in a blackout many resolves of a key reach
// the statistical layer together, and each fit is milliseconds of CPU —
// and the others wait for it, each within half of what is left of its own
// deadline (the default layer keeps the rest). A full fit is not started
// when that wait cannot cover the time full fits take (see fitClock;
// forecast.fit_time before the first): a quick fit is, when the wait
// covers its own (see ForecastConfig.DisableQuickFit), else the default
// answers at once, as it does when every fit slot is taken (see
// fitsAllowed). A memoised quick forecast answers only resolves that
// cannot wait for a full fit; one that can fits in full, and falls back
// on the quick forecast if that fit fails. A fit that panics fails with
// an error. The intervals returned are the caller's own: the memo's are
// shared by every resolve it answers, and a Result is its host's to
// change.
func (r *Resolver) fitted(ctx context.Context, dt *dataType, key string, series []float64, h int, m memoEntry, now time.Time) (res Result, err error) {
	defer func() { res.Intervals = slices.Clone(res.Intervals) }()
	memo, ok := r.memo.get(key, m)
	if ok && !memo.quick {
		return memo.res, memo.err // the common case in a blackout: no clock read
	}
	wait := r.cfg.Resolve.Deadline
	if dl, ok := ctx.Deadline(); ok {
		wait = time.Until(dl) / 2
	}
	full := wait >= r.fitTime.expect()
	if ok && !full {
		return memo.res, memo.err
	}
	res, err = r.fit(ctx, dt, key, series, h, m, now, wait, full)
	if err != nil && ok {
		return memo.res, memo.err
	}
	return res, err
}

// fit fits key's forecast, in full or quick as fitted decides, and
// memoises it.
func (r *Resolver) fit(ctx context.Context, dt *dataType, key string, series []float64, h int, m memoEntry, now time.Time, wait time.Duration, full bool) (Result, error) {
	fc, quick := r.forecaster, r.quick
	if !positive(dt) {
		fc, quick = r.signed, r.signedQuick
	}
	clock, flight := &r.fitTime, key
	if !full {
		if quick == nil {
			// Skipped: the estimate shrinks, so that one learned
			// under contention does not keep the layer off for good —
			// but only as time passes, not as resolves arrive (see
			// skippedAt).
			r.fitTime.skippedAt(time.Now(), 1)
			return Result{}, fmt.Errorf("no time to fit a forecast: %v left, fits take about %v", wait.Round(time.Microsecond), r.fitTime.expect().Round(time.Microsecond))
		}
		// The full fit's estimate shrinks too, ten times slower: fast
		// enough that one learned under contention, or a first fit that
		// was slow, does not keep full fits off for good; slow enough
		// not to bring them back into a herd that cannot wait for them.
		r.fitTime.skippedAt(time.Now(), 10)
		if need := r.quickTime.expect(); wait < need {
			r.quickTime.skippedAt(time.Now(), 1)
			return Result{}, fmt.Errorf("no time to fit a forecast: %v left, quick fits take about %v", wait.Round(time.Microsecond), need.Round(time.Microsecond))
		}
		fc, clock, flight, m.quick = quick, &r.quickTime, "quick\x00"+key, true
	}
	ch := r.fits.DoChan(flight, func() (any, error) {
		if !r.takeFitSlot() {
			return nil, errors.New("no forecast fit slot free: every slot is fitting another key")
		}
		defer r.releaseFitSlot()
		if !r.tasks.add(&r.fitTask) {
			return nil, ErrClosed
		}
		defer r.tasks.done(&r.fitTask)
		start := time.Now()
		r.metrics.fits.Add(1)
		if m.quick {
			r.metrics.quickFits.Add(1)
		}
		m.res, m.err = r.forecastSafely(fc, dt, series, h, m.lastAt, now)
		clock.observe(time.Since(start))
		r.memo.put(key, m)
		return m, nil
	})
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case v := <-ch:
		if v.Err != nil {
			return Result{}, v.Err
		}
		done := v.Val.(memoEntry)
		return done.res, done.err
	case <-timer.C:
		return Result{}, errors.New("the forecast fit did not finish in time")
	case <-ctx.Done():
		return Result{}, fmt.Errorf("the forecast fit did not finish in time: %w", ctx.Err())
	}
}

// forecasters builds fc's model and its quick variant (nil when
// quickModel makes none or quick fits are off).
func forecasters(fc ForecastConfig) (full, quick *stats.Forecaster, err error) {
	if full, err = stats.New(fc.Model); err != nil {
		return nil, nil, configError("forecast.model", err)
	}
	if qm, ok := quickModel(fc.Model); ok && !fc.DisableQuickFit {
		if quick, err = stats.New(qm); err != nil {
			return nil, nil, configError("forecast.model", err)
		}
	}
	return full, quick, nil
}

// quickModel returns model without auto's challengers, and whether it
// has any to drop (see ForecastConfig.DisableQuickFit).
func quickModel(model stats.Config) (stats.Config, bool) {
	if model.Method != "" && model.Method != stats.MethodAuto {
		return model, false
	}
	if ch := model.Selection.Challengers; len(ch) == 1 && ch[0] == "none" {
		return model, false
	}
	model.Selection.Challengers = []string{"none"}
	return model, true
}

// forecastSafely is forecast with a panic (of the models, on a series
// they did not expect) turned into an error.
func (r *Resolver) forecastSafely(fc *stats.Forecaster, dt *dataType, series []float64, h int, lastAt, now time.Time) (res Result, err error) {
	defer func() {
		if v := recover(); v != nil {
			res, err = Result{}, fmt.Errorf("forecast panicked: %v", v)
		}
	}()
	return r.forecast(fc, dt, series, h, lastAt, now)
}
