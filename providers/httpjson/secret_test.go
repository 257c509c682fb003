package httpjson

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/internal/leakcheck"
)

// distinctiveKey escapes differently in a query ("+", "%2F", "%26") and in
// a path, so each escaped form is checked too.
const distinctiveKey = "sk_live_Z9q/X+7&w=K2 ~end"

// assertNoSecret fails if the credential, in any form (see
// leakcheck.Forms) or as a recognisable fragment, shows in anything err
// exposes: its text through every common verb, and each error in its
// chain, a *url.Error's URL field included — also once that text is
// percent-decoded up to three times, as a reader of the log could.
func assertNoSecret(t *testing.T, name string, err error) {
	t.Helper()
	require.Error(t, err, name)
	texts := leakcheck.Texts(err)
	for _, s := range texts {
		for range 3 {
			u, err := url.PathUnescape(s)
			if err != nil || u == s {
				break
			}
			texts, s = append(texts, u), u
		}
	}
	leakcheck.Absent(t, []string{distinctiveKey, "sk_live_Z9q"}, texts, name)
	leakcheck.NoPieces(t, []string{distinctiveKey}, texts, name)
}

func secretRequest() providers.Request {
	return providers.Request{
		Params:     map[string]string{"symbol": "IBM", "interval": "5min"},
		Credential: providers.NewSecret(distinctiveKey),
	}
}

func TestSecretsNeverInErrors(t *testing.T) {
	echo := func(status int, format string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			fmt.Fprintf(w, format, r.URL.Query().Get("apikey"))
		}
	}
	// marked: the key sits in quoted text, so the marker shows in its
	// place.
	tests := []struct {
		name   string
		h      http.HandlerFunc
		rules  []ErrorRule
		class  providers.Class
		marked bool
	}{
		{"status error echoing the key in its body", echo(401, `{"error":"key %s is not valid"}`), nil, providers.Auth, true},
		{"rule message echoing the key (Alpha Vantage style)",
			echo(200, `{"Information":"We have detected your API key as %s and our standard API rate limit is 25 requests per day."}`),
			[]ErrorRule{{Path: "Information", Contains: "rate limit", Class: providers.RateLimit}}, providers.RateLimit, true},
		{"value echoing the key", echo(200, `{"data":{"points":[{"at":"2024-03-01","value":"%s"}]}}`), nil, providers.DataQuality, true},
		{"timestamp echoing the key", echo(200, `{"data":{"points":[{"at":"%s","value":1}]}}`), nil, providers.DataQuality, true},
		{"broken JSON around the key", echo(200, `{"data": %s`), nil, providers.DataQuality, false},
		{"key at the start of a long body", echo(500, `%s`+strings.Repeat("x", 1000)), nil, providers.Transient, false},
		{"key straddling the snippet cut", echo(500, strings.Repeat("y", snippetLen-5)+`%s`), nil, providers.Transient, false},
		{"status error echoing the key JSON-escaped as PHP does", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(401)
			fmt.Fprintf(w, `{"error":"invalid key %s"}`, strings.ReplaceAll(r.URL.Query().Get("apikey"), "/", `\/`))
		}, nil, providers.Auth, true},
		{"status error echoing the key \\u-escaped", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(401)
			var u strings.Builder
			for _, c := range r.URL.Query().Get("apikey") {
				fmt.Fprintf(&u, `\u%04x`, c)
			}
			fmt.Fprintf(w, `{"error":"invalid key %s"}`, u.String())
		}, nil, providers.Auth, true},
		{"status error echoing the key in an HTML page", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(403)
			fmt.Fprintf(w, `<p>invalid key %s</p>`, template.HTMLEscapeString(r.URL.Query().Get("apikey")))
		}, nil, providers.Auth, true},
		{"401 page linking back to the request, its URI query-escaped (the key escaped twice)", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(401)
			fmt.Fprintf(w, `<a href="/login?next=%s">sign in</a>`, url.QueryEscape(r.URL.RequestURI()))
		}, nil, providers.Auth, true},
		{"status error echoing the key escaped three times", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"error":"bad key %s"}`, url.PathEscape(url.QueryEscape(url.QueryEscape(r.URL.Query().Get("apikey")))))
		}, nil, providers.Permanent, true},
		{"status error echoing the query-escaped key HTML-escaped", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(401)
			fmt.Fprintf(w, `<p>invalid key %s</p>`, strings.ReplaceAll(url.QueryEscape(r.URL.Query().Get("apikey")), "%", "&#37;"))
		}, nil, providers.Auth, true},
		{"status error echoing the key lower-cased", echoWith(401, `{"error":"key %s is not valid"}`, strings.ToLower), nil, providers.Auth, true},
		{"value padded so that its quote is cut inside the key", echo(200, `{"data":{"points":[{"at":"2024-03-01","value":"xxxxxxxxx%s"}]}}`), nil, providers.DataQuality, true},
		{"timestamp whose parse error quotes the key's tail", echo(200, `{"data":{"points":[{"at":"2024-03-0%s","value":1}]}}`), nil, providers.DataQuality, true},
		// The refused redirect's URL is not quoted at all: only its host.
		{"redirect to another host carrying the key", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://evil.example.net/?k="+url.QueryEscape(r.URL.Query().Get("apikey"))+"&raw="+r.URL.Query().Get("apikey"), http.StatusFound)
		}, nil, providers.Unavailable, false},
	}
	for _, tt := range tests {
		cfg := quoteConfig(memClient(tt.h))
		cfg.ErrorRules = tt.rules
		_, err := mustNew(t, cfg).Fetch(context.Background(), secretRequest())
		assert.Equal(t, tt.class, asProviderError(t, err).Class, "%s: %v", tt.name, err)
		if tt.marked {
			assert.ErrorContains(t, err, providers.Redacted, tt.name)
		}
		assertNoSecret(t, tt.name, err)
	}
}

// echoWith is an echo handler that passes the key through f first.
func echoWith(status int, format string, f func(string) string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		fmt.Fprintf(w, format, f(r.URL.Query().Get("apikey")))
	}
}

// A redirect to a host AllowRedirectHosts lets through does not carry the
// credential there, in whatever placement: not its header, not its query
// param, not the Referer holding the previous URL.
func TestRedirectToAnAllowedHostWithholdsTheCredential(t *testing.T) {
	for _, in := range []CredentialPlacement{CredentialQuery, CredentialHeader, CredentialBearer} {
		t.Run(fmt.Sprint(in), func(t *testing.T) {
			var mu sync.Mutex
			var seen []http.Header
			var urls []string
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Host == "api.example.com" {
					target := "https://cdn.example.com/v1/q"
					if in == CredentialQuery {
						target += "?apikey=" + url.QueryEscape(r.URL.Query().Get("apikey"))
					}
					http.Redirect(w, r, target, http.StatusFound)
					return
				}
				mu.Lock()
				seen = append(seen, r.Header.Clone())
				urls = append(urls, r.URL.String())
				mu.Unlock()
				_, _ = io.WriteString(w, `{"data":{"points":[{"at":"2024-03-01","value":7}]}}`)
			})
			cfg := quoteConfig(memClient(h))
			cfg.AllowRedirectHosts = []string{"cdn.example.com"}
			cfg.Credential = Credential{In: in, Name: "apikey"}
			if in == CredentialHeader {
				cfg.Credential.Name = "X-Api-Key"
			}
			if in == CredentialBearer {
				cfg.Credential.Name = ""
			}
			res, err := mustNew(t, cfg).Fetch(context.Background(), secretRequest())
			require.NoError(t, err)
			assert.Equal(t, 7.0, res.Value)
			mu.Lock()
			defer mu.Unlock()
			require.Len(t, seen, 1)
			var texts []string
			for k, v := range seen[0] {
				texts = append(texts, k+": "+strings.Join(v, ","))
			}
			texts = append(texts, urls...)
			leakcheck.Absent(t, []string{distinctiveKey}, texts)
			assert.Empty(t, seen[0].Get("Referer"))
		})
	}
}

// leakyTransport fails with an error quoting the full URL, as a proxy or a
// wrapping transport might.
type leakyTransport struct{}

func (leakyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, fmt.Errorf("proxy refused %s (auth %s)", r.URL.String(), r.Header.Get("Authorization"))
}

func TestSecretsNeverInTransportErrors(t *testing.T) {
	// A refused connection: the client's *url.Error quotes the whole URL,
	// so none is kept; the dial error is, rebuilt.
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	cfg := quoteConfig(http.DefaultClient)
	cfg.URL = base + "/v1/{symbol}/quote?interval={interval}"
	_, err := mustNew(t, cfg).Fetch(context.Background(), secretRequest())
	assert.Equal(t, providers.Unavailable, asProviderError(t, err).Class, "connection refused: %v", err)
	assert.ErrorIs(t, err, ErrTransport)
	assert.ErrorIs(t, err, syscall.ECONNREFUSED)
	var ue *url.Error
	assert.False(t, errors.As(err, &ue), "a *url.Error, which quotes the request's URL, is kept: %v", err)
	assert.ErrorContains(t, err, "httpjson: request failed: GET "+base+"/v1/{symbol}/quote: dial tcp ")
	assertNoSecret(t, "connection refused", err)

	// A transport whose own error text holds the key, in the query and in
	// a bearer header: its text is withheld, its type named.
	for _, cred := range []Credential{{In: CredentialQuery, Name: "apikey"}, {In: CredentialBearer}} {
		cfg := quoteConfig(&http.Client{Transport: leakyTransport{}})
		cfg.Credential = cred
		_, err := mustNew(t, cfg).Fetch(context.Background(), secretRequest())
		name := fmt.Sprintf("leaky transport, %+v", cred)
		assertNoSecret(t, name, err)
		assert.ErrorIs(t, err, ErrTransport, name)
		assert.EqualError(t, err, "providers: transient: httpjson: request failed: GET https://api.example.com/v1/{symbol}/quote: "+
			"*errors.errorString (its text is withheld)", name)
	}
}

func TestSecretsSigningKeyNeverInErrors(t *testing.T) {
	h := func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		_, _ = io.WriteString(w, "bad signature for key "+distinctiveKey)
	}
	_, err := mustNew(t, Config{
		Client:  memClient(http.HandlerFunc(h)),
		URL:     "https://api.example.com/v1",
		Value:   "v",
		Signing: &Signing{Key: providers.NewSecret(distinctiveKey)},
	}).Fetch(context.Background(), providers.Request{})
	assert.Equal(t, providers.Permanent, asProviderError(t, err).Class)
	assertNoSecret(t, "signing key echoed", err)
}

func TestRedactor(t *testing.T) {
	r := newRedactor(providers.NewSecret("a/b c"), providers.Secret{})
	assert.Equal(t, "x [REDACTED] y [REDACTED] z [REDACTED]", r.string("x a/b c y a%2Fb+c z a%2Fb%20c"))
	assert.False(t, newRedactor().contains("anything"), "an empty redactor must change nothing")
	assert.Equal(t, "x", newRedactor(providers.Secret{}).string("x"), "an empty redactor must change nothing")
	assert.NoError(t, r.scrub(nil))
	plain := errors.New("no secret here")
	assert.Same(t, plain, r.scrub(plain), "scrub must keep a clean error as is")
	s := r.scrub(fmt.Errorf("a/b c: %w", context.DeadlineExceeded))
	assert.ErrorIs(t, s, context.DeadlineExceeded)
	assert.NotContains(t, s.Error(), "a/b c")
}

// A redirect to a host AllowRedirectHosts lets through does not carry
// Signing's headers, under their default or configured names: the origin
// would accept them, for the original request, within its clock-skew
// window — a replayable token. A redirect to the URL's own host keeps
// them.
func TestRedirectToAnAllowedHostWithholdsTheSignature(t *testing.T) {
	for _, sg := range []Signing{
		{Key: providers.NewSecret("hmac-signing-key-0123456789")},
		{Key: providers.NewSecret("hmac-signing-key-0123456789"), Header: "X-Api-Sig", TimestampHeader: "X-Api-Time", RFC3339Timestamp: true},
	} {
		sigHeader, tsHeader := cmpOr(sg.Header, "X-Signature"), cmpOr(sg.TimestampHeader, "X-Timestamp")
		var mu sync.Mutex
		seen := map[string]http.Header{}
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen[r.URL.Host+r.URL.Path] = r.Header.Clone()
			mu.Unlock()
			switch r.URL.Host + r.URL.Path {
			case "api.example.com/v1/IBM":
				http.Redirect(w, r, "/v1/same-host", http.StatusFound)
			case "api.example.com/v1/same-host":
				http.Redirect(w, r, "https://cdn.example.com/mirror", http.StatusFound)
			default:
				_, _ = io.WriteString(w, `{"value":7}`)
			}
		})
		p := mustNew(t, Config{
			Client:             memClient(h),
			URL:                "https://api.example.com/v1/{symbol}",
			Value:              "value",
			Signing:            &sg,
			AllowRedirectHosts: []string{"cdn.example.com"},
		})
		res, err := p.Fetch(context.Background(), providers.Request{Params: map[string]string{"symbol": "IBM"}})
		require.NoError(t, err, sigHeader)
		assert.Equal(t, 7.0, res.Value)
		mu.Lock()
		require.Len(t, seen, 3, sigHeader)
		for _, path := range []string{"api.example.com/v1/IBM", "api.example.com/v1/same-host"} {
			assert.NotEmpty(t, seen[path].Get(sigHeader), "%s: the URL's own host gets the signature", path)
			assert.NotEmpty(t, seen[path].Get(tsHeader), "%s: the URL's own host gets the timestamp", path)
		}
		assert.Empty(t, seen["cdn.example.com/mirror"].Get(sigHeader), "the other host got the signature in %s", sigHeader)
		assert.Empty(t, seen["cdn.example.com/mirror"].Get(tsHeader), "the other host got the timestamp in %s", tsHeader)
		mu.Unlock()
	}
}

func cmpOr(s, def string) string {
	if s != "" {
		return s
	}
	return def
}
