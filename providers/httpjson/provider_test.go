package httpjson

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
)

func quoteConfig(c *http.Client) Config {
	return Config{
		Client:         c,
		URL:            "https://api.example.com/v1/{symbol}/quote?interval={interval}",
		Credential:     Credential{In: CredentialQuery, Name: "apikey"},
		Value:          `data.points[-1].value`,
		Timestamp:      `data.points[-1].at`,
		ParseTimestamp: TimeLayout("2006-01-02"),
	}
}

func quoteRequest() providers.Request {
	return providers.Request{
		DataType:   "stock_price",
		Params:     map[string]string{"symbol": "IBM", "interval": "5min"},
		Credential: providers.NewSecret("k3y"),
	}
}

func TestFetchSuccess(t *testing.T) {
	rc := &recorder{h: reply(200, `{"data":{"points":[{"at":"2024-02-29","value":1.5},{"at":"2024-03-01","value":"188.2000"}]}}`,
		"X-RateLimit-Limit", "500", "X-RateLimit-Remaining", "499", "X-RateLimit-Reset", "1709337600")}
	p := mustNew(t, quoteConfig(memClient(rc)))
	res, err := p.Fetch(context.Background(), quoteRequest())
	require.NoError(t, err)
	want := providers.Response{
		Value:      188.2,
		ObservedAt: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC),
		Quota:      &providers.Quota{Limit: 500, Remaining: 499, Reset: time.Unix(1709337600, 0)},
	}
	assert.Equal(t, want, res)
	r, _ := rc.last()
	assert.Equal(t, "https://api.example.com/v1/IBM/quote?interval=5min&apikey=k3y", r.URL.String())
	assert.Equal(t, http.MethodGet, r.Method)
	assert.Equal(t, "application/json", r.Header.Get("Accept"))
	assert.Equal(t, []string{"symbol", "interval"}, p.Params())
}

func TestFetchCredentialPlacements(t *testing.T) {
	tests := []struct {
		cred   Credential
		check  func(r *http.Request) string
		expect string
	}{
		{Credential{In: CredentialHeader, Name: "X-API-Key"}, func(r *http.Request) string { return r.Header.Get("X-Api-Key") }, "k3y"},
		{Credential{In: CredentialHeader, Name: "Authorization", Prefix: "Token "}, func(r *http.Request) string { return r.Header.Get("Authorization") }, "Token k3y"},
		{Credential{In: CredentialBearer}, func(r *http.Request) string { return r.Header.Get("Authorization") }, "Bearer k3y"},
		{Credential{In: CredentialQuery, Name: "api_key"}, func(r *http.Request) string { return r.URL.Query().Get("api_key") }, "k3y"},
		{Credential{}, func(r *http.Request) string { return r.URL.RawQuery + r.Header.Get("Authorization") }, "interval=5min"},
	}
	for _, tt := range tests {
		rc := &recorder{h: reply(200, `{"data":{"points":[{"at":"2024-03-01","value":1}]}}`)}
		cfg := quoteConfig(memClient(rc))
		cfg.Credential = tt.cred
		cfg.Headers = map[string]string{"User-Agent": "strata-test", "Accept": "application/vnd.api+json"}
		p := mustNew(t, cfg)
		_, err := p.Fetch(context.Background(), quoteRequest())
		require.NoError(t, err, "%+v", tt.cred)
		r, _ := rc.last()
		assert.Equal(t, tt.expect, tt.check(r), "%+v", tt.cred)
		assert.Equal(t, "strata-test", r.Header.Get("User-Agent"), "static headers not sent")
		assert.Equal(t, "application/vnd.api+json", r.Header.Get("Accept"), "static headers not sent")
	}
}

func TestFetchRefusesBeforeSending(t *testing.T) {
	tests := []struct {
		name  string
		req   providers.Request
		class providers.Class
		is    error
	}{
		{"missing param", providers.Request{Params: map[string]string{"symbol": "IBM"}, Credential: providers.NewSecret("k")},
			providers.Permanent, ErrMissingParam},
		{"dot-dot segment", providers.Request{Params: map[string]string{"symbol": "..", "interval": "1"}, Credential: providers.NewSecret("k")},
			providers.Permanent, ErrInvalidParam},
		{"no credential", providers.Request{Params: map[string]string{"symbol": "IBM", "interval": "1"}},
			providers.Auth, ErrNoCredential},
	}
	for _, tt := range tests {
		rc := &recorder{h: reply(200, `{}`)}
		p := mustNew(t, quoteConfig(memClient(rc)))
		_, err := p.Fetch(context.Background(), tt.req)
		assert.Equal(t, tt.class, asProviderError(t, err).Class, "%s: %v", tt.name, err)
		assert.ErrorIs(t, err, tt.is, tt.name)
		assert.Zero(t, rc.count(), "%s: requests sent", tt.name)
	}

	// A header credential with a newline is refused, not sent.
	rc := &recorder{h: reply(200, `{}`)}
	cfg := quoteConfig(memClient(rc))
	cfg.Credential = Credential{In: CredentialBearer}
	p := mustNew(t, cfg)
	req := quoteRequest()
	req.Credential = providers.NewSecret("k\r\nX-Injected: 1")
	_, err := p.Fetch(context.Background(), req)
	assert.Equal(t, providers.Auth, asProviderError(t, err).Class, "header injection: %v", err)
	assert.ErrorIs(t, err, ErrNoCredential, "header injection")
	assert.Zero(t, rc.count(), "header injection: requests sent")
	assert.NotContains(t, err.Error(), "Injected", "error quotes the credential")

	// A context already done sends nothing.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = p.Fetch(ctx, quoteRequest())
	assert.Equal(t, providers.Canceled, asProviderError(t, err).Class, "canceled: %v", err)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, rc.count(), "canceled: requests sent")
}

func TestFetchStatusClasses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// In the bubble the clock starts at 2000-01-01T00:00:00Z.
		tests := []struct {
			status     int
			body       string
			kv         []string
			class      providers.Class
			retryAfter time.Duration
		}{
			{400, `{"error":"bad symbol"}`, nil, providers.Permanent, 0},
			{401, `{"error":"invalid key"}`, nil, providers.Auth, 0},
			{403, `forbidden`, nil, providers.Auth, 0},
			{404, ``, nil, providers.Permanent, 0},
			{408, ``, nil, providers.Transient, 0},
			{422, `{}`, nil, providers.Permanent, 0},
			{429, `{"error":"slow down"}`, []string{"Retry-After", "30"}, providers.RateLimit, 30 * time.Second},
			{429, `slow down`, []string{"Retry-After", "Sat, 01 Jan 2000 00:02:00 GMT"}, providers.RateLimit, 2 * time.Minute},
			{429, ``, nil, providers.RateLimit, 0},
			{500, `oops`, nil, providers.Transient, 0},
			{502, `<html>bad gateway</html>`, nil, providers.Transient, 0},
			{503, `{"status":"down for maintenance"}`, []string{"Retry-After", "600"}, providers.Unavailable, 10 * time.Minute},
			{504, ``, nil, providers.Transient, 0},
			{304, ``, nil, providers.DataQuality, 0},
		}
		for _, tt := range tests {
			p := mustNew(t, quoteConfig(memClient(reply(tt.status, tt.body, tt.kv...))))
			_, err := p.Fetch(t.Context(), quoteRequest())
			pe := asProviderError(t, err)
			assert.Equal(t, tt.class, pe.Class, "status %d: %v", tt.status, err)
			assert.Equal(t, tt.status, pe.StatusCode, "status %d", tt.status)
			assert.Equal(t, tt.retryAfter, pe.RetryAfter, "status %d", tt.status)
			assert.ErrorIs(t, err, ErrStatus, "status %d", tt.status)
			assert.ErrorContains(t, err, tt.body, "status %d: the error quotes the body", tt.status)
		}
	})
}

func TestFetchErrorRules(t *testing.T) {
	rules := []ErrorRule{
		{Path: "Information", Contains: "rate limit", Class: providers.RateLimit},
		{Path: "Note", Class: providers.RateLimit, RetryAfter: time.Minute},
		{Path: `["Error Message"]`, Contains: "apikey", Class: providers.Auth},
		{Path: `["Error Message"]`, Class: providers.Permanent},
		{Path: `["Global Quote"]`, Empty: true, Class: providers.Permanent},
		{Path: `error_code`, Status: 400, Contains: "api_key", Class: providers.Auth, Message: "error_message"},
		{Path: `[0].message[?id=="105"][0]`, Class: providers.Unavailable, Description: "service unavailable", Message: `[0].message[0].value`},
		{Path: `[0].message[0].id`, Contains: "120", Class: providers.Permanent, Message: `[0].message[0].value`},
		{Path: `[1]`, Empty: true, Class: providers.Permanent, Description: "no data"},
	}
	tests := []struct {
		status     int
		body       string
		class      providers.Class
		retryAfter time.Duration
		msg        string
	}{
		{200, `{"Information": "Thank you for using Alpha Vantage! Our standard API rate limit is 25 requests per day."}`, providers.RateLimit, 0, "25 requests per day"},
		{200, `{"Note": "Thank you for using Alpha Vantage! Our standard API call frequency is 5 calls per minute."}`, providers.RateLimit, time.Minute, "5 calls per minute"},
		{200, `{"Error Message": "the parameter apikey is invalid or missing."}`, providers.Auth, 0, "apikey is invalid"},
		{200, `{"Error Message": "Invalid API call."}`, providers.Permanent, 0, "Invalid API call"},
		{200, `{"Global Quote": {}}`, providers.Permanent, 0, "{}"},
		{400, `{"error_code": "400 api_key", "error_message": "Bad Request.  The value for variable api_key is not registered."}`, providers.Auth, 0, "not registered"},
		{200, `[{"message":[{"id":"120","key":"Invalid value","value":"The provided parameter value is not valid"}]}]`, providers.Permanent, 0, ": The provided parameter value is not valid"},
		{200, `[{"message":[{"id":"105","key":"Service currently unavailable","value":"Try later"}]}]`, providers.Unavailable, 0, ": service unavailable: Try later"},
		{200, `[{"message":[{"id":"105","key":"k"}]}]`, providers.Unavailable, 0, ": service unavailable"},
		{200, `[{"page":0,"pages":0,"total":0},null]`, providers.Permanent, 0, ": no data"},
	}
	for _, tt := range tests {
		cfg := quoteConfig(memClient(reply(tt.status, tt.body)))
		cfg.ErrorRules = rules
		p := mustNew(t, cfg)
		_, err := p.Fetch(context.Background(), quoteRequest())
		pe := asProviderError(t, err)
		assert.Equal(t, tt.class, pe.Class, "%s: %v", tt.body, err)
		assert.Equal(t, tt.retryAfter, pe.RetryAfter, tt.body)
		assert.Equal(t, tt.status, pe.StatusCode, tt.body)
		assert.ErrorIs(t, err, ErrAPI, tt.body)
		assert.ErrorContains(t, err, tt.msg, tt.body)
	}

	// A rule bound to a status does not match others; a Retry-After header
	// beats the rule's default; a non-empty "Global Quote" is not an error.
	cfg := quoteConfig(memClient(reply(429, `{"Note": "x"}`, "Retry-After", "5")))
	cfg.ErrorRules = rules
	_, err := mustNew(t, cfg).Fetch(context.Background(), quoteRequest())
	pe := asProviderError(t, err)
	assert.Equal(t, 5*time.Second, pe.RetryAfter, "Retry-After header vs rule default: %v", err)
	assert.Equal(t, providers.RateLimit, pe.Class, "Retry-After header vs rule default: %v", err)
	cfg = quoteConfig(memClient(reply(500, `{"error_code": "api_key"}`)))
	cfg.ErrorRules = rules
	_, err = mustNew(t, cfg).Fetch(context.Background(), quoteRequest())
	assert.Equal(t, providers.Transient, asProviderError(t, err).Class, "status-bound rule on another status: %v", err)
	assert.ErrorIs(t, err, ErrStatus, "status-bound rule on another status")

	// A server busy or down says so by its status: a rule without one
	// does not turn a 429 or a 5xx into Permanent.
	for status, want := range map[int]providers.Class{429: providers.RateLimit, 503: providers.Unavailable, 500: providers.Transient} {
		cfg = quoteConfig(memClient(reply(status, `{"Error Message": "Service temporarily unavailable"}`)))
		cfg.ErrorRules = rules
		_, err = mustNew(t, cfg).Fetch(context.Background(), quoteRequest())
		assert.Equal(t, want, asProviderError(t, err).Class, "%d: %v", status, err)
		assert.ErrorIs(t, err, ErrStatus, "%d", status)
	}
	cfg = quoteConfig(memClient(reply(503, `{"fault": "planned"}`)))
	cfg.ErrorRules = []ErrorRule{{Path: "fault", Status: 503, Class: providers.Permanent}}
	_, err = mustNew(t, cfg).Fetch(context.Background(), quoteRequest())
	assert.Equal(t, providers.Permanent, asProviderError(t, err).Class, "a rule naming the status applies: %v", err)
}

func TestFetchBadBodies(t *testing.T) {
	tests := []struct {
		body string
		is   error
	}{
		{`not json`, ErrBadBody},
		{``, ErrBadBody},
		{`{"data":{}} trailing`, ErrBadBody},
		{`{"data":{"points":[]}}`, ErrNoValue},
		{`{"data":{"points":[{"at":"2024-03-01","value":null}]}}`, ErrNoValue},
		{`{"data":{"points":[{"at":"2024-03-01","value":{"x":1}}]}}`, ErrNoValue},
		{`{"data":{"points":[{"at":"2024-03-01","value":"NaN"}]}}`, ErrBadValue},
		{`{"data":{"points":[{"at":"2024-03-01","value":"Infinity"}]}}`, ErrBadValue},
		{`{"data":{"points":[{"at":"2024-03-01","value":"1e999"}]}}`, ErrBadValue},
		{`{"data":{"points":[{"at":"2024-03-01","value":1e999}]}}`, ErrBadValue},
		{`{"data":{"points":[{"at":"2024-03-01","value":"0x10"}]}}`, ErrBadValue},
		{`{"data":{"points":[{"at":"2024-03-01","value":"12%"}]}}`, ErrBadValue},
		{`{"data":{"points":[{"at":"yesterday","value":1}]}}`, ErrBadTimestamp},
		{`{"data":{"points":[{"value":1}]}}`, ErrNoValue},
		// Nesting past encoding/json's depth limit is refused, not a crash.
		{`{"a":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`, ErrBadBody},
	}
	for _, tt := range tests {
		p := mustNew(t, quoteConfig(memClient(reply(200, tt.body))))
		_, err := p.Fetch(context.Background(), quoteRequest())
		assert.Equal(t, providers.DataQuality, asProviderError(t, err).Class, "%.40q: %v", tt.body, err)
		assert.ErrorIs(t, err, tt.is, "%.40q", tt.body)
	}

	// A ParseValue that returns NaN is refused too.
	cfg := quoteConfig(memClient(reply(200, `{"data":{"points":[{"at":"2024-03-01","value":1}]}}`)))
	cfg.ParseValue = func(string) (float64, error) { return math.NaN(), nil }
	_, err := mustNew(t, cfg).Fetch(context.Background(), quoteRequest())
	assert.ErrorIs(t, err, ErrBadValue, "NaN from ParseValue")
}

func TestFetchBodyLimit(t *testing.T) {
	big := `{"data":{"points":[{"at":"2024-03-01","value":1}]},"pad":"` + strings.Repeat("x", 200) + `"}`
	chunked := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			for i := 0; i < len(big); i += 10 {
				_, _ = io.WriteString(w, big[i:min(i+10, len(big))])
				w.(http.Flusher).Flush() // no Content-Length: the limit must hold on the stream
			}
		}
	}
	for _, tc := range []struct {
		name string
		h    http.HandlerFunc
	}{
		{"content-length", reply(200, big)},
		{"chunked", chunked(200)},
	} {
		srv := httptest.NewServer(tc.h)
		cfg := quoteConfig(srv.Client())
		cfg.URL = srv.URL + "/v1/{symbol}/quote?interval={interval}"
		cfg.MaxBodyBytes = 100
		_, err := mustNew(t, cfg).Fetch(context.Background(), quoteRequest())
		assert.Equal(t, providers.DataQuality, asProviderError(t, err).Class, "%s: %v", tc.name, err)
		assert.ErrorIs(t, err, ErrBodyTooLarge, tc.name)
		// Under the limit, the same body is fine.
		cfg.MaxBodyBytes = int64(len(big))
		res, err := mustNew(t, cfg).Fetch(context.Background(), quoteRequest())
		if assert.NoError(t, err, "%s at the limit", tc.name) {
			assert.Equal(t, 1.0, res.Value, "%s at the limit", tc.name)
		}
		srv.Close()
	}
	// An error status with a large body keeps its status class.
	srv := httptest.NewServer(chunked(503))
	defer srv.Close()
	cfg := quoteConfig(srv.Client())
	cfg.URL = srv.URL + "/v1/{symbol}/quote?interval={interval}"
	cfg.MaxBodyBytes = 100
	_, err := mustNew(t, cfg).Fetch(context.Background(), quoteRequest())
	pe := asProviderError(t, err)
	assert.Equal(t, providers.Unavailable, pe.Class, "503 with a large body: %v", err)
	assert.Equal(t, 503, pe.StatusCode, "503 with a large body")
}

func TestFetchRedirects(t *testing.T) {
	ok := `{"data":{"points":[{"at":"2024-03-01","value":7}]}}`
	var mu sync.Mutex
	var hosts []string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hosts = append(hosts, r.Host)
		mu.Unlock()
		switch {
		case r.Host == "api.example.com" && strings.HasPrefix(r.URL.Path, "/v1/SAME/"):
			http.Redirect(w, r, "https://api.example.com/v2/moved", http.StatusFound)
		case r.Host == "api.example.com" && strings.HasPrefix(r.URL.Path, "/v1/OTHER/"):
			http.Redirect(w, r, "https://evil.example.net/collect?"+r.URL.RawQuery, http.StatusFound)
		case r.Host == "api.example.com" && strings.HasPrefix(r.URL.Path, "/v1/MIRROR/"):
			http.Redirect(w, r, "https://mirror.example.com:8443/v1/q", http.StatusTemporaryRedirect)
		case r.Host == "api.example.com" && strings.HasPrefix(r.URL.Path, "/v1/PLAIN/"):
			http.Redirect(w, r, "http://api.example.com/v1/q", http.StatusFound)
		default:
			_, _ = io.WriteString(w, ok)
		}
	})
	var hostCalls int
	hostClient := &http.Client{
		Transport: handlerTransport{h},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			hostCalls++
			return nil
		},
	}
	origCheck := reflect.ValueOf(hostClient.CheckRedirect).Pointer()
	cfg := quoteConfig(hostClient)
	cfg.AllowRedirectHosts = []string{"mirror.example.com"}
	p := mustNew(t, cfg)

	fetch := func(symbol string) (providers.Response, error) {
		req := quoteRequest()
		req.Params = map[string]string{"symbol": symbol, "interval": "1"}
		return p.Fetch(context.Background(), req)
	}
	for _, sym := range []string{"SAME", "MIRROR"} {
		res, err := fetch(sym)
		if assert.NoError(t, err, "%s: redirect to an allowed host", sym) {
			assert.Equal(t, 7.0, res.Value, sym)
		}
	}
	assert.Equal(t, 2, hostCalls, "the host's CheckRedirect runs after the provider's")
	for _, tc := range []struct{ sym, text string }{
		{"OTHER", `httpjson: redirect refused: to host "evil.example.net"`},
		{"PLAIN", `httpjson: redirect refused: from https to "http"`},
	} {
		_, err := fetch(tc.sym)
		assert.Equal(t, providers.Unavailable, asProviderError(t, err).Class, "%s: %v", tc.sym, err)
		assert.ErrorIs(t, err, ErrRedirectRefused, tc.sym)
		assert.ErrorIs(t, err, ErrTransport, tc.sym)
		assert.ErrorContains(t, err, tc.text, tc.sym)
	}
	mu.Lock()
	defer mu.Unlock()
	assert.NotContains(t, hosts, "evil.example.net", "the refused host was contacted")
	assert.Equal(t, 2, hostCalls, "the host's CheckRedirect ran on a refused redirect")
	assert.Equal(t, origCheck, reflect.ValueOf(hostClient.CheckRedirect).Pointer(), "New modified the host's client")
}

// trickleBody yields one byte per second, forever, until closed.
type trickleBody struct {
	r    *io.PipeReader
	done chan struct{}
	once *sync.Once
}

func (b trickleBody) Read(p []byte) (int, error) { return b.r.Read(p) }
func (b trickleBody) Close() error {
	b.once.Do(func() { close(b.done) })
	return b.r.Close()
}

// trickleTransport answers 200 and a body that never ends. It does not
// watch the request's context: the provider must cut the body off itself.
type trickleTransport struct{}

func (trickleTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	pr, pw := io.Pipe()
	body := trickleBody{r: pr, done: make(chan struct{}), once: new(sync.Once)}
	go func() {
		_, _ = pw.Write([]byte(`{"data":`))
		for {
			select {
			case <-body.done:
				return
			case <-time.After(time.Second):
			}
			if _, err := pw.Write([]byte(" ")); err != nil {
				return
			}
		}
	}()
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: body, ContentLength: -1, Request: r}, nil
}

func TestFetchSlowLorisBoundByDeadline(t *testing.T) {
	// Deterministic: virtual time, a transport that ignores the context.
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, quoteConfig(&http.Client{Transport: trickleTransport{}}))
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		start := time.Now()
		_, err := p.Fetch(ctx, quoteRequest())
		assert.Equal(t, providers.Transient, asProviderError(t, err).Class, "trickled body: %v", err)
		assert.ErrorIs(t, err, context.DeadlineExceeded, "trickled body")
		assert.Equal(t, 5*time.Second, time.Since(start), "virtual time until it returned: exactly the deadline")
	})
}

// stubbornBody trickles forever, and its Close waits for a Read under way
// to end (as a body behind one lock does): closing it unblocks nothing.
type stubbornBody struct {
	mu      sync.Mutex
	release chan struct{}
}

func (b *stubbornBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case <-b.release:
		return 0, io.EOF
	case <-time.After(time.Second):
		p[0] = ' '
		return 1, nil
	}
}

func (b *stubbornBody) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return nil
}

// stubbornTransport ignores the request's context: with hang set it never
// answers; else it answers a stubbornBody.
type stubbornTransport struct {
	hang    bool
	release chan struct{}
}

func (s stubbornTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if s.hang {
		<-s.release
		return nil, errors.New("released")
	}
	return &http.Response{StatusCode: 200, Header: http.Header{}, Body: &stubbornBody{release: s.release}, ContentLength: -1, Request: r}, nil
}

// Whatever the transport does — ignore the context while it waits for
// headers, or hand back a body whose Close cannot unblock a Read — Fetch
// returns at ctx's deadline: the call is abandoned, not waited for.
func TestFetchBoundByDeadlineWhateverTheTransport(t *testing.T) {
	for _, hang := range []bool{true, false} {
		t.Run(fmt.Sprintf("hang=%v", hang), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				release := make(chan struct{})
				p := mustNew(t, quoteConfig(&http.Client{Transport: stubbornTransport{hang: hang, release: release}}))
				ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
				defer cancel()
				start := time.Now()
				_, err := p.Fetch(ctx, quoteRequest())
				assert.Equal(t, 5*time.Second, time.Since(start), "returned at the deadline")
				assert.Equal(t, providers.Transient, asProviderError(t, err).Class, "%v", err)
				assert.ErrorIs(t, err, context.DeadlineExceeded)
				assert.ErrorIs(t, err, ErrTransport)
				if !hang {
					assert.ErrorContains(t, err, "reading the body")
				}
				close(release) // the abandoned call ends, inside the bubble
				time.Sleep(2 * time.Second)
			})
		})
	}
}

func TestFetchSlowLorisRealServer(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		_, _ = io.WriteString(w, `{"data":`)
		for {
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(10 * time.Millisecond):
			}
			if _, err := io.WriteString(w, " "); err != nil {
				return
			}
		}
	}))
	defer srv.Close()
	cfg := quoteConfig(srv.Client())
	cfg.URL = srv.URL + "/v1/{symbol}/quote?interval={interval}"
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := mustNew(t, cfg).Fetch(ctx, quoteRequest())
	assert.Equal(t, providers.Transient, asProviderError(t, err).Class, "trickled body over a real connection: %v", err)
	assert.ErrorIs(t, err, context.DeadlineExceeded, "trickled body over a real connection")
}

func TestFetchCanceledMidRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustNew(t, quoteConfig(&http.Client{Transport: trickleTransport{}}))
		ctx, cancel := context.WithCancel(t.Context())
		go func() {
			time.Sleep(2 * time.Second)
			cancel()
		}()
		_, err := p.Fetch(ctx, quoteRequest())
		assert.Equal(t, providers.Canceled, asProviderError(t, err).Class, "canceled mid-body: %v", err)
		assert.ErrorIs(t, err, context.Canceled, "canceled mid-body")
	})
}

func TestFetchConcurrent(t *testing.T) {
	var n sync.WaitGroup
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sym := strings.Split(r.URL.Path, "/")[2]
		fmt.Fprintf(w, `{"data":{"points":[{"at":"2024-03-01","value":%s}]}}`, sym)
	})
	p := mustNew(t, quoteConfig(memClient(h)))
	errs := make(chan error, 50)
	for i := range 50 {
		n.Add(1)
		go func() {
			defer n.Done()
			req := quoteRequest()
			req.Params = map[string]string{"symbol": strconv.Itoa(i), "interval": "1"}
			res, err := p.Fetch(context.Background(), req)
			if err == nil && res.Value != float64(i) {
				err = fmt.Errorf("symbol %d got %v", i, res.Value)
			}
			errs <- err
		}()
	}
	n.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
}

func TestFetchPOSTBody(t *testing.T) {
	rc := &recorder{h: reply(200, `{"v": 3}`)}
	p := mustNew(t, Config{
		Client: memClient(rc),
		Method: http.MethodPost,
		URL:    "https://api.example.com/v1/lookup",
		Body:   `{"query": {"keyword": "{keyword}", "market": "{market}", "again": "{keyword}"}}`,
		Value:  "v",
	})
	res, err := p.Fetch(context.Background(), providers.Request{Params: map[string]string{"keyword": `shoes","x":"`, "market": "us"}})
	require.NoError(t, err)
	require.Equal(t, 3.0, res.Value)
	r, body := rc.last()
	assert.Equal(t, http.MethodPost, r.Method)
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assert.Equal(t, `{"query": {"keyword": "shoes\",\"x\":\"", "market": "us", "again": "shoes\",\"x\":\""}}`, string(body))
	assert.Equal(t, []string{"keyword", "market"}, p.Params())
}

// panicTransport is a host transport with a bug.
type panicTransport struct{}

func (panicTransport) RoundTrip(*http.Request) (*http.Response, error) { panic("host transport bug") }

// A panic in the host's transport reaches the caller of Fetch, where the
// resolver contains it, instead of crashing the process from the
// goroutine Fetch runs the call in.
func TestFetchRaisesTheTransportsPanicInTheCaller(t *testing.T) {
	p := mustNew(t, quoteConfig(&http.Client{Transport: panicTransport{}}))
	var got any
	func() {
		defer func() { got = recover() }()
		_, _ = p.Fetch(context.Background(), quoteRequest())
	}()
	assert.Equal(t, "host transport bug", got)
}

// A timestamp that parses to the zero time — the placeholder date an API's
// backend writes for "unknown" — is refused as ErrBadTimestamp: as
// Response.ObservedAt it would read as now, and the answer be served and
// cached as fresh. One second later is an (ancient) observation time.
func TestFetchRefusesAZeroTimestamp(t *testing.T) {
	tests := []struct {
		name  string
		parse func(string) (time.Time, error)
		at    string // the JSON literal
	}{
		{"RFC 3339", nil, `"0001-01-01T00:00:00Z"`},
		{"RFC 3339 with fraction", nil, `"0001-01-01T00:00:00.000Z"`},
		{"date", TimeLayout(time.DateOnly), `"0001-01-01"`},
		{"unix seconds", UnixTime, `-62135596800`},
		{"unix seconds as a string", UnixTime, `"-62135596800"`},
		{"host parser", func(string) (time.Time, error) { return time.Time{}, nil }, `"unknown"`},
	}
	for _, tt := range tests {
		cfg := Config{
			Client:         memClient(reply(200, `{"value": 1.25, "at": `+tt.at+`}`)),
			URL:            "https://api.example.com/v1/{symbol}",
			Value:          "value",
			Timestamp:      "at",
			ParseTimestamp: tt.parse,
		}
		res, err := mustNew(t, cfg).Fetch(context.Background(), providers.Request{Params: map[string]string{"symbol": "IBM"}})
		require.Error(t, err, "%s: answered %+v", tt.name, res)
		assert.Equal(t, providers.DataQuality, asProviderError(t, err).Class, tt.name)
		assert.ErrorIs(t, err, ErrBadTimestamp, tt.name)
		assert.ErrorContains(t, err, "is the zero time", tt.name)
	}

	cfg := Config{
		Client:    memClient(reply(200, `{"value": 1.25, "at": "0001-01-01T00:00:01Z"}`)),
		URL:       "https://api.example.com/v1/{symbol}",
		Value:     "value",
		Timestamp: "at",
	}
	res, err := mustNew(t, cfg).Fetch(context.Background(), providers.Request{Params: map[string]string{"symbol": "IBM"}})
	require.NoError(t, err)
	assert.Equal(t, time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC), res.ObservedAt)
}

// A quote of a response is cut, when longer than snippetLen, before the
// word the cut falls in — a piece of a sensitive value the resolver
// redacts only in runs of 8 characters would otherwise survive — and the
// cut is always marked "…", whether or not a secret was redacted.
func TestSnippetCutsBeforeAWordAndMarksTheCut(t *testing.T) {
	none := newRedactor()
	pad := strings.Repeat("-", snippetLen-len("phone 5551234"))
	tests := []struct {
		name string
		red  redactor
		in   string
		want string
	}{
		{"short: as is", none, "no account", "no account"},
		{"exactly the limit: as is", none, strings.Repeat("a", snippetLen), strings.Repeat("a", snippetLen)},
		{"a cut on a space at the limit keeps its 200 bytes, then the mark", none, strings.Repeat("a", snippetLen) + " b", strings.Repeat("a", snippetLen) + "…"},
		{"a number cut after its 7th digit is dropped whole", none,
			pad + "phone 5551234567 (check it)", pad + "phone…"},
		{"cut on a space: the words before stay", none,
			strings.Repeat("ab ", snippetLen/3) + "cdef", strings.TrimSpace(strings.Repeat("ab ", snippetLen/3)) + "…"},
		{"an e-mail address is one word", none,
			strings.Repeat("x", snippetLen-10) + " to jane.doe@example.com", strings.Repeat("x", snippetLen-10) + " to…"},
		{"JSON: quotes end a word", none,
			`{"error":"` + strings.Repeat("y", snippetLen-24) + `","phone":"5551234567"}`, `{"error":"` + strings.Repeat("y", snippetLen-24) + `","phone":"…`},
		{"a word longer than the limit leaves only the mark", none, strings.Repeat("9", 3*snippetLen), "…"},
		{"letters beyond ASCII belong to the word", none,
			strings.Repeat("z", snippetLen-4) + " Zoë Émile", strings.Repeat("z", snippetLen-4) + "…"},
		{"the mark of a redaction is not cut", newRedactor(providers.NewSecret("s3cr3t-k3y-0123")),
			strings.Repeat("y", snippetLen-5) + " s3cr3t-k3y-0123 tail", strings.Repeat("y", snippetLen-5) + " […"},
		{"cut before redaction too (a long credential leaves room)", newRedactor(providers.NewSecret("k")),
			strings.Repeat("w ", 200) + "5551234567", strings.TrimSpace(strings.Repeat("w ", snippetLen/2)) + "…"},
	}
	for _, tt := range tests {
		got := snippet(tt.red, tt.in)
		assert.Equal(t, tt.want, got, tt.name)
		assert.LessOrEqual(t, len(got), snippetLen+len("…"), tt.name)
		assert.NotRegexp(t, `55512|12345|23456|34567`, got, tt.name)
	}
	assert.Equal(t, "123…", truncate("123 4567890", 9), "truncate cuts before the word too")
	assert.Equal(t, "abc", truncate("abc", 3))
}

// gzipped returns b gzip-compressed.
func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

// A body that arrived whole but does not decode as its Content-Encoding
// says (net/http un-gzips it) is the server's answer — garbage, every time
// it is asked — so DataQuality (ErrBadBody) on a 2xx, the status's class
// otherwise; a gzip body cut short is the transport's, Transient.
func TestFetchCorruptGzipIsDataQuality(t *testing.T) {
	good := gzipped([]byte(`{"value":1}`))
	badCRC := slices.Clone(good)
	badCRC[len(badCRC)-5] ^= 0xff // in the CRC-32 trailer
	badDeflate := append(slices.Clone(good[:10]), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
	serve := func(status int, body []byte) *httptest.Server {
		return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			w.WriteHeader(status)
			_, _ = w.Write(body)
		}))
	}
	fetch := func(srv *httptest.Server) error {
		p := mustNew(t, Config{Client: srv.Client(), URL: srv.URL + "/v1/{symbol}", Value: "value"})
		_, err := p.Fetch(context.Background(), providers.Request{Params: map[string]string{"symbol": "IBM"}})
		return err
	}
	for _, tt := range []struct {
		name, text string
		body       []byte
	}{
		{"not gzip", "gzip: invalid header", []byte(`{"value":1}`)},
		{"bad checksum", "gzip: invalid checksum", badCRC},
		{"bad deflate data", "flate: corrupt input", badDeflate},
	} {
		srv := serve(200, tt.body)
		err := fetch(srv)
		srv.Close()
		pe := asProviderError(t, err)
		assert.Equal(t, providers.DataQuality, pe.Class, "%s: %v", tt.name, err)
		assert.Equal(t, 200, pe.StatusCode, tt.name)
		assert.ErrorIs(t, err, ErrBadBody, tt.name)
		assert.NotErrorIs(t, err, ErrTransport, tt.name)
		assert.ErrorContains(t, err, "the body does not decode as its Content-Encoding says: "+tt.text, tt.name)

		srv = serve(503, tt.body)
		err = fetch(srv)
		srv.Close()
		pe = asProviderError(t, err)
		assert.Equal(t, providers.Unavailable, pe.Class, "%s on a 503: %v", tt.name, err)
		assert.ErrorIs(t, err, ErrStatus, tt.name)
	}

	// Cut short: the connection closes before the Content-Length is sent.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n", len(good))
		_, _ = buf.Write(good[:len(good)/2])
		_ = buf.Flush()
	}))
	defer srv.Close()
	err := fetch(srv)
	assert.Equal(t, providers.Transient, asProviderError(t, err).Class, "cut short: %v", err)
	assert.ErrorIs(t, err, ErrTransport, "cut short")
}

// A value or timestamp that does not parse is quoted once, cut like a
// snippet with its length beside it; the parser's reason is kept without
// the parser's own quote of its whole input (strconv's and time's errors
// quote all of it: a 900 KiB value made a 0.9 MB error).
func TestFetchBoundsTheQuoteOfAnInputThatDoesNotParse(t *testing.T) {
	const n = 900 << 10
	tests := []struct {
		name   string
		at     string // the timestamp's JSON, "" for none
		value  string // the value's JSON
		parseT func(string) (time.Time, error)
		parseV func(string) (float64, error)
		is     error
		reason string
	}{
		{"value, not a number", "", `"` + strings.Repeat("9", n) + `e9x"`, nil, nil,
			ErrBadValue, `"…" (921603 bytes) at "value": "…" is not a decimal number`},
		{"value, out of range (a *strconv.NumError)", "", strings.Repeat("9", n), nil, nil,
			ErrBadValue, `"…" (921600 bytes) at "value": value out of range`},
		{"value, a host parser quoting its input", "", `"` + strings.Repeat("z", n) + `"`, nil,
			func(s string) (float64, error) { return 0, fmt.Errorf("no number in %s", s) },
			ErrBadValue, `"…" (921600 bytes) at "value": no number in…`},
		{"timestamp, not a time (a *time.ParseError)", `"` + strings.Repeat("x", n) + `"`, "1", nil, nil,
			ErrBadTimestamp, `"…" (921600 bytes) at "at": cannot parse "…" as "2006"`},
		{"timestamp, extra text", `"2024-03-01T00:00:00Z ` + strings.Repeat("x", n) + `"`, "1", nil, nil,
			ErrBadTimestamp, `"2024-03-01T00:00:00Z…" (921621 bytes) at "at": extra text: "…`},
		{"timestamp, unix seconds with a bad fraction", `"1.` + strings.Repeat("7", n) + `"`, "1", UnixTime, nil,
			ErrBadTimestamp, `"…" (921602 bytes) at "at": bad fraction in "…"`},
		{"short value: quoted whole, the reason kept", "", `"12%"`, nil, nil,
			ErrBadValue, `"12%" at "value": "12%" is not a decimal number`},
		{"short timestamp", `"yesterday"`, "1", nil, nil,
			ErrBadTimestamp, `"yesterday" at "at": cannot parse "yesterday" as "2006"`},
	}
	for _, tt := range tests {
		body := `{"value":` + tt.value + `}`
		cfg := Config{URL: "https://api.example.com/v1/{symbol}", Value: "value", ParseValue: tt.parseV}
		if tt.at != "" {
			body = `{"value":` + tt.value + `,"at":` + tt.at + `}`
			cfg.Timestamp, cfg.ParseTimestamp = "at", tt.parseT
		}
		cfg.Client = memClient(reply(200, body))
		_, err := mustNew(t, cfg).Fetch(context.Background(), providers.Request{Params: map[string]string{"symbol": "IBM"}})
		assert.Equal(t, providers.DataQuality, asProviderError(t, err).Class, tt.name)
		assert.ErrorIs(t, err, tt.is, tt.name)
		assert.Less(t, len(err.Error()), 2*snippetLen+200, "%s: %.300s", tt.name, err)
		assert.ErrorContains(t, err, tt.reason, tt.name)
	}
}
