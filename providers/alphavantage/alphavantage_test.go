package alphavantage_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/alphavantage"
	"github.com/strata-go/strata/providers/providertest"
)

// testKey is distinctive, and escapes differently in a query.
const testKey = "AVK3Y+secret/2024"

// replay serves Alpha Vantage's documented bodies from testdata, chosen by
// function and symbol, as the real API would answer them.
func replay(t testing.TB) http.Handler {
	read := func(name string) []byte {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/query" || r.Method != http.MethodGet {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		w.Header().Set("Content-Type", "application/json")
		body := func(name string) { _, _ = w.Write(read(name)) }
		switch key := q.Get("apikey"); {
		case key == "demo":
			body("demo_key.json")
			return
		case key != testKey:
			body("error_invalid_apikey.json")
			return
		}
		fn, sym := q.Get("function"), q.Get("symbol")
		switch sym {
		case "hang":
			<-r.Context().Done()
			return
		case "LIMIT":
			_, _ = w.Write(bytes.ReplaceAll(read("rate_limit_daily.json"), []byte("{{apikey}}"), []byte(q.Get("apikey"))))
			return
		case "BURST":
			body("rate_limit_burst.json")
			return
		case "NOTE":
			body("rate_limit_note.json")
			return
		case "PREMIUM":
			body("premium_endpoint.json")
			return
		case "DOWN":
			w.Header().Set("Retry-After", "120")
			http.Error(w, "<html><body>Service Temporarily Unavailable</body></html>", http.StatusServiceUnavailable)
			return
		}
		switch {
		case fn == "GLOBAL_QUOTE" && sym == "IBM":
			body("global_quote.json")
		case fn == "GLOBAL_QUOTE":
			body("global_quote_unknown_symbol.json")
		case fn == "TIME_SERIES_DAILY" && sym == "IBM" && q.Get("outputsize") == "compact":
			body("time_series_daily.json")
		default:
			body("error_invalid_call.json")
		}
	})
}

func newProvider(t testing.TB) (*alphavantage.Provider, *httptest.Server) {
	srv := httptest.NewServer(replay(t))
	t.Cleanup(srv.Close)
	p, err := alphavantage.New(alphavantage.Config{Client: srv.Client(), BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	return p, srv
}

func request(dataType, symbol string) providers.Request {
	return providers.Request{
		DataType:   dataType,
		Params:     map[string]string{"symbol": symbol},
		Credential: providers.NewSecret(testKey),
	}
}

func TestQuoteAndDailyClose(t *testing.T) {
	p, _ := newProvider(t)
	tests := []struct {
		dataType string
		value    float64
		at       time.Time
	}{
		{"stock_price", 188.2, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)},
		{"stock_close", 188.2, time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		res, err := p.Fetch(context.Background(), request(tt.dataType, "IBM"))
		if err != nil {
			t.Fatalf("%s: %v", tt.dataType, err)
		}
		if res.Value != tt.value || !res.ObservedAt.Equal(tt.at) || res.Quota != nil {
			t.Errorf("%s: %+v, want %v at %v", tt.dataType, res, tt.value, tt.at)
		}
	}
	if got := p.DataTypes(); !reflect.DeepEqual(got, []string{"stock_price", "stock_close"}) {
		t.Errorf("DataTypes = %v", got)
	}
	for _, dt := range p.DataTypes() {
		if got := p.Params(dt); !reflect.DeepEqual(got, []string{"symbol"}) {
			t.Errorf("Params(%s) = %v", dt, got)
		}
	}
	if p.Params("nope") != nil {
		t.Error("Params of an unknown data type")
	}
}

func TestErrors(t *testing.T) {
	p, _ := newProvider(t)
	tests := []struct {
		name       string
		req        providers.Request
		class      providers.Class
		retryAfter time.Duration
		status     int
	}{
		{"unknown symbol, quote", request("stock_price", "NOSUCH"), providers.Permanent, 0, 200},
		{"unknown symbol, daily", request("stock_close", "NOSUCH"), providers.Permanent, 0, 200},
		{"daily rate limit", request("stock_price", "LIMIT"), providers.RateLimit, 0, 200},
		{"burst rate limit", request("stock_price", "BURST"), providers.RateLimit, time.Second, 200},
		{"legacy per-minute note", request("stock_close", "NOTE"), providers.RateLimit, time.Minute, 200},
		{"premium endpoint", request("stock_close", "PREMIUM"), providers.Permanent, 0, 200},
		{"invalid key", providers.Request{DataType: "stock_price", Params: map[string]string{"symbol": "IBM"},
			Credential: providers.NewSecret("wrong")}, providers.Auth, 0, 200},
		{"demo key", providers.Request{DataType: "stock_price", Params: map[string]string{"symbol": "IBM"},
			Credential: providers.NewSecret("demo")}, providers.Auth, 0, 200},
		{"maintenance", request("stock_price", "DOWN"), providers.Unavailable, 2 * time.Minute, 503},
	}
	for _, tt := range tests {
		_, err := p.Fetch(context.Background(), tt.req)
		var pe *providers.Error
		if !errors.As(err, &pe) {
			t.Fatalf("%s: %v is not a *providers.Error", tt.name, err)
		}
		if pe.Class != tt.class || pe.RetryAfter != tt.retryAfter || pe.StatusCode != tt.status {
			t.Errorf("%s: %v (class %v, retry after %v, status %d); want %v, %v, %d",
				tt.name, err, pe.Class, pe.RetryAfter, pe.StatusCode, tt.class, tt.retryAfter, tt.status)
		}
		for _, form := range []string{testKey, url.QueryEscape(testKey), "AVK3Y"} {
			if strings.Contains(fmt.Sprintf("%v %+v %#v", err, err, err), form) {
				t.Errorf("%s: the key shows in %v", tt.name, err)
			}
		}
	}
	// The daily-limit message echoes the key: it must read redacted.
	_, err := p.Fetch(context.Background(), request("stock_price", "LIMIT"))
	if !strings.Contains(err.Error(), "detected your API key as [REDACTED]") {
		t.Errorf("daily-limit error: %v", err)
	}

	for _, tt := range []struct {
		name string
		req  providers.Request
		cls  providers.Class
	}{
		{"unknown data type", request("cpc", "IBM"), providers.Permanent},
		{"no symbol", providers.Request{DataType: "stock_price", Credential: providers.NewSecret(testKey)}, providers.Permanent},
		{"no key", providers.Request{DataType: "stock_price", Params: map[string]string{"symbol": "IBM"}}, providers.Auth},
	} {
		_, err := p.Fetch(context.Background(), tt.req)
		if got := providers.Classify(err); got != tt.cls {
			t.Errorf("%s: %v (class %v), want %v", tt.name, err, got, tt.cls)
		}
	}
	_, err = p.Fetch(context.Background(), request("cpc", "IBM"))
	if !errors.Is(err, alphavantage.ErrUnknownDataType) {
		t.Errorf("unknown data type: %v", err)
	}
}

func TestNewValidation(t *testing.T) {
	for _, cfg := range []alphavantage.Config{
		{},
		{Client: http.DefaultClient, BaseURL: "ftp://x"},
		{Client: http.DefaultClient, BaseURL: "https://x/?a=1"},
		{Client: http.DefaultClient, BaseURL: "https://x/{p}"},
		{Client: http.DefaultClient, BaseURL: "https://user@x"},
		{Client: http.DefaultClient, QuoteDataType: "same", DailyCloseDataType: "same"},
		{Client: http.DefaultClient, MaxBodyBytes: -1},
	} {
		_, err := alphavantage.New(cfg)
		if !errors.Is(err, alphavantage.ErrInvalidConfig) || !strings.HasPrefix(err.Error(), "alphavantage: invalid config: ") {
			t.Errorf("New(%+v) = %v, want ErrInvalidConfig", cfg, err)
		}
	}
	p, err := alphavantage.New(alphavantage.Config{Client: http.DefaultClient, QuoteDataType: "quote", DailyCloseDataType: "close"})
	if err != nil || !reflect.DeepEqual(p.DataTypes(), []string{"quote", "close"}) {
		t.Errorf("renamed data types: %v, %v", p, err)
	}
}

func TestConformance(t *testing.T) {
	for _, dataType := range []string{"stock_price", "stock_close"} {
		t.Run(dataType, func(t *testing.T) {
			providertest.Run(t, func(t *testing.T) providertest.Subject {
				p, _ := newProvider(t)
				hang := request(dataType, "hang")
				return providertest.Subject{
					Provider: p,
					Request:  request(dataType, "IBM"),
					Hang:     &hang,
					Failures: []providertest.Failure{
						{Name: "unknown symbol", Request: request(dataType, "NOSUCH"), Class: providers.Permanent},
						{Name: "rate limit", Request: request(dataType, "LIMIT"), Class: providers.RateLimit},
						{Name: "maintenance", Request: request(dataType, "DOWN"), Class: providers.Unavailable},
						{Name: "unknown data type", Request: request("cpc", "IBM"), Class: providers.Permanent},
					},
				}
			})
		})
	}
}
