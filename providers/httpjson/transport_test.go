package httpjson

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/internal/leakcheck"
)

// probe is a sensitive param value: '+' and '@' escape in a query
// ("%2B", "%40") and stay as they are in a path.
const probe = "alice.probe+42@example.org"

// probeKey is the credential sent with it, in the query.
const probeKey = "pk_live/Q+9@key"

// probeConfig puts probe in a path segment and in the query, and probeKey
// in the query, of a request to base.
func probeConfig(client *http.Client, base string) Config {
	return Config{
		Client:     client,
		URL:        base + "/v1/users/{email}/score?email={email}&fields=all",
		Credential: Credential{In: CredentialQuery, Name: "key"},
		Value:      "score",
	}
}

func probeRequest() providers.Request {
	return providers.Request{
		Params:     map[string]string{"email": probe},
		Credential: providers.NewSecret(probeKey),
	}
}

// assertNoProbe fails if the param value or the key shows, in any form,
// in anything err exposes.
func assertNoProbe(t *testing.T, err error, msgAndArgs ...any) {
	t.Helper()
	require.Error(t, err)
	leakcheck.Absent(t, []string{probe, probeKey, "alice.probe", "pk_live"}, leakcheck.Texts(err), msgAndArgs...)
}

// hijackAndClose answers by closing the connection: before any response,
// or after the headers and part of a body promised longer.
func hijackAndClose(afterHeaders bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		if afterHeaders {
			_, _ = buf.WriteString("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"score\":")
			_ = buf.Flush()
		}
		_ = conn.Close()
	}
}

func TestDroppedConnectionLeaksNothing(t *testing.T) {
	for _, tc := range []struct {
		name         string
		afterHeaders bool
		want         string // the error after "GET <base>"
		is           error
		status       int
	}{
		{"before the response", false, "/v1/users/{email}/score: EOF", io.EOF, 0},
		{"in the middle of the body", true, "/v1/users/{email}/score: reading the body: unexpected EOF", io.ErrUnexpectedEOF, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(hijackAndClose(tc.afterHeaders))
			defer srv.Close()
			_, err := mustNew(t, probeConfig(srv.Client(), srv.URL)).Fetch(context.Background(), probeRequest())
			assertNoProbe(t, err)
			pe := asProviderError(t, err)
			assert.Equal(t, providers.Transient, pe.Class)
			assert.Equal(t, tc.status, pe.StatusCode)
			assert.ErrorIs(t, err, ErrTransport)
			assert.ErrorIs(t, err, tc.is)
			assert.EqualError(t, err, "providers: transient"+statusText(tc.status)+": httpjson: request failed: GET "+srv.URL+tc.want)
			var ue *url.Error
			assert.False(t, errors.As(err, &ue), "a *url.Error quotes the request's URL")
		})
	}
}

func statusText(status int) string {
	if status == 0 {
		return ""
	}
	return fmt.Sprintf(" (status %d)", status)
}

// blockingTransport answers nothing until the request's context is done.
type blockingTransport struct{}

func (blockingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	<-r.Context().Done()
	return nil, fmt.Errorf("gave up on %s: %w", r.URL, r.Context().Err())
}

// failingTransport fails every round trip with err, wrapped with the
// request's URL as a careless transport would.
type failingTransport struct{ err error }

func (f failingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, fmt.Errorf("round trip to %s: %w", r.URL, f.err)
}

func TestTransportFailuresKeepTheirClass(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		class   providers.Class
		is      error
		timeout bool
		text    string
	}{
		{"read timeout", &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded},
			providers.Transient, os.ErrDeadlineExceeded, true, "read tcp: i/o timeout"},
		{"connection reset", &net.OpError{Op: "read", Net: "tcp", Err: &os.SyscallError{Syscall: "read", Err: syscall.ECONNRESET}},
			providers.Transient, syscall.ECONNRESET, false, "read tcp: read: connection reset by peer"},
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}},
			providers.Unavailable, syscall.ECONNREFUSED, false, "dial tcp: connect: connection refused"},
		{"unknown host", &net.DNSError{Err: "no such host", Name: "api.example.com", IsNotFound: true},
			providers.Unavailable, nil, false, "lookup api.example.com: no such host"},
	}
	for _, tt := range tests {
		p := mustNew(t, probeConfig(&http.Client{Transport: failingTransport{tt.err}}, "https://api.example.com"))
		_, err := p.Fetch(context.Background(), probeRequest())
		assertNoProbe(t, err, tt.name)
		assert.Equal(t, tt.class, asProviderError(t, err).Class, tt.name)
		assert.ErrorIs(t, err, ErrTransport, tt.name)
		if tt.is != nil {
			assert.ErrorIs(t, err, tt.is, tt.name)
		}
		var ne net.Error
		if assert.ErrorAs(t, err, &ne, tt.name) {
			assert.Equal(t, tt.timeout, ne.Timeout(), tt.name)
		}
		assert.EqualError(t, err, fmt.Sprintf("providers: %s: httpjson: request failed: GET https://api.example.com/v1/users/{email}/score: %s", tt.class, tt.text), tt.name)
	}
	var dns *net.DNSError
	_, err := mustNew(t, probeConfig(&http.Client{Transport: failingTransport{tests[3].err}}, "https://api.example.com")).
		Fetch(context.Background(), probeRequest())
	require.ErrorAs(t, err, &dns)
	assert.True(t, dns.IsNotFound)
}

func TestTransportContextAndClientTimeouts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, probeConfig(&http.Client{Transport: blockingTransport{}}, "https://api.example.com"))

		// The caller's deadline: Transient, the deadline the only cause.
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		_, err := p.Fetch(ctx, probeRequest())
		assertNoProbe(t, err)
		assert.Equal(t, providers.Transient, providers.Classify(err))
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.EqualError(t, err, "providers: transient: httpjson: request failed: GET https://api.example.com/v1/users/{email}/score: context deadline exceeded")

		// The caller gives up: Canceled.
		ctx, cancel = context.WithCancel(t.Context())
		time.AfterFunc(time.Second, cancel)
		_, err = p.Fetch(ctx, probeRequest())
		assertNoProbe(t, err)
		assert.Equal(t, providers.Canceled, providers.Classify(err))
		assert.ErrorIs(t, err, context.Canceled)

		// The host client's own Timeout: a timeout wrapping
		// context.DeadlineExceeded. (Whether net/http wraps it in its own
		// timeout error, whose text it builds from the transport's, is a
		// race inside net/http; both ways hold this.)
		p = mustNew(t, probeConfig(&http.Client{Transport: blockingTransport{}, Timeout: time.Second}, "https://api.example.com"))
		_, err = p.Fetch(t.Context(), probeRequest())
		assertTimeout(t, err)
	})
}

// assertTimeout checks that err is a Transient timeout that wraps
// context.DeadlineExceeded and leaks nothing.
func assertTimeout(t *testing.T, err error) {
	t.Helper()
	assertNoProbe(t, err)
	assert.Equal(t, providers.Transient, providers.Classify(err))
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	assert.True(t, ne.Timeout())
}

// headerTimeout is a timeout that quotes the request and matches
// context.DeadlineExceeded through an Is method only, as net/http's
// Client.Timeout error does.
type headerTimeout struct{ url string }

func (e headerTimeout) Error() string      { return "timeout awaiting " + e.url }
func (headerTimeout) Timeout() bool        { return true }
func (headerTimeout) Temporary() bool      { return true }
func (headerTimeout) Is(target error) bool { return target == context.DeadlineExceeded }
func (e headerTimeout) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, &url.Error{Op: "Get", URL: r.URL.String(), Err: headerTimeout{r.URL.String()}}
}

func TestTransportTimeoutMatchedThroughIs(t *testing.T) {
	p := mustNew(t, probeConfig(&http.Client{Transport: headerTimeout{}}, "https://api.example.com"))
	_, err := p.Fetch(context.Background(), probeRequest())
	assertTimeout(t, err)
	assert.EqualError(t, err, "providers: transient: httpjson: request failed: GET https://api.example.com/v1/users/{email}/score: "+
		"httpjson.headerTimeout (a timeout; its text is withheld); context deadline exceeded")
}

// leakyError quotes the URL in its text and keeps a safe cause.
type leakyError struct{ cause error }

func (e leakyError) Error() string {
	return "failed on https://h/?email=" + url.QueryEscape(probe) + ": " + e.cause.Error()
}
func (e leakyError) Unwrap() error { return e.cause }

type leakyLeaf struct{}

func (leakyLeaf) Error() string   { return "leaf quoting " + probe }
func (leakyLeaf) Timeout() bool   { return true }
func (leakyLeaf) Temporary() bool { return true }

func TestSafeCause(t *testing.T) {
	certErr := &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}
	tests := []struct {
		name string
		in   error
		want string
		is   []error
	}{
		{"a sentinel", io.EOF, "EOF", []error{io.EOF}},
		{"an errno", syscall.ECONNRESET, "connection reset by peer", []error{syscall.ECONNRESET}},
		{"a *url.Error drops its URL", &url.Error{Op: "Get", URL: "https://h/?email=" + probe, Err: io.ErrUnexpectedEOF},
			"unexpected EOF", []error{io.ErrUnexpectedEOF}},
		{"an unknown wrapper drops its text", leakyError{syscall.ECONNREFUSED}, "connection refused", []error{syscall.ECONNREFUSED}},
		{"an unknown leaf is withheld", leakyLeaf{}, "httpjson.leakyLeaf (a timeout; its text is withheld)", nil},
		{"a wrapper of nothing is withheld", nilWrapper{}, "httpjson.nilWrapper (its text is withheld)", nil},
		{"a join keeps each part", errors.Join(leakyLeaf{}, io.EOF),
			"httpjson.leakyLeaf (a timeout; its text is withheld)\nEOF", []error{io.EOF}},
		{"a join of one is that one", errors.Join(nil, leakyError{net.ErrClosed}), net.ErrClosed.Error(), []error{net.ErrClosed}},
		{"an OpError is rebuilt", &net.OpError{Op: "write", Net: "tcp", Err: leakyError{syscall.EPIPE}},
			"write tcp: broken pipe", []error{syscall.EPIPE}},
		{"a DNS error is rebuilt", &net.DNSError{Err: "server misbehaving", Name: "h", Server: "10.0.0.1:53", UnwrapErr: leakyLeaf{}},
			"lookup h on 10.0.0.1:53: server misbehaving", nil},
		{"a certificate error is kept", certErr, certErr.Error(), []error{certErr}},
		{"a refused redirect is kept", &redirectError{detail: `to host "evil"`}, `httpjson: redirect refused: to host "evil"`, []error{ErrRedirectRefused}},
	}
	for _, tt := range tests {
		got := safeCause(tt.in)
		require.Error(t, got, tt.name)
		assert.Equal(t, tt.want, got.Error(), tt.name)
		for _, target := range tt.is {
			assert.ErrorIs(t, got, target, tt.name)
		}
		leakcheck.Absent(t, []string{probe}, leakcheck.Texts(got), tt.name)
	}
	assert.NoError(t, safeCause(nil))
}

// nilWrapper unwraps to nil.
type nilWrapper struct{}

func (nilWrapper) Error() string { return "wrapper of nothing, quoting " + probe }
func (nilWrapper) Unwrap() error { return nil }

// echoBody is a transport that fails quoting the request's body, as a
// careless proxy might.
type echoBody struct{}

func (echoBody) RoundTrip(r *http.Request) (*http.Response, error) {
	b, _ := io.ReadAll(r.Body)
	return nil, fmt.Errorf("refused body %s", b)
}

func TestErrorsNameTheTemplateNotTheValues(t *testing.T) {
	const where = "GET https://api.example.com/v1/users/{email}/score"
	tests := []struct {
		name  string
		h     http.HandlerFunc
		max   int64
		class providers.Class
		is    error
	}{
		{"status", reply(500, `{"error":"internal"}`), 0, providers.Transient, ErrStatus},
		{"rule", reply(200, `{"error":"quota"}`), 0, providers.RateLimit, ErrAPI},
		{"not JSON", reply(200, `<html>`), 0, providers.DataQuality, ErrBadBody},
		{"no value", reply(200, `{}`), 0, providers.DataQuality, ErrNoValue},
		{"bad value", reply(200, `{"score":"high"}`), 0, providers.DataQuality, ErrBadValue},
		{"too large", reply(200, `{"score":1,"pad":"xxxxxxxxxx"}`), 10, providers.DataQuality, ErrBodyTooLarge},
		{"redirect refused", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://elsewhere.example.net/"+url.PathEscape(probe)+"?"+r.URL.RawQuery, http.StatusFound)
		}, 0, providers.Unavailable, ErrRedirectRefused},
	}
	for _, tt := range tests {
		cfg := probeConfig(memClient(tt.h), "https://api.example.com")
		cfg.MaxBodyBytes = tt.max
		cfg.ErrorRules = []ErrorRule{{Path: "error", Contains: "quota", Class: providers.RateLimit}}
		_, err := mustNew(t, cfg).Fetch(context.Background(), probeRequest())
		assertNoProbe(t, err, tt.name)
		assert.Equal(t, tt.class, asProviderError(t, err).Class, tt.name)
		assert.ErrorIs(t, err, tt.is, tt.name)
		assert.ErrorContains(t, err, where+": ", tt.name)
	}

	// Refused before sending: the param is named, never its value.
	for _, params := range []map[string]string{{}, {"email": ".."}} {
		req := probeRequest()
		req.Params = params
		_, err := mustNew(t, probeConfig(memClient(reply(200, `{}`)), "https://api.example.com")).Fetch(context.Background(), req)
		assert.Equal(t, providers.Permanent, asProviderError(t, err).Class)
		assert.ErrorContains(t, err, `param "email"`)
		assertNoProbe(t, err)
	}

	// A POST whose body the transport quotes.
	_, err := mustNew(t, Config{
		Client: &http.Client{Transport: echoBody{}},
		Method: http.MethodPost,
		URL:    "https://api.example.com/v1/lookup",
		Body:   `{"email": "{email}"}`,
		Value:  "score",
	}).Fetch(context.Background(), probeRequest())
	assertNoProbe(t, err)
	assert.EqualError(t, err, "providers: transient: httpjson: request failed: POST https://api.example.com/v1/lookup: *errors.errorString (its text is withheld)")
}
