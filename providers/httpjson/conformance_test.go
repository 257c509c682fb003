package httpjson_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

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

func TestConformance(t *testing.T) {
	providertest.Run(t, func(t *testing.T) providertest.Subject {
		mux := http.NewServeMux()
		mux.HandleFunc("GET /v1/{symbol}/quote", conformanceHandler)
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		p, err := httpjson.New(httpjson.Config{
			Client:     srv.Client(),
			URL:        srv.URL + "/v1/{symbol}/quote",
			Credential: httpjson.Credential{In: httpjson.CredentialQuery, Name: "apikey"},
			Value:      "quote.price",
			Timestamp:  "quote.at",
			ErrorRules: []httpjson.ErrorRule{{Path: "Information", Contains: "premium", Class: providers.Permanent}},
		})
		if err != nil {
			t.Fatal(err)
		}
		req := func(symbol, key string) providers.Request {
			return providers.Request{DataType: "stock_price", Params: map[string]string{"symbol": symbol},
				Credential: providers.NewSecret(key)}
		}
		hang := req("hang", "k3y")
		return providertest.Subject{
			Provider: p,
			Request:  req("IBM", "k3y"),
			Hang:     &hang,
			Failures: []providertest.Failure{
				{Name: "unknown symbol", Request: req("nosuch", "k3y"), Class: providers.Permanent},
				{Name: "rate limited", Request: req("busy", "k3y"), Class: providers.RateLimit},
				{Name: "maintenance", Request: req("maintenance", "k3y"), Class: providers.Unavailable},
				{Name: "premium endpoint", Request: req("premium", "k3y"), Class: providers.Permanent},
				{Name: "NaN value", Request: req("garbage", "k3y"), Class: providers.DataQuality},
				{Name: "bad key", Request: req("IBM", "wrong"), Class: providers.Auth},
				{Name: "no key", Request: req("IBM", ""), Class: providers.Auth},
				{Name: "missing param", Request: providers.Request{Credential: providers.NewSecret("k3y")}, Class: providers.Permanent},
			},
		}
	})
}
