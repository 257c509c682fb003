package httpjson

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"syscall"
)

// A failed round trip is reported without the request. net/http's
// *url.Error quotes the whole URL — every param's value in its path and
// query, and a query-string credential — and a host's transport, proxy
// or dialer may put anything in its text. Redacting known values after
// the fact misses the forms they take on the way (escaped, re-encoded,
// upper-cased), so the error is rebuilt instead from what cannot hold
// the request: the method and the URL template, and of the cause's
// chain only the kinds listed in safeCause. errors.Is and errors.As keep
// working for what classification and callers look for: the context's
// errors, timeouts (net.Error), refused connections (syscall errnos),
// DNS failures, refused redirects.

// transportError is a request that failed in the transport: the round
// trip, or the read of the body. It wraps ErrTransport and the parts of
// the original error's chain that cannot quote the request, and it is a
// net.Error that reports a timeout when the original did.
type transportError struct {
	where  string  // method and URL template: "GET https://api.example.com/v1/{symbol}/quote"
	during string  // "" for the round trip, or "reading the body"
	causes []error // the kept chain first, then sentinels matched only through Is methods
	// timeout says whether the original was a net.Error timeout.
	timeout bool
}

// newTransportError describes err, which failed the request where. A
// done ctx is the reason, and the only cause kept.
func newTransportError(ctx context.Context, where, during string, err error) *transportError {
	e := &transportError{where: where, during: during}
	if ctxErr := ctx.Err(); ctxErr != nil {
		e.causes = []error{ctxErr}
		return e
	}
	kept := safeCause(err)
	e.causes = []error{kept}
	for _, s := range safeSentinels {
		if errors.Is(err, s) && !errors.Is(kept, s) {
			e.causes = append(e.causes, s)
		}
	}
	e.timeout = isTimeout(err)
	return e
}

// isTimeout reports whether any error in err's tree says it is a timeout.
// errors.As would stop at the first net.Error, and a *url.Error is one
// that answers for its direct cause only.
func isTimeout(err error) bool {
	if t, ok := err.(interface{ Timeout() bool }); ok && t.Timeout() {
		return true
	}
	switch x := err.(type) {
	case interface{ Unwrap() error }:
		return isTimeout(x.Unwrap())
	case interface{ Unwrap() []error }:
		for _, c := range x.Unwrap() {
			if isTimeout(c) {
				return true
			}
		}
	}
	return false
}

// Error returns "httpjson: request failed: <method> <URL template>:
// [reading the body: ]<cause>", with any sentinel matched only through an
// Is method after a "; ".
func (e *transportError) Error() string {
	msg := ErrTransport.Error() + ": " + e.where
	if e.during != "" {
		msg += ": " + e.during
	}
	msg += ": " + e.causes[0].Error()
	for _, s := range e.causes[1:] {
		msg += "; " + s.Error()
	}
	return msg
}

// Unwrap returns the kept causes.
func (e *transportError) Unwrap() []error { return e.causes }

// Is reports whether target is ErrTransport.
func (e *transportError) Is(target error) bool { return target == ErrTransport }

// Timeout reports whether the original error was a timeout.
func (e *transportError) Timeout() bool { return e.timeout }

// Temporary reports the same as Timeout (net.Error requires it).
func (e *transportError) Temporary() bool { return e.timeout }

// safeSentinels are errors whose text is fixed: kept wherever they occur.
var safeSentinels = []error{
	context.Canceled, context.DeadlineExceeded, os.ErrDeadlineExceeded,
	io.EOF, io.ErrUnexpectedEOF, net.ErrClosed, ErrRedirectRefused, errTooManyRedirects,
}

// safeCause returns what of err's chain can be told without the request:
// errors of the kinds below as they are, or rebuilt from their safe
// fields. Any other wrapper is dropped and its cause kept; any other leaf
// is replaced by a withheld error naming its type.
//
//   - the safe sentinels (context, EOF, closed connection, deadline);
//   - syscall.Errno (connection refused, reset, ...);
//   - *os.SyscallError, *net.OpError: the syscall, the operation and the
//     addresses, with their cause made safe in turn;
//   - *net.DNSError: the host looked up and the resolver's reason;
//   - *url.Error: its cause only (its URL is the request's);
//   - *redirectError: a redirect refused by this package;
//   - certificate and TLS record errors: they quote certificates and
//     hosts, not requests.
func safeCause(err error) error {
	if err == nil {
		return nil
	}
	for _, s := range safeSentinels {
		if err == s {
			return err
		}
	}
	switch e := err.(type) {
	case syscall.Errno, *redirectError,
		*tls.CertificateVerificationError, x509.UnknownAuthorityError, x509.HostnameError,
		x509.CertificateInvalidError, tls.RecordHeaderError, tls.AlertError:
		return err
	case *os.SyscallError:
		return &os.SyscallError{Syscall: e.Syscall, Err: safeCause(e.Err)}
	case *net.OpError:
		return &net.OpError{Op: e.Op, Net: e.Net, Source: e.Source, Addr: e.Addr, Err: safeCause(e.Err)}
	case *net.DNSError:
		return &net.DNSError{Err: e.Err, Name: e.Name, Server: e.Server, UnwrapErr: safeCause(e.UnwrapErr),
			IsTimeout: e.IsTimeout, IsTemporary: e.IsTemporary, IsNotFound: e.IsNotFound}
	case *url.Error:
		return safeCause(e.Err)
	case interface{ Unwrap() error }:
		if inner := e.Unwrap(); inner != nil {
			return safeCause(inner)
		}
	case interface{ Unwrap() []error }:
		var kept []error
		for _, c := range e.Unwrap() {
			if c != nil {
				kept = append(kept, safeCause(c))
			}
		}
		if len(kept) == 1 {
			return kept[0]
		}
		if len(kept) > 1 {
			return errors.Join(kept...)
		}
	}
	return &withheldError{typ: fmt.Sprintf("%T", err), timeout: isTimeout(err)}
}

// withheldError stands in for an error whose text could quote the
// request: it names the type only.
type withheldError struct {
	typ     string
	timeout bool
}

func (e *withheldError) Error() string {
	if e.timeout {
		return e.typ + " (a timeout; its text is withheld)"
	}
	return e.typ + " (its text is withheld)"
}

func (e *withheldError) Timeout() bool   { return e.timeout }
func (e *withheldError) Temporary() bool { return e.timeout }

// redirectError is a redirect refused by checkRedirect. Its text names the
// target's host or scheme, never its path or query.
type redirectError struct{ detail string }

func (e *redirectError) Error() string { return ErrRedirectRefused.Error() + ": " + e.detail }
func (e *redirectError) Unwrap() error { return ErrRedirectRefused }

// errTooManyRedirects is net/http's default redirect policy, which the
// Provider's CheckRedirect applies when the host's client sets none.
var errTooManyRedirects = errors.New("stopped after 10 redirects")
