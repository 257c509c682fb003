package stats

import (
	"errors"
	"fmt"
)

// Errors of the forecaster's input checks; match them with errors.Is. The
// error returned wraps one of them in a *SeriesError that says where.
var (
	// ErrTooShort: the series has fewer points than the forecaster's
	// MinPoints (or none at all).
	ErrTooShort = errors.New("stats: series too short")
	// ErrInvalidSeries: the series holds a NaN or infinite value.
	ErrInvalidSeries = errors.New("stats: invalid series")
	// ErrInvalidArgument: a horizon below 1 or above MaxHorizon, or a
	// seasonal period below 1.
	ErrInvalidArgument = errors.New("stats: invalid argument")
)

// SeriesError is the detail of a refused forecast request. It unwraps to
// ErrTooShort, ErrInvalidSeries or ErrInvalidArgument.
type SeriesError struct {
	// Err is the sentinel.
	Err error
	// Index is the position of the offending value, or -1.
	Index int
	// Value is the offending value (the length for ErrTooShort, the
	// argument for ErrInvalidArgument).
	Value float64
	// Msg says what was wrong.
	Msg string
}

// Error reports the sentinel and the detail.
func (e *SeriesError) Error() string {
	if e.Index >= 0 {
		return fmt.Sprintf("%v: %s (value %v at index %d)", e.Err, e.Msg, e.Value, e.Index)
	}
	return fmt.Sprintf("%v: %s", e.Err, e.Msg)
}

// Unwrap returns the sentinel.
func (e *SeriesError) Unwrap() error { return e.Err }

// ErrInvalidConfig is matched (errors.Is) by every error New and
// NewMemoryHistory return for a config they refuse. The concrete error is a
// *ConfigError naming the field.
var ErrInvalidConfig = errors.New("stats: invalid config")

// ConfigError reports a config field that New or NewMemoryHistory refused.
// Its message reads "stats: invalid config: field: reason", and it matches
// ErrInvalidConfig with errors.Is.
type ConfigError struct {
	// Field is the field's YAML path, e.g. "method" or
	// "selection.candidates[1]".
	Field string
	// Reason says what is wrong with the value.
	Reason string
}

// Error returns "stats: invalid config: field: reason".
func (e *ConfigError) Error() string {
	return fmt.Sprintf("%v: %s: %s", ErrInvalidConfig, e.Field, e.Reason)
}

// Unwrap returns ErrInvalidConfig.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

// configError returns a *ConfigError for field, its reason formatted.
func configError(field, format string, args ...any) error {
	return &ConfigError{Field: field, Reason: fmt.Sprintf(format, args...)}
}
