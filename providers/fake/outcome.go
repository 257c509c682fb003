package fake

import (
	"math"
	"strconv"

	"github.com/strata-go/strata/providers"
)

// Outcome is what the fake does with one call: succeed, fail with a class,
// answer garbage, panic, hang, or answer slowly. Outcomes are built with
// Succeed, Fail, Return, Panic, Hang and Slow, and used in Step, Outage,
// Config.ByRequest and Provider.Force.
//
// The zero Outcome decides nothing: the call goes on to the next rule (see
// Provider for the order in which rules are consulted). Slow decides nothing
// either: it stretches the call's latency, whichever rule decides what the
// call does.
type Outcome struct {
	kind    outcomeKind
	class   providers.Class
	garbage Garbage
	factor  float64
}

type outcomeKind uint8

const (
	kindPass outcomeKind = iota // the zero Outcome: next rule decides
	kindSlow                    // stretch latency, next rule decides
	kindSucceed
	kindFail
	kindGarbage
	kindPanic
	kindHang
)

// Succeed returns the Outcome of a call that answers the configured value
// after its latency, whatever the rules below it (outages, quota, random
// rates) would have done.
func Succeed() Outcome { return Outcome{kind: kindSucceed} }

// Fail returns the Outcome of a call that fails, after its latency, with a
// *providers.Error of class c wrapping ErrInjected. A RateLimit failure
// carries Config.RetryAfter. Fail panics if c is not one of
// providers.Classes.
func Fail(c providers.Class) Outcome {
	if int(c) >= len(providers.Classes) {
		panic("fake: Fail: unknown class " + c.String())
	}
	return Outcome{kind: kindFail, class: c}
}

// Return returns the Outcome of a call that "succeeds" with a garbage
// value of kind g (a nil error and a NaN, say), as a broken provider does.
// Return panics if g is not a Garbage constant.
func Return(g Garbage) Outcome {
	if g < NaN || g > OutOfBounds {
		panic("fake: Return: unknown garbage kind " + g.String())
	}
	return Outcome{kind: kindGarbage, garbage: g}
}

// Panic returns the Outcome of a call that panics, after its latency, with
// an error wrapping ErrPanic.
func Panic() Outcome { return Outcome{kind: kindPanic} }

// Hang returns the Outcome of a call that blocks until its context is done
// and then fails with an error wrapping ctx.Err(). With a context that is
// never done, the call never returns.
func Hang() Outcome { return Outcome{kind: kindHang} }

// Slow returns an Outcome that multiplies the call's latency by factor,
// whichever rule decides what the call does (see Provider). Slow panics unless factor
// is finite and positive.
func Slow(factor float64) Outcome {
	if !(factor > 0) || math.IsInf(factor, 0) {
		panic("fake: Slow: factor must be finite and positive, got " + strconv.FormatFloat(factor, 'g', -1, 64))
	}
	return Outcome{kind: kindSlow, factor: factor}
}

// String describes the outcome: "pass", "succeed", "fail(unavailable)",
// "return(nan)", "panic", "hang", "slow(×4)".
func (o Outcome) String() string {
	switch o.kind {
	case kindSlow:
		return "slow(×" + strconv.FormatFloat(o.factor, 'g', -1, 64) + ")"
	case kindSucceed:
		return "succeed"
	case kindFail:
		return "fail(" + o.class.String() + ")"
	case kindGarbage:
		return "return(" + o.garbage.String() + ")"
	case kindPanic:
		return "panic"
	case kindHang:
		return "hang"
	default:
		return "pass"
	}
}

// Garbage is a kind of unusable value a broken provider answers with a nil
// error. The zero Garbage is not a kind; the constants start at NaN.
type Garbage uint8

// The garbage kinds. v is the value the call would have answered.
const (
	// NaN answers math.NaN().
	NaN Garbage = iota + 1
	// PosInf answers +Inf.
	PosInf
	// NegInf answers −Inf.
	NegInf
	// Negative answers −|v|, or −1 when v is 0.
	Negative
	// OutOfBounds answers v × 1000, or 1000 when v is 0.
	OutOfBounds
)

var garbageNames = [...]string{"", "nan", "+inf", "-inf", "negative", "out_of_bounds"}

// String returns the kind's name ("nan", "+inf", "-inf", "negative",
// "out_of_bounds").
func (g Garbage) String() string {
	if g >= NaN && g <= OutOfBounds {
		return garbageNames[g]
	}
	return "garbage(" + strconv.Itoa(int(g)) + ")"
}

// apply turns the good value v into garbage of kind g.
func (g Garbage) apply(v float64) float64 {
	switch g {
	case NaN:
		return math.NaN()
	case PosInf:
		return math.Inf(1)
	case NegInf:
		return math.Inf(-1)
	case Negative:
		if v == 0 {
			return -1
		}
		return -math.Abs(v)
	default: // OutOfBounds
		if v == 0 {
			return 1000
		}
		return v * 1000
	}
}
