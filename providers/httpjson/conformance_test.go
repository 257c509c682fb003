package httpjson_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/httpjson"
	"github.com/strata-go/strata/providers/providertest"
)

// conformanceHandler is a quote API: "hang" never answers, a few symbols
// fail in the ways an API does, the rest answer.
func conformanceHandler(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("apikey") != "k3y" {
		http.Error(w, `{"error":"bad key"}`, http.StatusUnauthorized)
		return
	}
	w.Header().Set("RateLimit", `"default";r=41;t=30`)
	w.Header().Set("RateLimit-Policy", `"default";q=60;w=60`)
	switch sym := r.PathValue("symbol"); sym {
	case "hang":
		<-r.Context().Done()
	case "nosuch":
		http.Error(w, `{"error":"unknown symbol"}`, http.StatusNotFound)
	case "busy":
		w.Header().Set("Retry-After", "2")
		http.Error(w, `{"error":"slow down"}`, http.StatusTooManyRequests)
	case "maintenance":
		http.Error(w, `{"error":"down for maintenance"}`, http.StatusServiceUnavailable)
	case "premium":
		fmt.Fprint(w, `{"Information": "This is a premium endpoint."}`)
	case "garbage":
		fmt.Fprint(w, `{"quote": {"price": "NaN"}}`)
	default:
		fmt.Fprintf(w, `{"quote": {"symbol": %q, "price": "188.20", "at": "2024-03-01T21:00:00Z"}}`, sym)
	}
}

// conformanceSubject serves the quote API through p, which newProvider
// builds from the API's Config.
func conformanceSubject(t *testing.T, newProvider func(httpjson.Config) (providers.Provider, error)) providertest.Subject {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/{symbol}/quote", conformanceHandler)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	p, err := newProvider(httpjson.Config{
		Client:     srv.Client(),
		URL:        srv.URL + "/v1/{symbol}/quote",
		Credential: httpjson.Credential{In: httpjson.CredentialQuery, Name: "apikey"},
		Value:      "quote.price",
		Timestamp:  "quote.at",
		ErrorRules: []httpjson.ErrorRule{{Path: "Information", Contains: "premium", Class: providers.Permanent}},
	})
	require.NoError(t, err)
	req := func(symbol, key string) providers.Request {
		return providers.Request{DataType: "stock_price", Params: map[string]string{"symbol": symbol},
			Credential: providers.NewSecret(key)}
	}
	fail := func(name, symbol, key string, class providers.Class) providertest.Failure {
		return providertest.Failure{Name: name, Request: req(symbol, key), Class: class}
	}
	missing := fail("missing param", "", "k3y", providers.Permanent)
	missing.Request.Params = nil
	hang := req("hang", "k3y")
	return providertest.Subject{Provider: p, Request: req("IBM", "k3y"), Hang: &hang, Failures: []providertest.Failure{
		fail("unknown symbol", "nosuch", "k3y", providers.Permanent),
		fail("rate limited", "busy", "k3y", providers.RateLimit),
		fail("maintenance", "maintenance", "k3y", providers.Unavailable),
		fail("premium endpoint", "premium", "k3y", providers.Permanent),
		fail("NaN value", "garbage", "k3y", providers.DataQuality),
		fail("bad key", "IBM", "wrong", providers.Auth),
		fail("no key", "IBM", "", providers.Auth),
		missing,
	}}
}

func TestConformance(t *testing.T) {
	providertest.Run(t, func(t *testing.T) providertest.Subject {
		return conformanceSubject(t, func(cfg httpjson.Config) (providers.Provider, error) { return httpjson.New(cfg) })
	})
}

func TestMuxConformance(t *testing.T) {
	providertest.Run(t, func(t *testing.T) providertest.Subject {
		s := conformanceSubject(t, func(cfg httpjson.Config) (providers.Provider, error) {
			return httpjson.NewMux(httpjson.MuxConfig{Routes: []httpjson.Route{{DataType: "stock_price", Config: cfg}}})
		})
		other := s.Request
		other.DataType = "cpc"
		s.Failures = append(s.Failures, providertest.Failure{Name: "unknown data type", Request: other, Class: providers.Permanent})
		return s
	})
}
