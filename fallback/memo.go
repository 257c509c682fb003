package fallback

import (
	"context"
	"errors"
	"fmt"
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
	res    Result    // Layer, Value, Source, Confidence, Intervals
	err    error
}

func newForecastMemo(capacity int) *forecastMemo {
	return &forecastMemo{m: lru.New[string, memoEntry](capacity)}
}

// get returns the memoised forecast for key if it was made from the same
// history for the same period.
func (f *forecastMemo) get(key string, n int, lastAt time.Time, period int64) (Result, error, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.m.Get(key)
	if !ok || e.n != n || !e.lastAt.Equal(lastAt) || e.period != period {
		return Result{}, nil, false
	}
	return e.res, e.err, true
}

func (f *forecastMemo) put(key string, e memoEntry) {
	f.mu.Lock()
	f.m.Put(key, e)
	f.mu.Unlock()
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
// marks it done.
func (g *appendGate) admit(key string, period int64) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if p, ok := g.last.Get(key); ok && p == period {
		return false
	}
	g.last.Put(key, period)
	return true
}

// fitted returns key's forecast h periods ahead: the memoised one when
// nothing changed since (see forecastMemo), else a new fit. One fit runs
// at a time per key — in a blackout many resolves of a key reach the
// statistical layer together, and each fit is milliseconds of CPU — and
// the others wait for it, each within half of what is left of its own
// deadline (the default layer keeps the rest). A fit is not started when
// what is left cannot cover the fit time learned so far (see fitClock;
// forecast.fit_time before the first fit): a quick fit is, when what is
// left covers its own (see ForecastConfig.DisableQuickFit), else the
// default answers at once, as it does when every fit slot is taken (see
// fitsAllowed). A fit that panics fails with an error.
func (r *Resolver) fitted(ctx context.Context, dt *dataType, key string, series []float64, h int, m memoEntry, now time.Time) (Result, error) {
	if res, err, ok := r.memo.get(key, m.n, m.lastAt, m.period); ok {
		return res, err
	}
	wait := r.cfg.Resolve.Deadline
	if dl, ok := ctx.Deadline(); ok {
		wait = time.Until(dl) / 2
	}
	fc, clock, quick := r.forecaster, &r.fitTime, false
	if need := r.fitTime.expect(); wait < need {
		if r.quick == nil || wait < r.quickTime.expect() {
			// Skipped: the estimate of the fit the layer falls back on
			// shrinks, so that one learned under contention does not
			// keep the layer off for good — but only as time passes,
			// not as resolves arrive (see skippedAt). The full fit's
			// does not when there is a quick fit: shrinking it brought
			// full fits back into herds that could not wait for them.
			clock := &r.fitTime
			if r.quick != nil {
				clock, need = &r.quickTime, r.quickTime.expect()
			}
			clock.skippedAt(time.Now())
			return Result{}, fmt.Errorf("no time to fit a forecast: %v left, fits take about %v", wait.Round(time.Microsecond), need.Round(time.Microsecond))
		}
		fc, clock, quick = r.quick, &r.quickTime, true
	}
	ch := r.fits.DoChan(key, func() (any, error) {
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
		if quick {
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
