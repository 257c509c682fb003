package fallback

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/strata-go/strata/providers"
)

// Layer says which of the five layers answered.
type Layer uint8

// The layers, in the order a resolve walks them.
const (
	// LayerPrimary: a primary provider answered.
	LayerPrimary Layer = iota + 1
	// LayerSecondary: a secondary provider answered.
	LayerSecondary
	// LayerCache: a cached answer was served — fresh (read-through, before
	// any provider) or stale but acceptable (after the providers failed).
	LayerCache
	// LayerStatistical: a forecast from the key's history.
	LayerStatistical
	// LayerDefault: the default engine.
	LayerDefault
)

// Layers lists the layers in walk order.
var Layers = [...]Layer{LayerPrimary, LayerSecondary, LayerCache, LayerStatistical, LayerDefault}

var layerNames = [...]string{"none", "primary", "secondary", "cache", "statistical", "default"}

// numLayers is the number of layers, with 0 (none).
const numLayers = len(layerNames)

// String returns the layer's name ("statistical").
func (l Layer) String() string {
	if int(l) < len(layerNames) {
		return layerNames[l]
	}
	return "layer(" + strconv.Itoa(int(l)) + ")"
}

// MarshalText encodes the layer as its name.
func (l Layer) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText decodes a layer name.
func (l *Layer) UnmarshalText(b []byte) error {
	for i, n := range layerNames[1:] {
		if n == string(b) {
			*l = Layer(i + 1)
			return nil
		}
	}
	return fmt.Errorf("fallback: unknown layer %q", b)
}

// Result is an answer with its provenance.
type Result struct {
	// Value is the answer.
	Value float64 `json:"value"`
	// Intervals are the prediction intervals of a forecast (layer 4), one
	// per configured level, cut to the data type's bounds; nil for other
	// layers.
	Intervals []Interval `json:"intervals,omitempty"`
	// Layer says which layer answered.
	Layer Layer `json:"layer"`
	// Source names what answered: the provider (for layers 1–3, the
	// provider that produced the cached value), the forecasting model
	// ("stats:holt"), or the default ("default", "default:segment").
	Source string `json:"source"`
	// Confidence is how much to trust the value, in [0, 1]: the
	// provider's confidence, decayed by age for a cached value, derived
	// from the interval for a forecast, configured for a default.
	Confidence float64 `json:"confidence"`
	// Freshness is how current the value is, in [0, 1]: 1 for a value
	// observed now, halving every half-life of the data type. It weighs in
	// accepting a cached answer (layer 3), not a provider's: a provider's
	// valid answer is served whatever its age — one observed hours ago, by
	// a fast provider, over a later tier's fresh one — and this says how
	// old it is. Config.Retention bounds only what is
	// kept of it, not what is served.
	Freshness float64 `json:"freshness"`
	// ObservedAt is when the value was measured at its source; for a
	// forecast or a default, when it was computed.
	ObservedAt time.Time `json:"observed_at"`
	// Cost is the money this resolve spent: the sum over its provider
	// attempts. Zero for a coalesced follower (the leader paid), unless
	// the leader was cancelled and left the walk going on for the others:
	// what the walk spent after that (still on the leader's budget) is
	// reported, with its Attempts, by the followers — by the first served
	// or leaving after each part was spent — so that the Results of a
	// walk add up to what it cost. A refresh-ahead walk a cache hit
	// started (DataTypeConfig.RefreshAhead) is paid from the hit's budget
	// but reported in no Result: the hit returned before it ran.
	Cost float64 `json:"cost"`
	// Attempts are the provider attempts made, in order, including those
	// skipped. An attempt still under way when the resolve left its walk
	// at the walk's deadline is last, Lost, with its cost: it was paid
	// for and did not serve this resolve (its own EventAttempt comes when
	// it settles, after the resolve's).
	Attempts []Attempt `json:"attempts,omitempty"`
	// Shared is true when this resolve waited on another's walk for the
	// same key (request coalescing) and got its answer; one that left the
	// walk at its own deadline, answered by the local layers, is not.
	Shared bool `json:"shared,omitempty"`
	// Implausible is true for a provider's answer that was far from what
	// the key's history makes plausible and that no second provider could
	// confirm or refute (see PlausibilityConfig): its confidence was
	// lowered, and it was neither cached nor added to the history.
	Implausible bool `json:"implausible,omitempty"`
	// Market explains a forecast's market adjustment (layer 4; see
	// MarketConfig), nil when there was none.
	Market *MarketDetail `json:"market,omitempty"`
	// Default explains a default answer (layer 5).
	Default *DefaultDetail `json:"default,omitempty"`
}

// Interval is a prediction interval at one level.
type Interval struct {
	Level float64 `json:"level"`
	Lower float64 `json:"lower"`
	Upper float64 `json:"upper"`
}

// DefaultDetail explains how a default answer was made (see package
// defaults for the rule and the confidence formula).
type DefaultDetail struct {
	// From says what the default started from: "history" (the key's
	// historical level), "segment" or "base".
	From string `json:"from"`
	// Base is the value it started from.
	Base float64 `json:"base"`
	// Segment describes the matching segment, empty when none matched.
	Segment string `json:"segment,omitempty"`
	// Adjustments are the factors applied to Base, in order: the trend
	// (history only), the market-condition and the user-behaviour factors,
	// then "bounds" when the result was clamped into the data type's
	// bounds.
	Adjustments []Adjustment `json:"adjustments"`
}

// Adjustment is one factor applied to a default.
type Adjustment struct {
	// Name is "trend", "market" or "user", or "bounds" when the value
	// was clamped into the data type's bounds (Factor is then the clamped
	// value over the unclamped one, 0 when that was 0).
	Name string `json:"name"`
	// Factor is the multiplier applied, after clamping to its bounds.
	Factor float64 `json:"factor"`
	// Guessed is true when the host supplied no factor and 1 was assumed.
	Guessed bool `json:"guessed"`
}

// Outcome is how a provider attempt ended.
type Outcome uint8

// The attempt outcomes.
const (
	// Succeeded: the provider answered a valid value.
	Succeeded Outcome = iota + 1
	// Failed: the provider failed; Attempt.Class says how.
	Failed
	// Skipped: the provider was not called; Attempt.Skip says why.
	Skipped
	// Lost: an attempt that did not serve the resolve though it was
	// made: a hedged attempt cancelled because another answered first,
	// or one still under way when the resolve left its walk.
	Lost
)

var outcomeNames = [...]string{"", "succeeded", "failed", "skipped", "lost"}

// String returns the outcome's name.
func (o Outcome) String() string {
	if int(o) < len(outcomeNames) {
		return outcomeNames[o]
	}
	return "outcome(" + strconv.Itoa(int(o)) + ")"
}

// MarshalText encodes the outcome as its name.
func (o Outcome) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// SkipReason says why a provider was not called.
type SkipReason uint8

// The reasons a provider is skipped.
const (
	// SkipNone: the provider was called.
	SkipNone SkipReason = iota
	// SkipBreakerOpen: its circuit breaker is open.
	SkipBreakerOpen
	// SkipRateLimited: it has no rate-limit capacity left.
	SkipRateLimited
	// SkipOverBudget: the context's money budget cannot pay for it.
	SkipOverBudget
	// SkipNoTime: what is left of the deadline cannot cover its expected
	// latency.
	SkipNoTime
	// SkipBusy: its concurrency limit (bulkhead) is full.
	SkipBusy
	// SkipThrottled: adaptive throttling rejected the request locally.
	SkipThrottled
	// SkipNextTier: the attempt (a retry, mostly) would cut into the time
	// the deadline plan leaves the next tier's best provider (see
	// ResolveConfig).
	SkipNextTier
	// SkipRetryBudget: the provider's retry budget, shared by retries and
	// hedges, is spent.
	SkipRetryBudget
	// SkipClosed: the resolver was closed.
	SkipClosed
	// SkipUnwanted: no resolve waits for the walk any more (every caller
	// of a coalesced walk was cancelled or ran out of time): nothing new
	// is started for nobody, not even the call of an attempt that was
	// still waiting to make it (for its credential, say). An attempt
	// whose call is made goes on, and its answer is cached.
	SkipUnwanted
)

var skipNames = [...]string{"", "breaker_open", "rate_limited", "over_budget", "no_time", "busy", "throttled", "next_tier", "retry_budget", "closed", "unwanted"}

// String returns the reason's name.
func (s SkipReason) String() string {
	if int(s) < len(skipNames) {
		return skipNames[s]
	}
	return "skip(" + strconv.Itoa(int(s)) + ")"
}

// MarshalText encodes the reason as its name.
func (s SkipReason) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Attempt records one provider attempt of a resolve.
type Attempt struct {
	Provider string          `json:"provider"`
	Tier     Tier            `json:"tier"`
	Outcome  Outcome         `json:"outcome"`
	Class    providers.Class `json:"class,omitzero"`
	Skip     SkipReason      `json:"skip,omitzero"`
	// Err is the provider's error, classified; nil on success and skip.
	// Its message is the provider's scrubbed of sensitive values, cut to
	// 1 KiB and with control characters other than newline and tab, and
	// U+2028 and U+2029, replaced by U+FFFD (see WithProviderErrors for
	// the original).
	Err     error         `json:"-"`
	Latency time.Duration `json:"latency"`
	Cost    float64       `json:"cost"`
	// Retry counts earlier attempts on the same provider in this resolve.
	Retry int `json:"retry,omitempty"`
	// Hedge is true for an attempt started because an earlier one was
	// slow.
	Hedge bool `json:"hedge,omitempty"`
	// Audit is true for an attempt made, or skipped, only because another
	// provider's answer was held for an audit (see
	// PlausibilityConfig.AuditRate): a second or third opinion on it.
	Audit bool `json:"audit,omitempty"`
}

// String describes the attempt on one line, naming its class only when it
// failed and its skip reason only when it was skipped (fmt's %v and %+v
// of an Attempt use it: the struct's fields would show the zero Class,
// Transient, for an attempt that did not fail):
//
//	p1 primary failed (transient) after 1s, cost 0.01, retry 1: <error>
//	p2 primary succeeded after 12ms, cost 0.01, hedge
//	s1 secondary succeeded after 80ms, cost 0.005, audit
//	p3 secondary skipped (breaker_open)
func (a Attempt) String() string {
	var b strings.Builder
	b.WriteString(a.Provider)
	b.WriteByte(' ')
	b.WriteString(string(a.Tier))
	b.WriteByte(' ')
	b.WriteString(a.Outcome.String())
	switch a.Outcome {
	case Failed:
		b.WriteString(" (" + a.Class.String() + ")")
	case Skipped:
		b.WriteString(" (" + a.Skip.String() + ")")
	}
	if a.Outcome != Skipped {
		b.WriteString(" after " + a.Latency.String())
		b.WriteString(", cost " + strconv.FormatFloat(a.Cost, 'g', -1, 64))
	}
	if a.Retry > 0 {
		b.WriteString(", retry " + strconv.Itoa(a.Retry))
	}
	if a.Hedge {
		b.WriteString(", hedge")
	}
	if a.Audit {
		b.WriteString(", audit")
	}
	if a.Err != nil {
		b.WriteString(": " + a.Err.Error())
	}
	return b.String()
}

// MarshalJSON encodes the attempt with its class whenever it failed, even
// Transient, the zero Class, which the field's omitzero would drop; an
// attempt that did not fail has no class.
func (a Attempt) MarshalJSON() ([]byte, error) {
	type plain Attempt // without this method
	out := struct {
		plain
		Class *providers.Class `json:"class,omitempty"`
	}{plain: plain(a)}
	if a.Outcome == Failed {
		out.Class = &a.Class
	}
	return json.Marshal(out)
}
