package providers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"
	"time"
)

// Class says what kind of failure a provider had. The resolver chooses its
// next step from the class alone (see Recovery).
//
// The zero Class is Transient: an *Error built without a class, and any error
// Classify does not recognise, is treated as a passing fault worth a retry.
type Class uint8

// The error classes, from the seed's classification.
const (
	// Transient is a passing fault: a timeout, a reset connection, a 500.
	// Recovery: RetryWithBackoff.
	Transient Class = iota
	// Auth is a rejected or expired credential (401, 403).
	// Recovery: RefreshThenRetry.
	Auth
	// RateLimit means the provider refused for quota (429).
	// Recovery: WaitThenRetry, honouring Error.RetryAfter.
	RateLimit
	// DataQuality means the provider answered, but with something unusable:
	// NaN, an infinity, a value outside the data type's bounds, a body that
	// does not parse. Recovery: FallbackToOther.
	DataQuality
	// Unavailable means the provider is down or in maintenance (503, a
	// refused connection). Recovery: OpenBreakerAndFallback.
	Unavailable
	// Permanent means the request itself cannot succeed: bad params, data
	// not found, other 4xx. It is the caller's fault, not the provider's,
	// so it does not count against the provider's circuit breaker.
	// Recovery: FallbackNow.
	Permanent
	// Canceled means the caller gave up (its context was cancelled). It is
	// nobody's failure: neither the provider's breaker nor its health
	// counts it. Recovery: Stop.
	Canceled

	numClasses
)

// Classes lists every class in order, for iteration.
var Classes = [...]Class{Transient, Auth, RateLimit, DataQuality, Unavailable, Permanent, Canceled}

var classNames = [numClasses]string{"transient", "auth", "rate_limit", "data_quality", "unavailable", "permanent", "canceled"}

// String returns the class's lower-case name ("rate_limit").
func (c Class) String() string {
	if c < numClasses {
		return classNames[c]
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// MarshalText encodes the class as its name.
func (c Class) MarshalText() ([]byte, error) {
	if c >= numClasses {
		return nil, fmt.Errorf("providers: unknown error class %d", c)
	}
	return []byte(classNames[c]), nil
}

// UnmarshalText decodes a class name as written by MarshalText.
func (c *Class) UnmarshalText(b []byte) error {
	v, err := ParseClass(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// ParseClass returns the class named s ("transient", "auth", "rate_limit",
// "data_quality", "unavailable", "permanent", "canceled").
func ParseClass(s string) (Class, error) {
	for i, n := range classNames {
		if n == s {
			return Class(i), nil
		}
	}
	return 0, fmt.Errorf("providers: unknown error class %q (want one of transient, auth, rate_limit, data_quality, unavailable, permanent, canceled)", s)
}

// Recovery is what the resolver does about a failure of a given class.
type Recovery uint8

// The recovery strategies, one per class.
const (
	// RetryWithBackoff retries the same provider after an exponential,
	// jittered delay (Transient).
	RetryWithBackoff Recovery = iota
	// RefreshThenRetry asks the host to refresh the provider's credentials,
	// then retries once (Auth).
	RefreshThenRetry
	// WaitThenRetry retries after a longer delay, or after the provider's
	// Retry-After when it gave one (RateLimit).
	WaitThenRetry
	// FallbackToOther moves on to another source without retrying this one
	// (DataQuality).
	FallbackToOther
	// OpenBreakerAndFallback counts the failure towards opening the
	// provider's circuit breaker and moves on (Unavailable).
	OpenBreakerAndFallback
	// FallbackNow moves on at once; the failure is not the provider's
	// (Permanent).
	FallbackNow
	// Stop ends the resolve: the caller has gone (Canceled).
	Stop
)

var recoveryNames = [...]string{"retry_with_backoff", "refresh_then_retry", "wait_then_retry", "fallback_to_other", "open_breaker_and_fallback", "fallback_now", "stop"}

// String returns the strategy's name ("retry_with_backoff").
func (r Recovery) String() string {
	if int(r) < len(recoveryNames) {
		return recoveryNames[r]
	}
	return "recovery(" + strconv.Itoa(int(r)) + ")"
}

// Recovery returns the documented recovery strategy for the class.
func (c Class) Recovery() Recovery {
	switch c {
	case Transient:
		return RetryWithBackoff
	case Auth:
		return RefreshThenRetry
	case RateLimit:
		return WaitThenRetry
	case DataQuality:
		return FallbackToOther
	case Unavailable:
		return OpenBreakerAndFallback
	case Canceled:
		return Stop
	default:
		return FallbackNow
	}
}

// Retryable reports whether a failure of this class may be retried against
// the same provider (Transient, Auth and RateLimit).
func (c Class) Retryable() bool { return c == Transient || c == Auth || c == RateLimit }

// ProviderFault reports whether a failure of this class counts against the
// provider — its circuit breaker and its health. Permanent (the caller's
// bad request) and Canceled (the caller gave up) do not.
func (c Class) ProviderFault() bool { return c != Permanent && c != Canceled }

// Error is a classified provider failure. Providers return it (or anything
// Classify understands); the resolver wraps every provider failure it
// reports in one, so errors.As(err, new(*providers.Error)) always finds the
// class.
//
// errors.Is(err, ErrRateLimit) and the other class sentinels match an *Error
// of that class, ErrTransient one whose Class is none of Classes (as
// Classify classes it).
type Error struct {
	// Class says what went wrong.
	Class Class
	// Err is the underlying cause; it may be nil.
	Err error
	// RetryAfter is how long the provider asked the caller to wait before
	// trying again (HTTP Retry-After); zero means it did not say, and so
	// does a negative one (see RetryAfter).
	RetryAfter time.Duration
	// StatusCode is the HTTP status of the failed call where there was one.
	StatusCode int
}

// NewError returns an *Error of the given class wrapping err.
func NewError(class Class, err error) *Error { return &Error{Class: class, Err: err} }

// Errorf returns an *Error of the given class whose cause is
// fmt.Errorf(format, args...).
func Errorf(class Class, format string, args ...any) *Error {
	return &Error{Class: class, Err: fmt.Errorf(format, args...)}
}

// StatusError returns an *Error for an HTTP response with the given status
// code, classified by ClassForStatus.
func StatusError(code int, retryAfter time.Duration, cause error) *Error {
	return &Error{Class: ClassForStatus(code), Err: cause, RetryAfter: retryAfter, StatusCode: code}
}

// Error returns "providers: <class>: <cause>". A nil *Error (a provider's
// typed nil, returned as an error) reads as a Transient failure with no
// cause, as Classify classes it; none of its methods panics.
func (e *Error) Error() string {
	if e == nil {
		return "providers: transient (a nil *providers.Error)"
	}
	msg := "providers: " + e.Class.String()
	if e.StatusCode != 0 {
		msg += " (status " + strconv.Itoa(e.StatusCode) + ")"
	}
	if e.RetryAfter > 0 {
		msg += " (retry after " + e.RetryAfter.String() + ")"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

// Is reports whether target is the sentinel of e's class, as Classify
// classes it: ErrTransient for a nil *Error and for a Class that is none
// of Classes.
func (e *Error) Is(target error) bool {
	s, ok := target.(classSentinel)
	if e == nil || e.Class >= numClasses {
		return ok && Class(s) == Transient
	}
	return ok && Class(s) == e.Class
}

type classSentinel Class

func (s classSentinel) Error() string { return "providers: " + Class(s).String() }

// Sentinels matching an *Error of each class with errors.Is.
var (
	ErrTransient   error = classSentinel(Transient)
	ErrAuth        error = classSentinel(Auth)
	ErrRateLimit   error = classSentinel(RateLimit)
	ErrDataQuality error = classSentinel(DataQuality)
	ErrUnavailable error = classSentinel(Unavailable)
	ErrPermanent   error = classSentinel(Permanent)
	ErrCanceled    error = classSentinel(Canceled)
)

// Classify returns the class of err:
//
//   - an *Error anywhere in the chain: its Class (Transient when the
//     Class is none of Classes: a host's own numbering, say);
//   - context.Canceled: Canceled;
//   - context.DeadlineExceeded, or a net.Error whose Timeout is true:
//     Transient;
//   - a refused connection or a host that does not resolve: Unavailable;
//   - a body that fails to decode (encoding/json syntax and type errors,
//     strconv parse errors): DataQuality;
//   - anything else, including nil: Transient.
func Classify(err error) Class {
	if err == nil {
		return Transient
	}
	var pe *Error
	if errors.As(err, &pe) {
		if pe == nil || pe.Class >= numClasses { // a typed nil, a host's own class
			return Transient
		}
		return pe.Class
	}
	if errors.Is(err, context.Canceled) {
		return Canceled
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return Transient
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return Transient
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return Unavailable
	}
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		return Unavailable
	}
	var (
		syn *json.SyntaxError
		typ *json.UnmarshalTypeError
		num *strconv.NumError
	)
	if errors.As(err, &syn) || errors.As(err, &typ) || errors.As(err, &num) {
		return DataQuality
	}
	return Transient
}

// RetryAfter returns the Retry-After carried by an *Error in err's chain,
// or zero: also for a negative one, which is no wait the provider asked
// for.
func RetryAfter(err error) time.Duration {
	var pe *Error
	if errors.As(err, &pe) && pe != nil {
		return max(pe.RetryAfter, 0)
	}
	return 0
}

// ClassForStatus maps an HTTP status code to a class: 429 RateLimit; 401
// and 403 Auth; 503 Unavailable; 408 and the other 5xx Transient; the other
// 4xx Permanent. A status below 400 on a failed call means the response was
// not usable: DataQuality.
func ClassForStatus(code int) Class {
	switch {
	case code == 429:
		return RateLimit
	case code == 401 || code == 403:
		return Auth
	case code == 503:
		return Unavailable
	case code == 408 || (code >= 500 && code <= 599):
		return Transient
	case code >= 400 && code <= 499:
		return Permanent
	default:
		return DataQuality
	}
}
