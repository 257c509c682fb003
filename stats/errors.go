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
	// ErrInvalidArgument: a horizon below 1 or a seasonal period below 1.
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
