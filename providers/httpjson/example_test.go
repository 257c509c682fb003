package httpjson_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/httpjson"
)

// A quote API that wants its key in a header, answers the price as a
// string and reports its quota in X-RateLimit-* headers.
func Example() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/quote/{symbol}", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-API-Key") != "demo-key" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("X-RateLimit-Limit", "100")
		w.Header().Set("X-RateLimit-Remaining", "99")
		fmt.Fprintf(w, `{"quote": {"symbol": %q, "05. price": "188.2000", "as of": "2024-03-01"}}`, r.PathValue("symbol"))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	p, err := httpjson.New(httpjson.Config{
		Client:         srv.Client(), // the host's client; strata never picks one
		URL:            srv.URL + "/v1/quote/{symbol}",
		Credential:     httpjson.Credential{In: httpjson.CredentialHeader, Name: "X-API-Key"},
		Value:          `quote["05. price"]`,
		Timestamp:      `quote.as of`,
		ParseTimestamp: httpjson.TimeLayout(time.DateOnly),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := p.Fetch(context.Background(), providers.Request{
		DataType:   "stock_price",
		Params:     map[string]string{"symbol": "IBM"},
		Credential: providers.NewSecret("demo-key"),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Value, res.ObservedAt.Format(time.DateOnly), res.Quota.Remaining, "of", res.Quota.Limit)
	fmt.Println("params:", p.Params())
	// Output:
	// 188.2 2024-03-01 99 of 100
	// params: [symbol]
}

// An API that reports its rate limit in a 200 body, and a request whose
// key must not leak into the error.
func ExampleErrorRule() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"Note": "Your key %s has made too many calls; wait a minute."}`, r.URL.Query().Get("apikey"))
	}))
	defer srv.Close()

	p, err := httpjson.New(httpjson.Config{
		Client:     srv.Client(),
		URL:        srv.URL + "/query?function=GLOBAL_QUOTE&symbol={symbol}",
		Credential: httpjson.Credential{In: httpjson.CredentialQuery, Name: "apikey"},
		Value:      `["Global Quote"]["05. price"]`,
		ErrorRules: []httpjson.ErrorRule{
			{Path: "Note", Class: providers.RateLimit, RetryAfter: time.Minute},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = p.Fetch(context.Background(), providers.Request{
		Params:     map[string]string{"symbol": "IBM"},
		Credential: providers.NewSecret("SECRET123"),
	})
	fmt.Println(errors.Is(err, providers.ErrRateLimit), providers.RetryAfter(err))
	fmt.Println(strings.ReplaceAll(err.Error(), srv.Listener.Addr().String(), "HOST"))
	// Output:
	// true 1m0s
	// providers: rate_limit (status 200) (retry after 1m0s): httpjson: the API reported an error: GET http://HOST/query: Your key [REDACTED] has made too many calls; wait a minute.
}

// The configuration docs/http-providers.md shows under "Writing your own
// with httpjson", against a stand-in for api.example.com.
func ExampleNew() {
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Header.Get("X-API-Key") != "demo-key":
			w.WriteHeader(http.StatusUnauthorized)
		case r.URL.Path == "/v1/IBM/quote":
			fmt.Fprintf(w, `{"data": {"points": [{"at": "2024-02-29", "value": 187.1}, {"at": "2024-03-01", "value": 188.2}]}, "interval": %q}`, r.URL.Query().Get("interval"))
		default:
			fmt.Fprint(w, `{"error": {"code": "QUOTA_EXCEEDED"}}`)
		}
	}))
	defer api.Close()
	hostClient := &http.Client{Transport: toServer{api}}

	p, err := httpjson.New(httpjson.Config{
		Client:         hostClient,
		URL:            "https://api.example.com/v1/{symbol}/quote?interval={interval}",
		Credential:     httpjson.Credential{In: httpjson.CredentialHeader, Name: "X-API-Key"},
		Value:          `data.points[-1].value`,
		Timestamp:      `data.points[-1].at`,
		ParseTimestamp: httpjson.TimeLayout(time.DateOnly),
		ErrorRules:     []httpjson.ErrorRule{{Path: "error.code", Contains: "quota", Class: providers.RateLimit}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, symbol := range []string{"IBM", "MSFT"} {
		res, err := p.Fetch(context.Background(), providers.Request{
			Params:     map[string]string{"symbol": symbol, "interval": "1d"},
			Credential: providers.NewSecret("demo-key"),
		})
		if err != nil {
			fmt.Println(symbol, providers.Classify(err))
			continue
		}
		fmt.Println(symbol, res.Value, res.ObservedAt.Format(time.DateOnly))
	}
	// Output:
	// IBM 188.2 2024-03-01
	// MSFT rate_limit
}

// toServer sends every request to srv, whatever its URL's host.
type toServer struct{ srv *httptest.Server }

func (t toServer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Host = t.srv.Listener.Addr().String()
	return t.srv.Client().Transport.RoundTrip(r)
}
