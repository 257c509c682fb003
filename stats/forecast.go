package stats

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// Method names accepted by Config.Method. Auto is the default.
const (
	MethodAuto = "auto"
)

// Default settings of a Forecaster.
const (
	DefaultMinPoints       = 6
	DefaultConfidenceScale = 0.25
)

// Config configures a Forecaster. Zero fields take the documented
// defaults; a Forecaster never writes into the caller's Config.
type Config struct {
	// Method is the forecasting method: "auto" (the default) or one of
	// Methods(): naive, snaive, naive2, drift, ses, holt, damped, ses_sa,
	// holt_sa, damped_sa, comb_sa, theta, ets, arima, hw, hw_mult, lm. New
	// refuses any other name with a *ConfigError for the field "method".
	Method string `yaml:"method"`
	// Levels are the prediction-interval levels, each in [MinLevel,
	// MaxLevel] (beyond them the normal quantile rounds to 0 or +Inf), in the
	// order the Forecast's Intervals follow. Default 0.80 and 0.95.
	Levels []float64 `yaml:"levels"`
	// MinPoints is the shortest series forecast at all; shorter ones get
	// ErrTooShort. Default 6, at least 3.
	MinPoints int `yaml:"min_points"`
	// ConfidenceScale is the forecast's relative standard deviation
	// (sd / |mean|) at which Confidence is 0.5; it halves again at every
	// further multiple. Default 0.25.
	ConfidenceScale float64 `yaml:"confidence_scale"`
	// Selection tunes the automatic method. Its zero value takes the
	// documented defaults.
	Selection Selection `yaml:"selection"`
}

// Methods returns the names of every method Config.Method accepts, sorted.
func Methods() []string {
	names := []string{MethodAuto}
	for k := range methods {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Forecaster fits models to series and forecasts them. It holds no
// mutable state: it is safe for concurrent use.
type Forecaster struct {
	cfg Config
	// growthDrift is set on auto's copy for one forecast whose
	// robust_drift candidate steps by growth rates (see
	// Selection.GrowthDriftSeason).
	growthDrift bool
	// driftCycle is set on auto's copy for one forecast whose
	// robust_drift candidate starts from its last cycle's level (see
	// Selection.DriftCycleSeason).
	driftCycle int
	// growthTheta is set on auto's copy for one forecast whose theta_opt
	// candidate is fitted to the logarithms (see Selection.AdditiveTheta).
	growthTheta bool
	// growth is set on auto's copy for one forecast whose candidates are
	// fitted to the logarithms (see Selection.ExplosiveGrowth): the
	// series' mean growth factor per period.
	growth float64
}

// New returns a Forecaster for cfg, or a *ConfigError (matching
// ErrInvalidConfig) naming the first invalid field ("stats: invalid config:
// field: why").
func New(cfg Config) (*Forecaster, error) {
	c := cfg
	if c.Method == "" {
		c.Method = MethodAuto
	}
	if _, ok := methods[c.Method]; !ok && c.Method != MethodAuto {
		return nil, configError("method", "unknown method %q (want one of %v)", c.Method, Methods())
	}
	if len(c.Levels) == 0 {
		c.Levels = []float64{0.80, 0.95}
	} else {
		c.Levels = slices.Clone(c.Levels)
	}
	for i, l := range c.Levels {
		if !(l >= MinLevel && l <= MaxLevel) {
			return nil, configError(fmt.Sprintf("levels[%d]", i), "must be in [%v, %v], got %v", MinLevel, MaxLevel, l)
		}
	}
	switch {
	case c.MinPoints < 0:
		return nil, configError("min_points", "must not be negative, got %d", c.MinPoints)
	case c.MinPoints == 0:
		c.MinPoints = DefaultMinPoints
	case c.MinPoints < 3:
		return nil, configError("min_points", "must be at least 3, got %d", c.MinPoints)
	}
	switch {
	case c.ConfidenceScale < 0 || math.IsNaN(c.ConfidenceScale) || math.IsInf(c.ConfidenceScale, 0):
		return nil, configError("confidence_scale", "must be a positive number, got %v", c.ConfidenceScale)
	case c.ConfidenceScale == 0:
		c.ConfidenceScale = DefaultConfidenceScale
	}
	sel, err := c.Selection.withDefaults()
	if err != nil {
		return nil, err
	}
	c.Selection = sel
	return &Forecaster{cfg: c}, nil
}

// Forecast is a model's forecast of the next h periods.
type Forecast struct {
	// Model names the model that made it: the configured method, a simpler
	// one it fell back to (a series too short or unsuitable for it), for
	// arima the model chosen ("arima(0,1,1)(0,1,1)[12]", R's name in lower
	// case), and for auto the models combined
	// ("auto(theta_opt,damped,ets(M,A,N),robust_drift)") or the challenger that
	// replaced them ("auto(arima(2,0,0) with non-zero mean)").
	Model string
	// Mean is the point forecast, one value per step ahead. Every value is
	// finite.
	Mean []float64
	// Intervals are the prediction intervals, one per configured level, in
	// the configured order.
	Intervals []Interval

	// scale is the ConfidenceScale of the Forecaster that made it (0 for
	// the default).
	scale float64
}

// Interval is a prediction interval at one level, per step ahead: the
// future value is expected inside [Lower[i], Upper[i]] with probability
// Level.
type Interval struct {
	Level        float64
	Lower, Upper []float64
}

// Confidence returns a score in [0, 1] for the last step's forecast, from
// its interval width relative to the level of the series:
//
//	cv = (Upper − Lower) / (2 · z · |Mean|)    (z: the normal quantile of the interval's level)
//	confidence = 2^(−cv / scale)
//
// cv is the forecast's standard deviation relative to its size (the same
// whichever interval is used, as the width is divided by its z), and scale
// is the Forecaster's ConfidenceScale (default 0.25): a forecast whose
// standard deviation is a quarter of its value scores 0.5, a tenth 0.76, a
// half 0.25. The widest interval is used. A zero-width interval scores 1;
// a forecast with no interval, or a zero mean with a non-zero width,
// scores 0.
func (f Forecast) Confidence() float64 {
	if len(f.Mean) == 0 || len(f.Intervals) == 0 {
		return 0
	}
	h := len(f.Mean) - 1
	iv := f.Intervals[0]
	for _, v := range f.Intervals[1:] {
		if v.Level > iv.Level {
			iv = v
		}
	}
	if len(iv.Lower) <= h || len(iv.Upper) <= h || !(iv.Level > 0 && iv.Level < 1) {
		return 0
	}
	w := iv.Upper[h] - iv.Lower[h]
	if w == 0 {
		return 1
	}
	m := math.Abs(f.Mean[h])
	if !(w > 0) || m == 0 || math.IsInf(w, 0) || math.IsNaN(m) {
		return 0
	}
	scale := f.scale
	if scale <= 0 {
		scale = DefaultConfidenceScale
	}
	// w / m first: 2·z·m overflows near the float64 limit, and a
	// forecast there scored 1 whatever its width.
	cv := w / m / (2 * normalQuantile(0.5+iv.Level/2))
	c := math.Exp2(-cv / scale)
	if math.IsNaN(c) {
		return 0
	}
	return math.Max(0, math.Min(1, c))
}

// The prediction-interval levels a Config may ask for.
const (
	MinLevel = 0.01
	MaxLevel = 0.9999
)

// MaxHorizon is the furthest Forecast looks ahead: each step costs memory,
// and a forecast that far out says little.
const MaxHorizon = 100_000

// Forecast fits the configured method to y (oldest first; season is the
// seasonal cycle in periods, 1 for none) and forecasts h steps ahead.
//
// It refuses, with a *SeriesError, a horizon below 1 or above MaxHorizon
// or a season below 1 (ErrInvalidArgument), a series shorter than MinPoints (ErrTooShort) and a
// NaN or infinite value (ErrInvalidSeries). Every other series gets a
// forecast with finite values: a constant series is forecast by the naive
// method with zero-width intervals; a method that cannot be applied (the
// series is too short for it, not positive for a multiplicative model, or
// the fit fails) falls back to a simpler one, named in Model, and so does
// one whose forecast leaves the plausible range (k steps ahead, beyond ten
// times the series' largest magnitude plus k times its range per period;
// for auto on a series that grows explosively, see
// Selection.ExplosiveGrowth, that times g^k, g its mean growth factor
// per period). y is not modified.
func (f *Forecaster) Forecast(y []float64, season, h int) (Forecast, error) {
	if h < 1 || h > MaxHorizon {
		return Forecast{}, &SeriesError{Err: ErrInvalidArgument, Index: -1, Value: float64(h), Msg: fmt.Sprintf("horizon must be in [1, %d], got %d", MaxHorizon, h)}
	}
	if season < 1 {
		return Forecast{}, &SeriesError{Err: ErrInvalidArgument, Index: -1, Value: float64(season), Msg: fmt.Sprintf("season must be at least 1, got %d", season)}
	}
	if len(y) < f.cfg.MinPoints {
		return Forecast{}, &SeriesError{Err: ErrTooShort, Index: -1, Value: float64(len(y)), Msg: fmt.Sprintf("%d points, need %d", len(y), f.cfg.MinPoints)}
	}
	for i, v := range y {
		if !finite(v) {
			return Forecast{}, &SeriesError{Err: ErrInvalidSeries, Index: i, Value: v, Msg: "NaN or infinite value"}
		}
	}
	r := f.forecastInRange(y, season, h)
	return f.finish(r), nil
}

// The magnitudes (largest absolute value) a series is fitted at as it is;
// outside them it is fitted scaled (see forecastInRange).
const (
	minMagnitude = 1.0 / (1 << 7) // about 0.008
	maxMagnitude = 1 << 27        // about 1.3e8
)

// forecastInRange runs forecast on y, scaled first by a power of two —
// exact, barring subnormal values — to a largest magnitude near 1024 when
// its own is outside [minMagnitude, maxMagnitude], and scales the result
// back. At extreme magnitudes the fits' tolerances, unit-root tests and
// squared errors lose precision or overflow: a series in units of 1e-9
// was judged constant by ARIMA, intervals at 1e-200 had zero width and at
// 1e160 overflowed. Within the range a series is fitted in its own units,
// as R fits it.
func (f *Forecaster) forecastInRange(y []float64, m, h int) result {
	top := 0.0
	for _, v := range y {
		top = max(top, math.Abs(v))
	}
	if top == 0 || top >= minMagnitude && top <= maxMagnitude {
		return f.forecast(y, m, h, 0)
	}
	_, e := math.Frexp(top) // top = frac × 2^e, frac in [0.5, 1)
	shift := 10 - e
	ys := make([]float64, len(y))
	for i, v := range y {
		ys[i] = math.Ldexp(v, shift)
	}
	r := f.forecast(ys, m, h, shift)
	back := func(xs []float64) []float64 { // a new slice: a model may share one
		out := make([]float64, len(xs))
		for k, v := range xs {
			out[k] = math.Ldexp(v, -shift)
		}
		return out
	}
	r.mean = back(r.mean)
	r.lower, r.upper = slices.Clone(r.lower), slices.Clone(r.upper)
	for i := range r.lower {
		r.lower[i], r.upper[i] = back(r.lower[i]), back(r.upper[i])
	}
	return r
}

// forecast runs the configured method on a checked series, scaled by
// 2^shift (see forecastInRange): a model whose forecast is not finite in
// the series' own units gives way to a simpler one.
func (f *Forecaster) forecast(y []float64, m, h, shift int) result {
	lv := f.cfg.Levels
	if isConstant(y) {
		return withNormal("naive", constant(y[0], h), make([]float64, h), lv)
	}
	// Seasonal models need more than two full seasons; a shorter series is
	// treated as non-seasonal (len(y) <= 2m, written so that a huge m
	// cannot overflow).
	if m >= (len(y)+1)/2 {
		m = 1
	}
	name := f.cfg.Method
	if name == MethodAuto {
		if r, ok := f.auto(y, m, h); ok && r.validScaled(shift) && r.plausibleAt(y, explosiveGrowth(y, f.cfg.Selection.ExplosiveGrowth)) {
			return r
		}
		name = "naive"
	}
	for name != "" {
		meth := methods[name]
		if r, ok := meth.run(y, m, h, lv); ok && r.validScaled(shift) && r.plausible(y) {
			return r
		}
		name = meth.fallback
	}
	return naiveModel(y, h, lv)
}

// constant returns h copies of v.
func constant(v float64, h int) []float64 {
	out := make([]float64, h)
	for i := range out {
		out[i] = v
	}
	return out
}

// valid reports whether every point forecast is finite.
func (r result) valid() bool { return r.validScaled(0) }

// validScaled reports whether every point forecast is finite once scaled
// back by 2^-shift: a trend fitted to a scaled series can be finite there
// and overflow float64 in the series' own units.
func (r result) validScaled(shift int) bool {
	for _, v := range r.mean {
		if !finite(math.Ldexp(v, -shift)) {
			return false
		}
	}
	return len(r.mean) > 0
}

// plausibleFactor is how far past the series a forecast may go: see
// plausible.
const plausibleFactor = 10

// plausible reports whether every point forecast of r, k steps ahead, is
// within plausibleFactor times the series' largest magnitude plus k times
// its range per period (the steepest straight line through the whole
// series). No model here extrapolates further than a trend times a
// seasonal index the data have shown, so a forecast beyond that is a fit
// that broke down: hw_mult's 57 states for a weekly season over three
// years found optima where the level rose 20-fold and the indices fell to
// match, and forecast 90 times the series' largest value one step ahead.
func (r result) plausible(y []float64) bool { return r.plausibleAt(y, 0) }

// plausibleAt is plausible with the bound k steps ahead times growth^k
// when growth is above 1: a series that grows explosively (see
// Selection.ExplosiveGrowth) leaves ten times its largest value within a
// few steps.
func (r result) plausibleAt(y []float64, growth float64) bool {
	top, lo, hi := 0.0, math.Inf(1), math.Inf(-1)
	for _, v := range y {
		top = max(top, math.Abs(v))
		lo, hi = min(lo, v), max(hi, v)
	}
	per := (hi - lo) / float64(max(len(y)-1, 1))
	for k, v := range r.mean {
		bound := plausibleFactor * (top + per*float64(k+1))
		if growth > 1 {
			bound *= math.Pow(growth, float64(k+1))
		}
		if !(math.Abs(v) <= bound) {
			return false
		}
	}
	return true
}

// finish turns a result into a Forecast: bounds that overflowed are
// clamped to ±MaxFloat64, a NaN bound becomes the widest, and each
// interval is made to contain its mean.
func (f *Forecaster) finish(r result) Forecast {
	fc := Forecast{Model: r.model, Mean: r.mean, scale: f.cfg.ConfidenceScale}
	for i, lv := range f.cfg.Levels {
		iv := Interval{Level: lv, Lower: make([]float64, len(r.mean)), Upper: make([]float64, len(r.mean))}
		for k, mu := range r.mean {
			lo, hi := math.Inf(-1), math.Inf(1)
			if i < len(r.lower) {
				lo, hi = r.lower[i][k], r.upper[i][k]
			}
			if math.IsNaN(lo) {
				lo = math.Inf(-1)
			}
			if math.IsNaN(hi) {
				hi = math.Inf(1)
			}
			iv.Lower[k] = math.Max(-math.MaxFloat64, math.Min(lo, mu))
			iv.Upper[k] = math.Min(math.MaxFloat64, math.Max(hi, mu))
		}
		fc.Intervals = append(fc.Intervals, iv)
	}
	return fc
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
