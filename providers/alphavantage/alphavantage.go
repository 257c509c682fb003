package alphavantage

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/strata-go/strata/providers"
	"github.com/strata-go/strata/providers/httpjson"
)

// The default data type names and base URL.
const (
	DefaultQuoteDataType      = "stock_price"
	DefaultDailyCloseDataType = "stock_close"
	DefaultBaseURL            = "https://www.alphavantage.co"
)

// Config configures a Provider. Zero fields mean the documented defaults;
// New never modifies the Config.
type Config struct {
	// Client is the host's HTTP client. Required.
	Client *http.Client
	// BaseURL is the API's scheme and host (and an optional path prefix),
	// without a query. Default DefaultBaseURL; tests point it at an
	// httptest server.
	BaseURL string
	// QuoteDataType names the data type answered by GLOBAL_QUOTE. Default
	// DefaultQuoteDataType.
	QuoteDataType string
	// DailyCloseDataType names the data type answered by the latest close
	// of TIME_SERIES_DAILY. Default DefaultDailyCloseDataType.
	DailyCloseDataType string
	// MaxBodyBytes bounds a response body. Default
	// httpjson.DefaultMaxBodyBytes (a compact daily series is about 10 KB).
	MaxBodyBytes int64
}

// Provider fetches stock prices from Alpha Vantage. It implements
// providers.Provider and is safe for concurrent use.
type Provider struct{ mux *httpjson.Mux }

var _ providers.Provider = (*Provider)(nil)

// errorRules classify Alpha Vantage's 200-with-an-error-body answers; the
// order matters (the burst message also mentions the daily rate limit).
var errorRules = []httpjson.ErrorRule{
	{Path: "Information", Contains: "more sparingly", Class: providers.RateLimit, RetryAfter: time.Second},
	{Path: "Information", Contains: "rate limit", Class: providers.RateLimit},
	{Path: "Note", Contains: "call frequency", Class: providers.RateLimit, RetryAfter: time.Minute},
	{Path: "Information", Contains: "premium endpoint", Class: providers.Permanent},
	{Path: "Information", Contains: "api key", Class: providers.Auth},
	{Path: `["Error Message"]`, Contains: "apikey", Class: providers.Auth},
	{Path: `["Error Message"]`, Class: providers.Permanent},
	{Path: `["Global Quote"]`, Empty: true, Class: providers.Permanent, Description: "unknown symbol"},
}

// New validates cfg and returns a Provider. An invalid Config gives an
// error matching ErrInvalidConfig that names the field ("alphavantage:
// invalid config: DailyCloseDataType: ..."); one that httpjson rejects
// (Client, MaxBodyBytes) also matches httpjson.ErrInvalidConfig and is a
// *httpjson.ConfigError.
func New(cfg Config) (*Provider, error) {
	base, err := httpjson.BaseURL(cfg.BaseURL, DefaultBaseURL)
	if err != nil {
		return nil, fmt.Errorf("%w: BaseURL: %v", ErrInvalidConfig, err)
	}
	quote := cmp.Or(cfg.QuoteDataType, DefaultQuoteDataType)
	daily := cmp.Or(cfg.DailyCloseDataType, DefaultDailyCloseDataType)
	if quote == daily {
		return nil, fmt.Errorf("%w: DailyCloseDataType: %q is also the QuoteDataType", ErrInvalidConfig, daily)
	}
	common := httpjson.Config{
		Client:         cfg.Client,
		Credential:     httpjson.Credential{In: httpjson.CredentialQuery, Name: "apikey"},
		ParseTimestamp: httpjson.TimeLayout(time.DateOnly),
		ErrorRules:     errorRules,
		MaxBodyBytes:   cfg.MaxBodyBytes,
	}
	qc := common
	qc.URL = base + "/query?function=GLOBAL_QUOTE&symbol={symbol}"
	qc.Value = `["Global Quote"]["05. price"]`
	qc.Timestamp = `["Global Quote"]["07. latest trading day"]`
	dc := common
	dc.URL = base + "/query?function=TIME_SERIES_DAILY&symbol={symbol}&outputsize=compact"
	dc.Value = `["Time Series (Daily)"][-1]["4. close"]` // keys are ISO dates: the greatest is the latest
	dc.Timestamp = `["Time Series (Daily)"][-1]~`

	mux, err := httpjson.NewMux(httpjson.MuxConfig{
		Routes:           []httpjson.Route{{DataType: quote, Config: qc}, {DataType: daily, Config: dc}},
		ErrInvalidConfig: ErrInvalidConfig, ErrUnknownDataType: ErrUnknownDataType,
	})
	if err != nil {
		return nil, err
	}
	return &Provider{mux: mux}, nil
}

// Fetch answers req from the function that serves req.DataType. See the
// package documentation for the params and the error classes.
func (p *Provider) Fetch(ctx context.Context, req providers.Request) (providers.Response, error) {
	return p.mux.Fetch(ctx, req)
}

// DataTypes lists the data types the provider serves: the quote's, then
// the daily close's.
func (p *Provider) DataTypes() []string { return p.mux.DataTypes() }

// Params lists the params the provider reads for dataType (nil for a data
// type it does not serve): all the resolver needs to pass it.
func (p *Provider) Params(dataType string) []string { return p.mux.Params(dataType) }
