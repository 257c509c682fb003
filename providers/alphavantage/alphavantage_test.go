package alphavantage_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/alphavantage"
	"github.com/strata-go/strata/providers/internal/adaptertest"
	"github.com/strata-go/strata/providers/providertest"
)

// testKey is distinctive, and escapes differently in a query.
const testKey = "AVK3Y+secret/2024"

// replay serves Alpha Vantage's documented bodies from testdata, chosen by
// function and symbol, as the real API would answer them.
func replay(t testing.TB) http.Handler {
	read := func(name string) []byte {
		b, err := os.ReadFile("testdata/" + name)
		assert.NoError(t, err)
		return b
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/query" || r.Method != http.MethodGet {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		body := func(name string) { adaptertest.Send(t, w, http.StatusOK, "application/json", name) }
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
			w.Header().Set("Content-Type", "application/json")
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
	srv := adaptertest.Serve(t, replay(t))
	p, err := alphavantage.New(alphavantage.Config{Client: srv.Client(), BaseURL: srv.URL})
	require.NoError(t, err)
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
	for _, dataType := range []string{"stock_price", "stock_close"} {
		res, err := p.Fetch(context.Background(), request(dataType, "IBM"))
		require.NoError(t, err, dataType)
		assert.Equal(t, providers.Response{Value: 188.2, ObservedAt: time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)}, res, dataType)
	}
	assert.Equal(t, []string{"stock_price", "stock_close"}, p.DataTypes())
	for _, dt := range p.DataTypes() {
		assert.Equal(t, []string{"symbol"}, p.Params(dt), dt)
	}
	assert.Nil(t, p.Params("nope"))
}

func TestErrors(t *testing.T) {
	p, _ := newProvider(t)
	withKey := func(key string) providers.Request {
		req := request("stock_price", "IBM")
		req.Credential = providers.NewSecret(key)
		return req
	}
	adaptertest.CheckFailures(t, p, []string{testKey, "AVK3Y"},
		adaptertest.Failure{Name: "unknown symbol, quote", Request: request("stock_price", "NOSUCH"), Class: providers.Permanent, Status: 200},
		adaptertest.Failure{Name: "unknown symbol, daily", Request: request("stock_close", "NOSUCH"), Class: providers.Permanent, Status: 200},
		// The daily-limit message echoes the key: it must read redacted.
		adaptertest.Failure{Name: "daily rate limit", Request: request("stock_price", "LIMIT"), Class: providers.RateLimit, Status: 200,
			Text: "detected your API key as [REDACTED]"},
		adaptertest.Failure{Name: "burst rate limit", Request: request("stock_price", "BURST"), Class: providers.RateLimit, Status: 200, RetryAfter: time.Second},
		adaptertest.Failure{Name: "legacy per-minute note", Request: request("stock_close", "NOTE"), Class: providers.RateLimit, Status: 200, RetryAfter: time.Minute},
		adaptertest.Failure{Name: "premium endpoint", Request: request("stock_close", "PREMIUM"), Class: providers.Permanent, Status: 200},
		adaptertest.Failure{Name: "invalid key", Request: withKey("wrong"), Class: providers.Auth, Status: 200},
		adaptertest.Failure{Name: "demo key", Request: withKey("demo"), Class: providers.Auth, Status: 200},
		adaptertest.Failure{Name: "maintenance", Request: request("stock_price", "DOWN"), Class: providers.Unavailable, Status: 503, RetryAfter: 2 * time.Minute},
		adaptertest.Failure{Name: "unknown data type", Request: request("cpc", "IBM"), Class: providers.Permanent},
		adaptertest.Failure{Name: "no symbol", Request: providers.Request{DataType: "stock_price", Credential: providers.NewSecret(testKey)}, Class: providers.Permanent},
		adaptertest.Failure{Name: "no key", Request: withKey(""), Class: providers.Auth},
	)
	_, err := p.Fetch(context.Background(), request("cpc", "IBM"))
	assert.ErrorIs(t, err, alphavantage.ErrUnknownDataType)
}

func TestNewValidation(t *testing.T) {
	adaptertest.CheckCommonConfig(t, alphavantage.ErrInvalidConfig, func(client *http.Client, baseURL string, maxBodyBytes int64) error {
		_, err := alphavantage.New(alphavantage.Config{Client: client, BaseURL: baseURL, MaxBodyBytes: maxBodyBytes})
		return err
	})
	_, err := alphavantage.New(alphavantage.Config{Client: http.DefaultClient, QuoteDataType: "same", DailyCloseDataType: "same"})
	adaptertest.CheckConfigError(t, err, alphavantage.ErrInvalidConfig, "DailyCloseDataType")
	p, err := alphavantage.New(alphavantage.Config{Client: http.DefaultClient, QuoteDataType: "quote", DailyCloseDataType: "close"})
	require.NoError(t, err, "renamed data types")
	assert.Equal(t, []string{"quote", "close"}, p.DataTypes())
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
