// Package setting applies the rule every strata Config shares for a
// numeric field: a negative, NaN or infinite value is refused, zero means
// the field's documented default, and a size has a documented maximum.
// It returns the reason a value is refused; each package reports it in its
// own typed error, naming the field.
package setting

import (
	"fmt"
	"math"
)

// Number is a numeric setting: a count, a size, a ratio or a
// time.Duration.
type Number interface {
	~int | ~int64 | ~float64
}

// Default sets *v to def when it is zero and returns "". When *v is
// negative, NaN or infinite it leaves *v as it is and returns why.
func Default[T Number](v *T, def T) string {
	if why := sign(*v); why != "" {
		return why
	}
	if *v == 0 {
		*v = def
	}
	return ""
}

// AtMost is Default for a setting with a maximum: a value above max is
// refused too. The maximum applies to the value given, not to def.
func AtMost[T Number](v *T, def, max T) string {
	if why := sign(*v); why != "" {
		return why
	}
	if *v > max {
		return fmt.Sprintf("must be at most %v, got %v", max, *v)
	}
	if *v == 0 {
		*v = def
	}
	return ""
}

// Fraction sets *v to def when it is zero and returns "". A value outside
// [0, 1], or NaN, is left as it is and refused.
func Fraction(v *float64, def float64) string {
	if !(*v >= 0 && *v <= 1) {
		return fmt.Sprintf("must be in [0, 1], got %v", *v)
	}
	if *v == 0 {
		*v = def
	}
	return ""
}

// sign returns why v cannot be a setting at all, or "".
func sign[T Number](v T) string {
	f := float64(v)
	switch {
	case math.IsNaN(f):
		return "must be a number, got NaN"
	case v < 0:
		return fmt.Sprintf("must not be negative, got %v", v)
	case math.IsInf(f, 1):
		return "must be finite, got +Inf"
	}
	return ""
}

// Error is a config field a package refused; packages export it as their
// ConfigError. Its message reads "<Err>: <Field>: <Reason>" ("cache:
// invalid config: max_cost: must be at most 1073741824, got 2e12") and it
// unwraps to Err, the package's ErrInvalidConfig.
type Error struct {
	// Err is the package's sentinel.
	Err error
	// Field is the field's YAML path ("max_cost", "rules[cpc].base").
	Field string
	// Reason says what is wrong with the value.
	Reason string
}

// Error returns "<Err>: <Field>: <Reason>".
func (e *Error) Error() string { return e.Err.Error() + ": " + e.Field + ": " + e.Reason }

// Unwrap returns Err.
func (e *Error) Unwrap() error { return e.Err }
