package fallback

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/strata-go/strata/cache"
	"github.com/strata-go/strata/defaults"
	"github.com/strata-go/strata/stats"
)

// acceptable reports whether e would be served as layer 3 by the
// acceptance rule.
func (r *Resolver) acceptable(e cache.Entry, dt *dataType, now time.Time) bool {
	_, ok := r.accept.Accept(e.Confidence, cachedResult(e, dt, now.Sub(e.ObservedAt)).Freshness)
	return ok
}

// localLayers tries the layers that need no provider: an acceptable
// cached answer, a forecast, the default. It returns the per-layer causes
// when none answers.
func (r *Resolver) localLayers(ctx context.Context, dt *dataType, key string, params Params, now time.Time) (Result, []error) {
	var errs []error

	// Layer 3: the last good answer, if fresh and trusted enough: the
	// process's own, else one the shared tier kept for its stale window —
	// also when the process's own is too old to be accepted (an answer
	// imported at a restart must not hide the fleet's newer one).
	e, ok := r.cache.LastGood(key)
	if !ok || !r.acceptable(e, dt, now) {
		if se, sok := r.staleShared(ctx, dt, key, now); sok && (!ok || se.ObservedAt.After(e.ObservedAt)) {
			e, ok = se, true
		}
	}
	if ok {
		res := cachedResult(e, dt, now.Sub(e.ObservedAt))
		score, accepted := r.accept.Accept(e.Confidence, res.Freshness)
		if accepted {
			return res, nil
		}
		errs = append(errs, &LayerError{Layer: LayerCache, Err: fmt.Errorf("cached answer from %s not accepted: score %.3f below %.3f (confidence %.2f, freshness %.3f)",
			e.Source, score, r.accept.Threshold, e.Confidence, res.Freshness)})
	} else {
		errs = append(errs, &LayerError{Layer: LayerCache, Err: errors.New("no cached answer")})
	}

	// Layer 4: a forecast from the key's history.
	var series []float64
	var lastAt time.Time
	obs, failed, herr := r.readHistory(ctx, dt, key, true)
	if failed {
		r.callbackFailed(&r.callbacks.historyGet, dt.cfg.Name, herr)
	}
	// The fleet's series, when there is a shared history and it knows
	// more (see WithSharedHistory).
	if shared, ok := r.sharedObservations(ctx, dt, key, now); ok && len(shared) > 0 && (herr != nil || len(shared) >= len(obs)) {
		obs, herr = shared, nil
	}
	// A forecast below MinConfidence, kept in case the default engine
	// can do no better.
	var weak Result
	hasWeak := false
	if herr == nil && len(obs) > 0 {
		var last int64
		series, last = stats.Regularize(obs, dt.cfg.Period, r.cfg.Forecast.MaxPoints)
		lastAt = obs[len(obs)-1].At
		period := dt.cfg.Period.Index(now)
		switch {
		case r.cfg.Forecast.Disabled:
		case period-last > int64(r.cfg.Forecast.MaxHorizon):
			errs = append(errs, &LayerError{Layer: LayerStatistical, Err: fmt.Errorf("the last observation is %d periods old, beyond forecast.max_horizon (%d)", period-last, r.cfg.Forecast.MaxHorizon)})
		default:
			h := int(max(period-last, 1))
			res, err := r.fitted(ctx, dt, key, series, h, memoEntry{n: len(obs), lastAt: lastAt, period: period}, now)
			if err == nil || errors.Is(err, errWeakForecast) {
				res = r.adjustByMarket(ctx, dt, key, params, series, lastAt, res, now)
				boundIntervals(res.Intervals, dt.cfg.Bounds)
				res.ObservedAt = now
				res.Freshness = cache.Freshness(now.Sub(lastAt), dt.cfg.HalfLife)
			}
			if err == nil {
				return res, nil
			}
			if errors.Is(err, errWeakForecast) {
				weak, hasWeak = res, true
			}
			errs = append(errs, &LayerError{Layer: LayerStatistical, Err: err})
		}
	} else if herr != nil {
		errs = append(errs, &LayerError{Layer: LayerStatistical, Err: fmt.Errorf("history: %w", herr)})
	} else {
		errs = append(errs, &LayerError{Layer: LayerStatistical, Err: errors.New("no history")})
	}

	// Layer 5: the default engine.
	// The engine is strata's own; the host's factors in it are guarded.
	ans, err := r.defaults.Default(ctx, defaults.Query{DataType: dt.cfg.Name, Params: params, History: series})
	if err == nil && (math.IsNaN(ans.Value) || math.IsInf(ans.Value, 0)) {
		err = fmt.Errorf("default value %v is not finite", ans.Value)
	}
	if err != nil {
		if hasWeak {
			return weak, nil // better than no answer
		}
		errs = append(errs, &LayerError{Layer: LayerDefault, Err: err})
		return Result{}, errs
	}
	if hasWeak && weak.Confidence > ans.Confidence {
		// The default would be less sure than the forecast that was
		// held back: the forecast answers after all.
		return weak, nil
	}
	res := Result{
		Value:      ans.Value,
		Layer:      LayerDefault,
		Source:     "default:" + ans.From,
		Confidence: ans.Confidence,
		ObservedAt: now,
		Default:    &DefaultDetail{From: ans.From, Base: ans.Base, Segment: ans.Segment},
	}
	for _, a := range ans.Adjustments {
		res.Default.Adjustments = append(res.Default.Adjustments, Adjustment{Name: a.Name, Factor: a.Factor, Guessed: a.Guessed})
	}
	// A default from the history's level and trend, or a base times the
	// host's factors, can leave the data type's bounds: it is kept within
	// them, as every other layer's answer is, and says so.
	if b := dt.cfg.Bounds; !b.Contains(res.Value) {
		clamped := min(max(res.Value, b.Min), b.Max)
		factor := 0.0
		if res.Value != 0 {
			factor = clamped / res.Value
		}
		res.Default.Adjustments = append(res.Default.Adjustments, Adjustment{Name: "bounds", Factor: factor})
		res.Value = clamped
	}
	if ans.From == "history" {
		res.Freshness = cache.Freshness(now.Sub(lastAt), dt.cfg.HalfLife)
	}
	return res, nil
}

// forecast answers from forecaster's forecast h periods past the
// series' end.
func (r *Resolver) forecast(forecaster *stats.Forecaster, dt *dataType, series []float64, h int, lastAt, now time.Time) (Result, error) {
	fc, err := forecaster.Forecast(series, dt.cfg.Season, h)
	if err != nil {
		return Result{}, err
	}
	conf := fc.Confidence()
	v := fc.Mean[h-1]
	if err := checkValue(dt, v); err != nil {
		return Result{}, fmt.Errorf("forecast by %s rejected: %w", fc.Model, err)
	}
	res := Result{
		Value:      v,
		Layer:      LayerStatistical,
		Source:     "stats:" + fc.Model,
		Confidence: conf,
		Freshness:  cache.Freshness(now.Sub(lastAt), dt.cfg.HalfLife),
		ObservedAt: now,
	}
	for _, iv := range fc.Intervals {
		res.Intervals = append(res.Intervals, Interval{Level: iv.Level, Lower: iv.Lower[h-1], Upper: iv.Upper[h-1]})
	}
	if conf < r.cfg.Forecast.MinConfidence {
		return res, fmt.Errorf("forecast by %s not accepted: confidence %.3f below %.3f: %w", fc.Model, conf, r.cfg.Forecast.MinConfidence, errWeakForecast)
	}
	return res, nil
}

// boundIntervals cuts intervals to the bounds: the value lies within
// them, so an interval reaching past one (a CPC's from below 0, from a
// noisy series near it) says no more than the bound, and a host that
// derives a range from it must not get an impossible one.
func boundIntervals(intervals []Interval, b Bounds) {
	if b.isZero() {
		return
	}
	for i := range intervals {
		iv := &intervals[i]
		iv.Lower = min(max(iv.Lower, b.Min), b.Max)
		iv.Upper = min(max(iv.Upper, b.Min), b.Max)
	}
}

// errWeakForecast marks a forecast below Forecast.MinConfidence: the
// forecast (returned with it) answers only when the default engine has
// no answer, or a less confident one.
var errWeakForecast = errors.New("a weak forecast answers only when the default engine would be less sure")
