package defaults

import (
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/strata-go/strata/internal/setting"
)

// Bounds clamp a factor. The zero Bounds takes the default [0.5, 2]; Bounds
// with one end set must set the other too.
type Bounds struct {
	Min float64 `yaml:"min"`
	Max float64 `yaml:"max"`
}

// Config configures an Engine. Zero fields take the defaults; New
// validates a copy and never writes into the caller's struct. The yaml
// tags let a host embed Config in its YAML configuration (fallback.Config
// does, under "defaults"); Rules, Market and User are set in Go.
type Config struct {
	// Rules holds each data type's rule, by data type name.
	Rules map[string]Rule `yaml:"-"`
	// Market is the market-condition factor; nil means none (1.0).
	Market Factor `yaml:"-"`
	// User is the per-user behaviour factor; nil means none (1.0).
	User Factor `yaml:"-"`

	// BaseConfidence is the confidence of a base value, in [0, 1].
	// Default 0.3.
	BaseConfidence float64 `yaml:"base_confidence"`
	// SegmentConfidence is the confidence of a segment's value, in
	// [0, 1]. Default 0.4.
	SegmentConfidence float64 `yaml:"segment_confidence"`
	// HistoryConfidence is the confidence of a history-based default
	// before its fit is counted, in [0, 1]. Default 0.6.
	HistoryConfidence float64 `yaml:"history_confidence"`
	// GuessPenalty is the confidence lost per absent host factor, in
	// [0, 1]. Default 0.1.
	GuessPenalty float64 `yaml:"guess_penalty"`
	// MinHistory is the fewest history points used; fewer fall back to
	// the segment or base value. Default 3, or Window when that is
	// smaller; it must not exceed Window.
	MinHistory int `yaml:"min_history"`
	// Window is how many of the latest history points are averaged.
	// Default 12; at most WindowLimit.
	Window int `yaml:"window"`
	// TrendBounds clamp the trend factor. Default [0.5, 2].
	TrendBounds Bounds `yaml:"trend_bounds"`
	// MarketBounds clamp the market factor. Default [0.5, 2].
	MarketBounds Bounds `yaml:"market_bounds"`
	// UserBounds clamp the user factor. Default [0.5, 2].
	UserBounds Bounds `yaml:"user_bounds"`
}

// Defaults of Config.
const (
	DefaultBaseConfidence    = 0.3
	DefaultSegmentConfidence = 0.4
	DefaultHistoryConfidence = 0.6
	DefaultGuessPenalty      = 0.1
	DefaultMinHistory        = 3
	DefaultWindow            = 12
	DefaultFactorMin         = 0.5
	DefaultFactorMax         = 2.0
)

// WindowLimit is the largest Window (and so MinHistory) accepted: 10000
// points, enough for an hourly series over a year.
const WindowLimit = 10000

// Validate reports the first field New would refuse, as a *ConfigError,
// or nil.
func (c Config) Validate() error {
	_, err := c.withDefaults()
	return err
}

// withDefaults returns c with every zero field set to its default, or the
// first field that is invalid. The rules are checked, not copied.
func (c Config) withDefaults() (Config, error) {
	for _, f := range []struct {
		name string
		v    *float64
		def  float64
	}{
		{"base_confidence", &c.BaseConfidence, DefaultBaseConfidence},
		{"segment_confidence", &c.SegmentConfidence, DefaultSegmentConfidence},
		{"history_confidence", &c.HistoryConfidence, DefaultHistoryConfidence},
		{"guess_penalty", &c.GuessPenalty, DefaultGuessPenalty},
	} {
		if why := setting.Fraction(f.v, f.def); why != "" {
			return c, &ConfigError{Err: ErrInvalidConfig, Field: f.name, Reason: why}
		}
	}
	if why := setting.AtMost(&c.Window, DefaultWindow, WindowLimit); why != "" {
		return c, &ConfigError{Err: ErrInvalidConfig, Field: "window", Reason: why}
	}
	if why := setting.Default(&c.MinHistory, min(DefaultMinHistory, c.Window)); why != "" {
		return c, &ConfigError{Err: ErrInvalidConfig, Field: "min_history", Reason: why}
	}
	if c.MinHistory > c.Window {
		// The history would never be used.
		return c, &ConfigError{Err: ErrInvalidConfig, Field: "min_history", Reason: fmt.Sprintf("must not exceed window (%d), got %d", c.Window, c.MinHistory)}
	}
	for _, b := range []struct {
		name string
		b    *Bounds
	}{{"trend_bounds", &c.TrendBounds}, {"market_bounds", &c.MarketBounds}, {"user_bounds", &c.UserBounds}} {
		if *b.b == (Bounds{}) {
			*b.b = Bounds{Min: DefaultFactorMin, Max: DefaultFactorMax}
		}
		if !(b.b.Min > 0 && b.b.Min <= 1 && b.b.Max >= 1 && !math.IsInf(b.b.Max, 0)) {
			why := fmt.Sprintf("want 0 < min <= 1 <= max < inf, got [%v, %v]", b.b.Min, b.b.Max)
			// Only the zero Bounds takes the default: say which end to set.
			unset := ""
			switch {
			case b.b.Min == 0:
				unset = "min"
			case b.b.Max == 0:
				unset = "max"
			}
			if unset != "" {
				why = fmt.Sprintf("%s is not set: set both min and max, or neither for the default [%v, %v]; %s", unset, DefaultFactorMin, DefaultFactorMax, why)
			}
			return c, &ConfigError{Err: ErrInvalidConfig, Field: b.name, Reason: why}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(c.Rules)) {
		r := c.Rules[name]
		if !finite(r.Base) {
			return c, &ConfigError{Err: ErrInvalidConfig, Field: "rules[" + name + "].base", Reason: fmt.Sprintf("must be finite, got %v", r.Base)}
		}
		for i, s := range r.Segments {
			if len(s.Match) == 0 || !finite(s.Base) {
				return c, &ConfigError{Err: ErrInvalidConfig, Field: fmt.Sprintf("rules[%s].segments[%d]", name, i), Reason: "needs a match and a finite base"}
			}
			for _, k := range slices.Sorted(maps.Keys(s.Match)) {
				if s.Match[k] == "" {
					// A query without the param reads it as "": the
					// segment would be the default of every such query.
					return c, &ConfigError{Err: ErrInvalidConfig, Field: fmt.Sprintf("rules[%s].segments[%d].match", name, i),
						Reason: fmt.Sprintf("param %q has the empty value, which every query without the param would match", k)}
				}
			}
		}
	}
	return c, nil
}
