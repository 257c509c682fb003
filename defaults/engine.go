package defaults

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
)

// Rule is a data type's configured default.
type Rule struct {
	// Base is the value when nothing more specific is known.
	Base float64
	// Segments override Base for the params they match.
	Segments []Segment
}

// Segment is a default for the params it matches.
type Segment struct {
	// Match lists param values that must all be equal. A value must not
	// be empty: New refuses it, for a query without the param would match.
	Match map[string]string
	// Base is the segment's value.
	Base float64
}

// Factor is a host-supplied multiplicative adjustment for a key: the
// market-condition factor ("retail CPCs run 15% hot this quarter") or the
// per-user behaviour factor. ok false means the host has no opinion, which
// is the same as 1.0 but counts as guessed in the confidence. Factor must
// be safe for concurrent use.
type Factor interface {
	Factor(ctx context.Context, dataType string, params map[string]string) (factor float64, ok bool)
}

// FactorFunc adapts a function to Factor.
type FactorFunc func(ctx context.Context, dataType string, params map[string]string) (float64, bool)

// Factor calls f.
func (f FactorFunc) Factor(ctx context.Context, dataType string, params map[string]string) (float64, bool) {
	return f(ctx, dataType, params)
}

// Engine computes defaults. It is safe for concurrent use.
type Engine struct {
	cfg   Config
	rules map[string]compiledRule
}

type compiledRule struct {
	base     float64
	segments []compiledSegment
}

type compiledSegment struct {
	match []kv // sorted by key
	base  float64
	label string
}

type kv struct{ k, v string }

// New validates cfg and returns an Engine. An invalid field is reported
// as a *ConfigError (matching ErrInvalidConfig); New never writes into
// cfg.
func New(cfg Config) (*Engine, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	e := &Engine{cfg: c, rules: make(map[string]compiledRule, len(c.Rules))}
	for name, r := range c.Rules {
		cr := compiledRule{base: r.Base}
		for _, s := range r.Segments {
			cs := compiledSegment{base: s.Base}
			for _, k := range slices.Sorted(maps.Keys(s.Match)) {
				cs.match = append(cs.match, kv{k, s.Match[k]})
			}
			parts := make([]string, len(cs.match))
			for j, m := range cs.match {
				parts[j] = m.k + "=" + m.v
			}
			cs.label = strings.Join(parts, ",")
			cr.segments = append(cr.segments, cs)
		}
		e.rules[name] = cr
	}
	return e, nil
}

// Query asks for a default.
type Query struct {
	DataType string
	Params   map[string]string
	// History is the key's regular series, oldest first; it may be empty.
	History []float64
}

// Answer is a default with its explanation.
type Answer struct {
	// Value is the default; always finite (a product past the float64
	// range stops at its limit).
	Value float64
	// Confidence is how far to trust it (see the package doc).
	Confidence float64
	// From says what it started from: "history", "segment" or "base".
	From string
	// Base is the value it started from: the historical average, the
	// segment's base or the data type's base.
	Base float64
	// Segment labels the matching segment ("industry=retail"), if any.
	Segment string
	// Adjustments are the factors applied, in order.
	Adjustments []Adjustment
}

// Adjustment is one factor applied to a default.
type Adjustment struct {
	// Name is "trend", "market" or "user".
	Name string
	// Factor is the multiplier applied, after clamping.
	Factor float64
	// Guessed is true when the host gave no factor and 1.0 was assumed.
	Guessed bool
}

// Default returns the default for q, or ErrNoDefault when the data type
// has no rule.
func (e *Engine) Default(ctx context.Context, q Query) (Answer, error) {
	r, ok := e.rules[q.DataType]
	if !ok {
		return Answer{}, fmt.Errorf("%w for %q", ErrNoDefault, q.DataType)
	}
	var a Answer
	conf := 0.0
	factor := 1.0 // the adjustments' product, applied to the base once
	if h := finiteTail(q.History, e.cfg.Window); len(h) >= e.cfg.MinHistory {
		avg, trend, fit := level(h)
		a.From, a.Base = "history", avg
		t := clamp(trend, e.cfg.TrendBounds)
		a.Adjustments = append(a.Adjustments, Adjustment{Name: "trend", Factor: t})
		factor *= t
		conf = e.cfg.HistoryConfidence * fit
	} else if s := r.match(q.Params); s != nil {
		a.From, a.Base, a.Segment = "segment", s.base, s.label
		conf = e.cfg.SegmentConfidence
	} else {
		a.From, a.Base = "base", r.base
		conf = e.cfg.BaseConfidence
	}
	guessed := 0
	for _, f := range []struct {
		name string
		f    Factor
		b    Bounds
	}{{"market", e.cfg.Market, e.cfg.MarketBounds}, {"user", e.cfg.User, e.cfg.UserBounds}} {
		adj := Adjustment{Name: f.name, Factor: 1, Guessed: true}
		if f.f != nil {
			if v, ok := f.f.Factor(ctx, q.DataType, q.Params); ok && finite(v) && v > 0 {
				adj.Factor, adj.Guessed = clamp(v, f.b), false
			}
		}
		if adj.Guessed {
			guessed++
		}
		factor *= adj.Factor
		a.Adjustments = append(a.Adjustments, adj)
	}
	// The factors are bounded, but bounds near the float64 limit let
	// their product overflow, and times a base near the limit a finite
	// product may too: a value past the range stops at the limit, and a
	// base of zero stays zero (0 × +Inf is NaN). Value is always finite.
	a.Value = a.Base * factor
	switch {
	case a.Base == 0:
		a.Value = 0
	case math.IsInf(a.Value, 0):
		a.Value = math.Copysign(math.MaxFloat64, a.Value)
	}
	a.Confidence = math.Max(0, math.Min(1, conf*(1-e.cfg.GuessPenalty*float64(guessed))))
	if math.IsNaN(a.Confidence) {
		a.Confidence = 0
	}
	return a, nil
}

// Has reports whether the data type has a rule.
func (e *Engine) Has(dataType string) bool {
	_, ok := e.rules[dataType]
	return ok
}

// match returns the most specific segment matching params, or nil.
func (r *compiledRule) match(params map[string]string) *compiledSegment {
	var best *compiledSegment
	for i := range r.segments {
		s := &r.segments[i]
		ok := true
		for _, m := range s.match {
			if params[m.k] != m.v {
				ok = false
				break
			}
		}
		if ok && (best == nil || len(s.match) > len(best.match)) {
			best = s
		}
	}
	return best
}

// level returns the window's average, the trend factor projecting it from
// the window's middle to the next period, and the fit in [0, 1].
func level(h []float64) (avg, trend, fit float64) {
	// The sums are taken of the values scaled to at most 1 in size, so
	// that values near the float64 limit do not overflow them; trend and
	// fit do not depend on the scale, and avg is scaled back.
	scale := 0.0
	for _, y := range h {
		scale = max(scale, math.Abs(y))
	}
	if scale == 0 {
		return 0, 1, 1
	}
	n := float64(len(h))
	var sx, sy, sxx, sxy float64
	for i, y := range h {
		x, y := float64(i), y/scale
		sx += x
		sy += y
		sxx += x * x
		sxy += x * y
	}
	defer func() { avg *= scale }()
	avg = sy / n
	den := n*sxx - sx*sx
	slope := 0.0
	if den != 0 {
		slope = (n*sxy - sx*sy) / den
	}
	intercept := (sy - slope*sx) / n
	var ss float64
	for i, y := range h {
		r := y/scale - (intercept + slope*float64(i))
		ss += r * r
	}
	trend = 1
	if avg != 0 {
		// From the middle of the window ((n−1)/2) to the next period (n).
		trend = 1 + slope*(n-(n-1)/2)/avg
	}
	cv := 0.0
	if avg != 0 {
		cv = math.Sqrt(ss/n) / math.Abs(avg)
	} else {
		// An average of zero from values that are not all zero: the
		// coefficient of variation is infinite and the fit 0, as it
		// tends to be for an average near zero, not the perfect fit of a
		// cv taken as 0. Even a line through zero does not fit: no
		// factor moves the default, 0, along it.
		cv = math.Inf(1)
	}
	return avg, trend, 1 / (1 + cv)
}

// finiteTail returns the last n finite values of h (in order): the
// non-finite ones are skipped before counting, so a run of NaNs at the end
// does not hide the finite history before it.
func finiteTail(h []float64, n int) []float64 {
	i, k := len(h), 0
	for ; i > 0 && k < n; i-- {
		if finite(h[i-1]) {
			k++
		}
	}
	tail := h[i:]
	if len(tail) == k {
		return tail // all finite: no copy
	}
	out := make([]float64, 0, k)
	for _, v := range tail {
		if finite(v) {
			out = append(out, v)
		}
	}
	return out
}

func clamp(v float64, b Bounds) float64 {
	if !finite(v) {
		return 1
	}
	return math.Max(b.Min, math.Min(b.Max, v))
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// DataTypes returns the data types that have rules, sorted.
func (e *Engine) DataTypes() []string {
	names := make([]string, 0, len(e.rules))
	for n := range e.rules {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
