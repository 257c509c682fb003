package router

import "errors"

// Sentinel errors. Every error the package returns wraps one of them, so
// callers match with errors.Is.
var (
	// ErrInvalidConfig is wrapped by every error NewTracker and NewRouter
	// return for a bad Config.
	ErrInvalidConfig = errors.New("router: invalid config")
	// ErrInvalidProfile is wrapped by every error Register returns for a
	// bad Profile.
	ErrInvalidProfile = errors.New("router: invalid profile")
)

// FieldError says which field of a Config or Profile is wrong and why. Its
// message reads "router: invalid config: field: why"; Field is the field's
// YAML name ("score_weights.cost"). errors.Is(err, ErrInvalidConfig) (or
// ErrInvalidProfile) matches it.
type FieldError struct {
	// Err is ErrInvalidConfig or ErrInvalidProfile.
	Err error
	// Field is the offending field's YAML name, dotted for nested fields.
	Field string
	// Reason says what is wrong with it.
	Reason string
}

// Error returns "router: invalid config: field: why".
func (e *FieldError) Error() string { return e.Err.Error() + ": " + e.Field + ": " + e.Reason }

// Unwrap returns the sentinel.
func (e *FieldError) Unwrap() error { return e.Err }

func configError(field, reason string) error {
	return &FieldError{Err: ErrInvalidConfig, Field: field, Reason: reason}
}

func profileError(field, reason string) error {
	return &FieldError{Err: ErrInvalidProfile, Field: field, Reason: reason}
}
