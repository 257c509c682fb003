package fake

import (
	"fmt"
	"math"
	"time"

	"github.com/strata-go/strata/providers"
)

// Config describes a fake provider. The zero Config is a provider that
// answers 0 at once to every request, forever.
//
// New copies what it needs: changing a Config (or its maps and slices)
// after New does not affect the provider.
type Config struct {
	// Name names the provider in its errors and panics. Default "fake".
	Name string

	// Value is the value every successful call answers, unless ValueFunc
	// is set. It must be finite (use Return or Config.Garbage for
	// unusable values).
	Value float64
	// ValueFunc, when set, computes the value of a successful call from
	// its request instead of Value. It is called outside the fake's lock,
	// possibly from many goroutines at once, and must treat the request
	// as read-only. Whatever it returns is answered, NaN included.
	ValueFunc func(providers.Request) float64

	// Age, when positive, dates each answer: Response.ObservedAt is the
	// time of the answer minus Age. Zero leaves ObservedAt zero ("now").
	Age time.Duration

	// Latency is how long each call takes before it answers or fails.
	// The zero Latency answers at once.
	Latency Latency

	// Errors maps a class to the probability that a call fails with it,
	// each in [0, 1]. Together with Garbage, PanicRate and HangRate the
	// probabilities must sum to at most 1; one uniform draw per call picks
	// among them.
	Errors map[providers.Class]float64
	// Garbage maps a garbage kind to the probability that a call answers
	// it with a nil error.
	Garbage map[Garbage]float64
	// PanicRate is the probability that a call panics.
	PanicRate float64
	// HangRate is the probability that a call blocks until its context
	// is done.
	HangRate float64
	// RetryAfter is the Retry-After carried by the RateLimit failures the
	// fake injects (Errors, Fail, outages). Zero means none.
	RetryAfter time.Duration

	// Script scripts calls by index: the first Script[0].Times calls get
	// Script[0].Do, the next Script[1].Times get Script[1].Do, and so on.
	// Once the script runs out, calls pass to the other rules, or, with
	// RepeatScript, the script starts again.
	Script []Step
	// RepeatScript replays Script forever.
	RepeatScript bool

	// Outages are windows, by call index or by time since New, in which
	// calls get the outage's Outcome.
	Outages []Outage

	// Quota, when its Limit is positive, makes the fake report its
	// remaining allowance in Response.Quota and refuse with RateLimit
	// (ErrQuotaExhausted) once the allowance of the window is spent.
	Quota Quota

	// ByRequest, when set, chooses an Outcome from the request: a
	// request-dependent failure ("no data for this keyword": Fail
	// Permanent) or hang. It is called outside the fake's lock, from many
	// goroutines, and must treat the request as read-only. Returning the
	// zero Outcome leaves the call to the script, outages, quota and
	// rates.
	ByRequest func(providers.Request) Outcome

	// TrackKeys makes the fake count calls per request key (data type
	// and params), for Provider.CallsFor. It costs an allocation per
	// call; leave it off in benchmarks.
	TrackKeys bool

	// Seed seeds the fake's random draws (error rates, garbage, panics,
	// hangs, lognormal latency). Zero is a seed like any other: two fakes
	// with equal Configs answer the same sequence of calls the same way.
	Seed uint64
}

// Latency is a call's latency: fixed at Median when P99 is zero or equal to
// Median, otherwise lognormal with the given median and 99th percentile
// (μ = ln Median, σ = (ln P99 − ln Median) / 2.3263), capped at Max.
type Latency struct {
	// Median is the median latency, or the fixed latency. Zero means none.
	Median time.Duration
	// P99 is the 99th percentile; when set it must be at least Median,
	// and Median must be positive.
	P99 time.Duration
	// Max caps every latency drawn; zero means no cap. When set it must
	// be at least Median.
	Max time.Duration
}

// Step is one step of a Script: Times consecutive calls that get Do.
type Step struct {
	// Times is how many calls the step covers; zero means 1.
	Times int
	// Do is what those calls do. The zero Outcome lets them pass to the
	// other rules (outages, quota, rates), which skips calls in a script.
	Do Outcome
}

// Outage is a window of calls that get Do: calls whose index (counting
// from 0, in the order calls reach the fake) is in [FromCall, ToCall),
// and/or calls that start in [Start, End) after New. Set at least one of
// the two windows; when both are set a call must be in both. A zero
// ToCall or End leaves that window open-ended.
type Outage struct {
	// FromCall and ToCall bound the window by call index.
	FromCall, ToCall int64
	// Start and End bound the window by time since New, read with
	// time.Now (virtual time inside a testing/synctest bubble, so create
	// the fake inside the bubble).
	Start, End time.Duration
	// Do is what calls in the window do; the zero Outcome means
	// Fail(providers.Unavailable). Slow(f) makes a window of slowness.
	Do Outcome
}

// Quota is a request allowance the fake enforces and reports, as an API
// with X-RateLimit headers does. Every success counts against it, forced
// ones (Succeed, garbage) included; the refusal comes only for calls no
// earlier rule decided (see Provider).
type Quota struct {
	// Limit is the number of successful answers per window; zero turns
	// quota off.
	Limit int64
	// Window is the length of a quota window, the first starting at New;
	// zero means one window that never renews.
	Window time.Duration
}

// z99 is the standard normal quantile at 0.99.
const z99 = 2.3263478740408408

// validate checks cfg and returns the error New reports, naming the field.
func validate(cfg *Config) error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s", ErrInvalidConfig, field, fmt.Sprintf(format, args...))
	}
	if math.IsNaN(cfg.Value) || math.IsInf(cfg.Value, 0) {
		return bad("Value", "must be finite, got %v (use Return or Garbage for unusable values)", cfg.Value)
	}
	if cfg.Age < 0 {
		return bad("Age", "must not be negative, got %v", cfg.Age)
	}
	l := cfg.Latency
	switch {
	case l.Median < 0:
		return bad("Latency.Median", "must not be negative, got %v", l.Median)
	case l.P99 < 0:
		return bad("Latency.P99", "must not be negative, got %v", l.P99)
	case l.Max < 0:
		return bad("Latency.Max", "must not be negative, got %v", l.Max)
	case l.P99 > 0 && l.Median == 0:
		return bad("Latency.Median", "must be positive when Latency.P99 is set (lognormal latency)")
	case l.P99 > 0 && l.P99 < l.Median:
		return bad("Latency.P99", "%v is below Latency.Median %v", l.P99, l.Median)
	case l.Max > 0 && l.Max < l.Median:
		return bad("Latency.Max", "%v is below Latency.Median %v", l.Max, l.Median)
	}
	total := 0.0
	rate := func(field string, r float64) error {
		if !(r >= 0 && r <= 1) {
			return bad(field, "must be a probability in [0, 1], got %v", r)
		}
		total += r
		return nil
	}
	for c, r := range cfg.Errors {
		if int(c) >= len(providers.Classes) {
			return bad(fmt.Sprintf("Errors[%d]", c), "unknown class")
		}
		if err := rate("Errors["+c.String()+"]", r); err != nil {
			return err
		}
	}
	for g, r := range cfg.Garbage {
		if g < NaN || g > OutOfBounds {
			return bad(fmt.Sprintf("Garbage[%d]", g), "unknown garbage kind")
		}
		if err := rate("Garbage["+g.String()+"]", r); err != nil {
			return err
		}
	}
	if err := rate("PanicRate", cfg.PanicRate); err != nil {
		return err
	}
	if err := rate("HangRate", cfg.HangRate); err != nil {
		return err
	}
	if total > 1+1e-9 {
		return bad("Errors", "the rates of Errors, Garbage, PanicRate and HangRate sum to %.4g, over 1", total)
	}
	if cfg.RetryAfter < 0 {
		return bad("RetryAfter", "must not be negative, got %v", cfg.RetryAfter)
	}
	for i, s := range cfg.Script {
		if s.Times < 0 {
			return bad(fmt.Sprintf("Script[%d].Times", i), "must not be negative, got %d", s.Times)
		}
	}
	if cfg.RepeatScript && len(cfg.Script) == 0 {
		return bad("RepeatScript", "set without a Script")
	}
	for i, o := range cfg.Outages {
		f := fmt.Sprintf("Outages[%d]", i)
		switch {
		case o.FromCall < 0:
			return bad(f+".FromCall", "must not be negative, got %d", o.FromCall)
		case o.ToCall < 0:
			return bad(f+".ToCall", "must not be negative, got %d", o.ToCall)
		case o.ToCall > 0 && o.ToCall <= o.FromCall:
			return bad(f+".ToCall", "%d must be above FromCall %d", o.ToCall, o.FromCall)
		case o.Start < 0:
			return bad(f+".Start", "must not be negative, got %v", o.Start)
		case o.End < 0:
			return bad(f+".End", "must not be negative, got %v", o.End)
		case o.End > 0 && o.End <= o.Start:
			return bad(f+".End", "%v must be after Start %v", o.End, o.Start)
		case o.FromCall == 0 && o.ToCall == 0 && o.Start == 0 && o.End == 0:
			return bad(f, "no window: set FromCall/ToCall or Start/End (use Provider.Force for an outage without end)")
		}
	}
	if cfg.Quota.Limit < 0 {
		return bad("Quota.Limit", "must not be negative, got %d", cfg.Quota.Limit)
	}
	if cfg.Quota.Window < 0 {
		return bad("Quota.Window", "must not be negative, got %v", cfg.Quota.Window)
	}
	return nil
}
