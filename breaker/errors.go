package breaker

import (
	"errors"
	"fmt"
)

// ErrOpen is returned by Allow, Acquire and Execute when the breaker refuses
// a call: it is open, or it is half-open and every probe permit is taken.
// Match it with errors.Is; ErrTooManyProbes matches it too.
var ErrOpen = errors.New("breaker: open")

// ErrTooManyProbes is returned when the breaker is half-open and all of its
// probe permits are held by calls still in flight. It wraps ErrOpen, so
// errors.Is(err, ErrOpen) is true for it: a caller that only wants to know
// "was I refused" checks ErrOpen.
var ErrTooManyProbes error = &probesError{}

// ErrInvalidConfig is matched (errors.Is) by every error New returns for a
// bad Config. The concrete error is a *ConfigError naming the field.
var ErrInvalidConfig = errors.New("breaker: invalid config")

type probesError struct{}

func (*probesError) Error() string { return "breaker: open: half-open probe permits exhausted" }
func (*probesError) Unwrap() error { return ErrOpen }

// ConfigError reports a Config field that New rejected. Its message reads
// "breaker: invalid config: Field: Reason", and it matches ErrInvalidConfig
// with errors.Is.
type ConfigError struct {
	// Field is the Go path of the offending field, e.g. "Adaptive.Multiplier".
	Field string
	// Reason says what is wrong with the value.
	Reason string
}

// Error returns "breaker: invalid config: Field: Reason".
func (e *ConfigError) Error() string {
	return fmt.Sprintf("breaker: invalid config: %s: %s", e.Field, e.Reason)
}

// Unwrap returns ErrInvalidConfig.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }
