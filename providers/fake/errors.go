package fake

import "errors"

// Errors of package fake; match with errors.Is.
var (
	// ErrInvalidConfig is wrapped by every error New and NewBatch return
	// for a Config they refuse ("fake: invalid config: Latency.P99: ...").
	ErrInvalidConfig = errors.New("fake: invalid config")

	// ErrInjected is the cause of every failure the fake makes up: the
	// *providers.Error it returns wraps it, so a test can tell an injected
	// failure from one of its own context (errors.Is(err, fake.ErrInjected)).
	ErrInjected = errors.New("fake: injected failure")

	// ErrQuotaExhausted is the cause of the RateLimit failures a fake with
	// a Quota returns once the window's allowance is spent.
	ErrQuotaExhausted = errors.New("fake: quota exhausted")

	// ErrPanic is what an injected panic panics with, wrapped with the
	// provider's name and the call index: recover() returns an error
	// for which errors.Is(v.(error), fake.ErrPanic) holds.
	ErrPanic = errors.New("fake: injected panic")
)
