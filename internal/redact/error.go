package redact

import (
	"errors"
	"slices"
)

// Error stands in for an error whose text held a secret: it carries the
// text, redacted, and of the original's chain only the sentinels it
// matched, so that errors.Is still finds them (context.Canceled, a
// package's ErrTransport) while nothing else of the original — whose
// fields could still hold the secret — is reachable, unless the caller
// kept it on purpose.
type Error struct {
	msg  string
	is   []error
	orig error
}

// NewError returns an Error with text msg standing for err: it matches
// each of sentinels that err matches, and unwraps to err only when keep
// is set.
func NewError(err error, msg string, sentinels []error, keep bool) *Error {
	e := &Error{msg: msg}
	for _, s := range sentinels {
		if errors.Is(err, s) {
			e.is = append(e.is, s)
		}
	}
	if keep {
		e.orig = err
	}
	return e
}

func (e *Error) Error() string { return e.msg }

// Unwrap returns the original error when NewError was asked to keep it,
// else nil.
func (e *Error) Unwrap() error { return e.orig }

// Is reports whether target is one of the sentinels the original matched.
func (e *Error) Is(target error) bool { return slices.Contains(e.is, target) }

// Matched reports whether the original matched any of the sentinels.
func (e *Error) Matched() bool { return len(e.is) > 0 }
