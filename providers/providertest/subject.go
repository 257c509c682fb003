package providertest

import (
	"fmt"
	"time"

	"github.com/strata-go/strata/providers"
)

// Subject is what the suite tests: a provider and requests that exercise
// it. Only Provider and Request are required; the zero values of the other
// fields mean documented defaults or skip the checks that need them.
type Subject struct {
	// Provider is the provider under test. If it also implements
	// providers.BatchProvider, the suite checks FetchBatch too.
	Provider providers.Provider

	// Request is a request Provider answers successfully — with a finite
	// value — whenever its context allows (set Flaky if it fails now and
	// then). The suite shares its Params map between concurrent calls.
	Request providers.Request

	// Hang, when set, is a request on which Provider blocks until the
	// context is done: a keyword your test server never answers, say.
	// The suite uses it to check that Fetch returns promptly when the
	// context is cancelled, or its deadline passes, in the middle of a
	// call. Nil skips those checks.
	Hang *providers.Request

	// Failures are requests Provider must fail, each with the class
	// providers.Classify must find in the error.
	Failures []Failure

	// Flaky says that Request may fail now and then (a fake with an
	// error rate, a sandbox that throttles). The suite then retries a
	// failed success check, up to 20 times, and accepts failures in the
	// concurrent check, as long as they are not of class Canceled (the
	// context was not cancelled) and some calls succeed.
	Flaky bool

	// Deterministic says that Request's value is the same on every call
	// (a fake, a recorded server): the batch check then also compares
	// each of FetchBatch's values with Fetch's. Ignored with Flaky.
	Deterministic bool

	// Goroutines is the number of goroutines the concurrency check runs
	// at once; default 32.
	Goroutines int
	// CallsPerGoroutine is the number of calls each of them makes;
	// default 16.
	CallsPerGoroutine int

	// Timeout bounds every call the suite expects to complete, so that a
	// provider that blocks fails the suite instead of stalling it: the
	// call's context expires after Timeout, and a call that has not
	// returned Grace later fails its check and is abandoned (left to
	// finish on its own); default 10s.
	Timeout time.Duration
	// Grace is how soon after its context is done Fetch must return;
	// default 1s. It is measured on the wall clock: keep it generous.
	Grace time.Duration
}

// Failure is a request the provider must fail, and the class the failure
// must have.
type Failure struct {
	// Name names the case in test output; default "<index>_<class>".
	Name string
	// Request is the request that must fail.
	Request providers.Request
	// Class is what providers.Classify must return for the error.
	Class providers.Class
}

// flakyAttempts is how often a Flaky subject's success check retries.
const flakyAttempts = 20

// settle is how long the cancellation checks let a Hang call run before
// they cancel it, so that it is cancelled mid-call rather than before.
const settle = 25 * time.Millisecond

// normalise returns s with its defaults filled in, or the reason it cannot
// be tested. It never writes into the caller's Subject.
func normalise(s Subject) (Subject, error) {
	bad := func(format string, args ...any) (Subject, error) {
		return Subject{}, fmt.Errorf("%w: %s", ErrInvalidSubject, fmt.Sprintf(format, args...))
	}
	switch {
	case s.Provider == nil:
		return bad("Provider is nil")
	case s.Goroutines < 0:
		return bad("Goroutines: must not be negative, got %d", s.Goroutines)
	case s.CallsPerGoroutine < 0:
		return bad("CallsPerGoroutine: must not be negative, got %d", s.CallsPerGoroutine)
	case s.Timeout < 0:
		return bad("Timeout: must not be negative, got %v", s.Timeout)
	case s.Grace < 0:
		return bad("Grace: must not be negative, got %v", s.Grace)
	}
	for i, f := range s.Failures {
		if int(f.Class) >= len(providers.Classes) {
			return bad("Failures[%d].Class: unknown class %v", i, f.Class)
		}
	}
	if s.Goroutines == 0 {
		s.Goroutines = 32
	}
	if s.CallsPerGoroutine == 0 {
		s.CallsPerGoroutine = 16
	}
	if s.Timeout == 0 {
		s.Timeout = 10 * time.Second
	}
	if s.Grace == 0 {
		s.Grace = time.Second
	}
	failures := make([]Failure, len(s.Failures))
	for i, f := range s.Failures {
		if f.Name == "" {
			f.Name = fmt.Sprintf("%d_%s", i, f.Class)
		}
		failures[i] = f
	}
	s.Failures = failures
	return s, nil
}
