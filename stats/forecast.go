package stats

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/optimize"
)

// Errors of the forecaster's input checks; match with errors.Is.
var (
	// ErrTooShort: the series has fewer points than the model needs.
	ErrTooShort = errors.New("stats: series too short")
	// ErrInvalidSeries: the series holds NaN or infinite values.
	ErrInvalidSeries = errors.New("stats: invalid series")
)

// Config configures a Forecaster. Zero fields take the defaults.
type Config struct {
	// Method is the model to use: "auto" (the default) or a model name.
	Method string `yaml:"method"`
	// Levels are the prediction-interval levels, each in (0, 1). Default
	// 0.80 and 0.95.
	Levels []float64 `yaml:"levels"`
	// MinPoints is the shortest series forecast at all. Default 6.
	MinPoints int `yaml:"min_points"`
}

// Forecaster fits models to series and forecasts them. It is safe for
// concurrent use.
type Forecaster struct {
	cfg Config
}

// New returns a Forecaster for cfg.
func New(cfg Config) (*Forecaster, error) {
	c := cfg
	if c.Method == "" {
		c.Method = "auto"
	}
	if c.Method != "auto" && c.Method != "holt" {
		return nil, fmt.Errorf("stats: invalid config: method: unknown method %q", c.Method)
	}
	if len(c.Levels) == 0 {
		c.Levels = []float64{0.80, 0.95}
	} else {
		c.Levels = append([]float64(nil), c.Levels...)
	}
	for i, l := range c.Levels {
		if !(l > 0 && l < 1) {
			return nil, fmt.Errorf("stats: invalid config: levels[%d]: must be in (0, 1), got %v", i, l)
		}
	}
	if c.MinPoints < 0 {
		return nil, fmt.Errorf("stats: invalid config: min_points: must not be negative, got %d", c.MinPoints)
	}
	if c.MinPoints == 0 {
		c.MinPoints = 6
	}
	return &Forecaster{cfg: c}, nil
}

// Forecast is a model's forecast of the next h periods.
type Forecast struct {
	// Model names the model that made it ("holt").
	Model string
	// Mean is the point forecast, one value per step ahead.
	Mean []float64
	// Intervals are the prediction intervals, one per configured level.
	Intervals []Interval
}

// Interval is a prediction interval at one level, per step ahead.
type Interval struct {
	Level        float64
	Lower, Upper []float64
}

// Confidence returns a score in [0, 1] for the last step's forecast, from
// the width of the widest interval relative to the forecast's size: a
// forecast whose interval is narrow relative to its level is trusted more.
func (f Forecast) Confidence() float64 {
	if len(f.Mean) == 0 || len(f.Intervals) == 0 {
		return 0
	}
	h := len(f.Mean) - 1
	iv := f.Intervals[len(f.Intervals)-1]
	m := math.Abs(f.Mean[h])
	if m == 0 {
		return 0
	}
	rel := (iv.Upper[h] - iv.Lower[h]) / (2 * m)
	c := iv.Level / (1 + rel)
	return math.Max(0, math.Min(1, c))
}

// Forecast fits the configured model to y (oldest first; season is the
// seasonal cycle in periods, 1 for none) and forecasts h steps ahead.
func (f *Forecaster) Forecast(y []float64, season, h int) (Forecast, error) {
	if h < 1 {
		return Forecast{}, fmt.Errorf("stats: horizon must be at least 1, got %d", h)
	}
	if len(y) < f.cfg.MinPoints || len(y) < 3 {
		return Forecast{}, fmt.Errorf("%w: %d points, need %d", ErrTooShort, len(y), max(f.cfg.MinPoints, 3))
	}
	for i, v := range y {
		if !finite(v) {
			return Forecast{}, fmt.Errorf("%w: value %v at %d", ErrInvalidSeries, v, i)
		}
	}
	return holt(y, h, f.cfg.Levels), nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// holt fits Holt's linear trend (ETS(A,A,N)) by least squares and returns
// the forecast with analytical intervals.
func holt(y []float64, h int, levels []float64) Forecast {
	l0, b0 := y[0], y[1]-y[0]
	sse := func(alpha, beta float64) (float64, float64, float64) {
		l, b, s := l0, b0, 0.0
		for _, v := range y[1:] {
			e := v - (l + b)
			s += e * e
			nl := l + b + alpha*e
			b += alpha * beta * e
			l = nl
		}
		return s, l, b
	}
	logistic := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	p := optimize.Problem{Func: func(x []float64) float64 {
		s, _, _ := sse(0.0001+0.9998*logistic(x[0]), 0.0001+0.9998*logistic(x[1]))
		return s
	}}
	alpha, beta := 0.3, 0.1
	if res, err := optimize.Minimize(p, []float64{-0.85, -2.2}, &optimize.Settings{FuncEvaluations: 400}, &optimize.NelderMead{}); err == nil || res != nil {
		if res != nil && finite(res.F) {
			alpha, beta = 0.0001+0.9998*logistic(res.X[0]), 0.0001+0.9998*logistic(res.X[1])
		}
	}
	s, l, b := sse(alpha, beta)
	sigma2 := s / float64(max(len(y)-1-4, 1))
	fc := Forecast{Model: "holt", Mean: make([]float64, h)}
	for i := range h {
		fc.Mean[i] = l + float64(i+1)*b
	}
	for _, lv := range levels {
		z := normalQuantile(0.5 + lv/2)
		iv := Interval{Level: lv, Lower: make([]float64, h), Upper: make([]float64, h)}
		for i := range h {
			k := float64(i + 1)
			v := sigma2 * (1 + (k-1)*(alpha*alpha+alpha*beta*alpha*k+alpha*alpha*beta*beta*k*(2*k-1)/6))
			w := z * math.Sqrt(v)
			iv.Lower[i], iv.Upper[i] = fc.Mean[i]-w, fc.Mean[i]+w
		}
		fc.Intervals = append(fc.Intervals, iv)
	}
	return fc
}

// normalQuantile returns the standard normal quantile of p.
func normalQuantile(p float64) float64 { return math.Sqrt2 * math.Erfinv(2*p-1) }
