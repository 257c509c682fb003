package redisstore

import (
	"errors"
	"fmt"
)

var (
	// ErrCorrupt is matched by the error Get returns, with a miss, for a
	// value that does not decode as an entry (wrong format version, wrong
	// length, bad checksum, a NaN value, longer than MaxEntrySize, ...).
	// The value is deleted from Redis, unless another instance replaced it
	// in the meantime or the read left no time for the delete within
	// Config.Timeout (the next Get of it tries again).
	ErrCorrupt = errors.New("redisstore: corrupt entry")
	// ErrUnavailable is matched by the error of a call that did not reach
	// Redis because an earlier call failed less than Config.Cooldown ago.
	ErrUnavailable = errors.New("redisstore: redis unavailable")
	// ErrInvalidEntry is matched by the error Set returns for an entry it
	// refuses to store: a NaN or infinite Value, a Confidence outside
	// [0, 1], or an encoding longer than MaxEntrySize.
	ErrInvalidEntry = errors.New("redisstore: invalid entry")
	// ErrInvalidLimit is matched by the error Allow returns for a rate
	// that is not a positive finite number or a burst below 1.
	ErrInvalidLimit = errors.New("redisstore: invalid limit")
	// ErrClosed is returned by every call on a closed Store or Limiter.
	ErrClosed = errors.New("redisstore: closed")
)

// CorruptError is the detail of ErrCorrupt: the key (as given to Get,
// without the namespace) and why its value was refused.
type CorruptError struct {
	Key    string
	Reason string
}

// Error describes the refused value.
func (e *CorruptError) Error() string {
	return fmt.Sprintf("redisstore: corrupt entry for %q: %s", e.Key, e.Reason)
}

// Unwrap returns ErrCorrupt.
func (e *CorruptError) Unwrap() error { return ErrCorrupt }
