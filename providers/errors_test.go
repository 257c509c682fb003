package providers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestClassify(t *testing.T) {
	var numErr error
	_, numErr = strconv.ParseFloat("abc", 64)
	var synErr error = json.Unmarshal([]byte("{"), new(any))
	var typErr error = json.Unmarshal([]byte(`"1.5"`), new(float64))
	tests := []struct {
		name string
		err  error
		want Class
	}{
		{"nil", nil, Transient},
		{"typed", Errorf(RateLimit, "slow down"), RateLimit},
		{"wrapped typed", fmt.Errorf("call: %w", NewError(Auth, nil)), Auth},
		{"canceled", context.Canceled, Canceled},
		{"wrapped canceled", fmt.Errorf("x: %w", context.Canceled), Canceled},
		{"deadline", context.DeadlineExceeded, Transient},
		{"net timeout", &net.OpError{Op: "read", Err: timeoutErr{}}, Transient},
		{"os deadline", os.ErrDeadlineExceeded, Transient},
		{"refused", &net.OpError{Op: "dial", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}, Unavailable},
		{"dns not found", &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}, Unavailable},
		{"json syntax", synErr, DataQuality},
		{"json type", typErr, DataQuality},
		{"wrapped json type", fmt.Errorf("decode: %w", typErr), DataQuality},
		{"number", numErr, DataQuality},
		{"unknown", errors.New("something"), Transient},
		{"status 429", StatusError(429, time.Second, nil), RateLimit},
		{"class out of range", NewError(Class(8), errors.New("host's own numbering")), Transient},
		{"class far out of range", NewError(Class(255), nil), Transient},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Classify(tc.err))
		})
	}
}

// The zero Class is Transient, and so is an *Error built without one.
func TestTheZeroClassIsTransient(t *testing.T) {
	var c Class
	assert.Equal(t, Transient, c)
	assert.Equal(t, Transient, Classify(&Error{Err: errors.New("no class")}))
}

func TestClassForStatus(t *testing.T) {
	tests := map[int]Class{
		429: RateLimit, 401: Auth, 403: Auth, 503: Unavailable,
		500: Transient, 502: Transient, 504: Transient, 408: Transient,
		400: Permanent, 404: Permanent, 422: Permanent,
		200: DataQuality, 302: DataQuality,
	}
	for code, want := range tests {
		assert.Equal(t, want, ClassForStatus(code), "status %d", code)
	}
}

func TestRecoveryPerClass(t *testing.T) {
	want := map[Class]Recovery{
		Transient:   RetryWithBackoff,
		Auth:        RefreshThenRetry,
		RateLimit:   WaitThenRetry,
		DataQuality: FallbackToOther,
		Unavailable: OpenBreakerAndFallback,
		Permanent:   FallbackNow,
		Canceled:    Stop,
	}
	for _, c := range Classes {
		assert.Equal(t, want[c], c.Recovery(), c.String())
	}
	// Retryable: Transient, Auth and RateLimit. ProviderFault: all but
	// Permanent and Canceled.
	retryable := map[Class]bool{Transient: true, Auth: true, RateLimit: true}
	fault := map[Class]bool{Transient: true, Auth: true, RateLimit: true, DataQuality: true, Unavailable: true}
	for _, c := range Classes {
		assert.Equal(t, retryable[c], c.Retryable(), "%s.Retryable()", c)
		assert.Equal(t, fault[c], c.ProviderFault(), "%s.ProviderFault()", c)
	}
}

func TestErrorMatchesSentinelsAndUnwraps(t *testing.T) {
	cause := errors.New("quota")
	err := fmt.Errorf("fetch: %w", &Error{Class: RateLimit, Err: cause, RetryAfter: 2 * time.Second, StatusCode: 429})
	assert.ErrorIs(t, err, ErrRateLimit)
	assert.NotErrorIs(t, err, ErrTransient)
	assert.ErrorIs(t, err, cause)
	assert.Equal(t, 2*time.Second, RetryAfter(err))
	assert.Equal(t, "fetch: providers: rate_limit (status 429) (retry after 2s): quota", err.Error())
	assert.Zero(t, RetryAfter(errors.New("x")))
}

func TestClassText(t *testing.T) {
	for _, c := range Classes {
		b, err := c.MarshalText()
		require.NoError(t, err)
		var back Class
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, c, back)
	}
	_, err := ParseClass("flaky")
	assert.ErrorContains(t, err, `unknown error class "flaky"`)
	_, err = Class(99).MarshalText()
	assert.Error(t, err)
	assert.Equal(t, "class(99)", Class(99).String())
}

// A typed nil *Error — a provider's `var e *Error; return resp, e` — is
// a Transient failure with no cause, and nothing panics on it: Classify,
// RetryAfter, errors.Is, errors.Unwrap and Error, bare, wrapped or joined.
func TestATypedNilErrorIsTransient(t *testing.T) {
	var typedNil *Error
	for _, err := range []error{typedNil, fmt.Errorf("call: %w", error(typedNil)), errors.Join(context.Canceled, typedNil)} {
		assert.NotPanics(t, func() {
			_ = Classify(err)
			_ = RetryAfter(err)
			_ = errors.Is(err, ErrRateLimit)
			_ = errors.Unwrap(err)
			_ = err.Error()
		})
	}
	assert.Equal(t, Transient, Classify(typedNil))
	assert.Equal(t, Transient, Classify(fmt.Errorf("call: %w", error(typedNil))))
	assert.Zero(t, RetryAfter(typedNil))
	assert.True(t, errors.Is(typedNil, ErrTransient))
	assert.False(t, errors.Is(typedNil, ErrRateLimit))
	assert.Contains(t, error(typedNil).Error(), "transient")
}

// An *Error whose Class is none of Classes (a host's own numbering) is
// Transient to Classify, and so to the class sentinels: errors.Is and
// Classify agree on every *Error.
func TestAClassOutOfRangeMatchesErrTransient(t *testing.T) {
	for _, c := range []Class{numClasses, 99, 255} {
		err := fmt.Errorf("call: %w", NewError(c, errors.New("host's own numbering")))
		assert.Equal(t, Transient, Classify(err))
		assert.ErrorIs(t, err, ErrTransient, "class %d", c)
		for _, s := range []error{ErrAuth, ErrRateLimit, ErrDataQuality, ErrUnavailable, ErrPermanent, ErrCanceled} {
			assert.NotErrorIs(t, err, s, "class %d", c)
		}
	}
}

// A negative Retry-After is no wait the provider asked for: RetryAfter
// reads it as zero, "not said", as Error's message does (and as the
// resolver's holds did, each guarding on its own): it returned it as it
// was, a wait already over.
func TestRetryAfterIsNeverNegative(t *testing.T) {
	err := fmt.Errorf("fetch: %w", &Error{Class: RateLimit, RetryAfter: -time.Minute})
	assert.Zero(t, RetryAfter(err))
	assert.Equal(t, "fetch: providers: rate_limit", err.Error())
}
